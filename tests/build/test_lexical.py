import pytest

from tmrag.answer.quoting import same_model
from tmrag.build.lexical import LexicalIndex
from tmrag.corpus.model import GlossaryTerm
from tmrag.query.analysis import QueryAnalyzer, model_variants, name_head, name_like_words
from tmrag.tokenize import tokenize


def test_tokenizer_keeps_technical_tokens_intact() -> None:
    toks = tokenize("Use fp16 or int8 with top-p=0.9; a 4096x4096 matrix, p99 latency, GPT-4 and o1 cost $2.50.")
    for t in ["fp16", "int8", "top-p", "0.9", "4096x4096", "p99", "gpt-4", "o1", "$2.50"]:
        assert t in toks
    assert "the" not in toks and "with" not in toks
    assert {"top", "gpt"} <= set(toks)  # hyphenated compounds also match their parts


def test_bm25_ranks_the_matching_document_first() -> None:
    docs = ["kv cache memory per token", "learning rate warmup schedule", "top-p nucleus sampling"]
    idx = LexicalIndex([tokenize(d) for d in docs], k1=1.5, b=0.75)
    assert idx.search(tokenize("nucleus top-p"), 3)[0][0] == 2


def test_glossary_expansion_adds_aliases_once() -> None:
    gqa = GlossaryTerm("Grouped-query attention", ("GQA",), "…", ("multi-head",))
    q = QueryAnalyzer([gqa]).analyze("How much does GQA save?")
    assert q.terms == [gqa] and "grouped-query" in q.lexical_tokens
    assert q.lexical_tokens.count("gqa") == 1 and q.term_modules == {"multi-head"}


def test_name_like_words() -> None:
    assert name_like_words("How does Mamba compare with GQA? I use llama.cpp and RWKV-4") == [
        "Mamba", "GQA", "llama.cpp", "RWKV-4"]
    # Quantities are not names, even with letters in them.
    assert name_like_words("Can 16K-GPU jobs serve 4K-token chats on a 70B-class model with H100s?") == ["H100s"]


def test_sparse_scores_equal_rank_bm25() -> None:
    import numpy as np

    docs = ["kv cache memory per token", "learning rate warmup schedule warmup", "top-p nucleus sampling", "",
            "cache the kv cache twice"]
    idx = LexicalIndex([tokenize(d) for d in docs], k1=1.2, b=0.75)
    for q in (["cache"], ["kv", "cache", "cache"], ["warmup", "nucleus", "absent"], []):
        expected = idx.bm25.get_scores(q) if q else np.zeros(len(docs))
        assert np.allclose(idx.scores(q), expected, atol=1e-5), q
    assert [idx.document_frequency(t) for t in ("cache", "warmup", "absent")] == [2, 1, 0]


def test_definition_questions_name_their_glossary_term() -> None:
    from tmrag.corpus.model import GlossaryTerm

    rope = GlossaryTerm("Rotary position embedding", ("RoPE",), "A position scheme.", ("positional-encoding",))
    norm = GlossaryTerm("Layer normalization", ("LayerNorm",), "A normalization.", ("layernorm",))
    kv = GlossaryTerm("KV cache", (), "A per-sequence store.", ("kv-cache",))
    analyzer = QueryAnalyzer([rope, norm, kv])
    for question, term in (("What is RoPE?", rope), ("what's rope", rope), ("Explain layer norm.", norm),
                           ("What are KV caches?", kv), ("Tell me about the KV cache", kv),
                           ("What does RoPE stand for?", rope), ("Define rotary position embedding", rope)):
        assert analyzer.analyze(question).defines == term, question
    for question in ("What is RoPE's base frequency?", "Why is RoPE better than ALiBi?", "What is attention?"):
        assert analyzer.analyze(question).defines is None, question


@pytest.mark.parametrize(("text", "expected"), [
    ("KV cache of Llama-2-7B?", {("llama2", "7B")}),
    ("Llama 3 405B and GPT-3 175B", {("llama3", "405B"), ("gpt3", "175B")}),
    ("The 70B model and a 7B one", set()),  # a size without a family names no model
    ("Llama-70B at 4 bits", {("llama", "70B")}),
])
def test_model_variants(text: str, expected: set) -> None:
    assert model_variants(text) == expected


def test_a_shorter_family_name_is_the_same_model_only_at_the_same_size() -> None:
    assert same_model(("llama", "7B"), ("llama2", "7B")) and not same_model(("llama", "70B"), ("llama2", "7B"))
    assert not same_model(("llama3", "8B"), ("llama2", "8B"))


@pytest.mark.parametrize(("name", "head"), [
    ("Chinchilla-optimal", "Chinchilla"), ("ChatGPT-scale", "ChatGPT"), ("Perplexity-style", "Perplexity"),
    ("GPT-4o", "GPT-4o"), ("Llama-2-7B", "Llama-2-7B"), ("best-of-N", ""),
])
def test_the_name_in_a_hyphenated_compound(name: str, head: str) -> None:
    assert name_head(name) == head  # "the passages never mention Chinchilla-optimal" was a false note
