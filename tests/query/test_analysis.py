"""Query analysis: glossary expansion, definition questions, name-like words and model names."""

import pytest

from tmrag.corpus.model import GlossaryTerm
from tmrag.query.analysis import QueryAnalyzer, model_variants, name_head, name_like_words


def test_glossary_expansion_adds_aliases_once() -> None:
    gqa = GlossaryTerm("Grouped-query attention", ("GQA",), "…", ("multi-head",))
    q = QueryAnalyzer([gqa]).analyze("How much does GQA save?")
    assert q.terms == [gqa] and "grouped-query" in q.lexical_tokens
    assert q.lexical_tokens.count("gqa") == 1 and q.term_modules == {"multi-head"}


def test_a_month_that_dates_a_report_is_no_name() -> None:
    assert name_like_words("how long are Sora's clips, going by OpenAI's Feb 2024 technical report?") == ["Sora", "OpenAI"]


def test_name_like_words() -> None:
    assert name_like_words("How does Mamba compare with GQA? I use llama.cpp and RWKV-4") == [
        "Mamba", "GQA", "llama.cpp", "RWKV-4"]
    # Quantities are not names, even with letters in them.
    assert name_like_words("Can 16K-GPU jobs serve 4K-token chats on a 70B-class model with H100s?") == ["H100s"]
    # a negated descriptor is no name: the notes cover such text as "multi-byte UTF-8"
    assert name_like_words("my SSE parser garbles non-ASCII characters") == ["SSE"]
    # an item's first word is capitalised as a sentence's is
    assert name_like_words("1) Which status does the API return? 2) On an IDE bridge, what (b) Then?") == ["API", "IDE"]
    # the writer's shorthand is dotted like llama.cpp, but names nothing the notes could lack
    assert name_like_words("Why is it unstable, i.e. what breaks (e.g. in GQA), vs. MQA?") == ["GQA", "MQA"]
    # a plural acronym is a kind of thing ("models"), not one named thing
    assert name_like_words("why do terminal UIs on GPUs lag behind H100s?") == ["H100s"]
    # an acronym used as a verb says what happens, not which thing is asked about
    assert name_like_words("the decode pool starts OOMing on the KV cache") == ["KV"]


def test_definition_questions_name_their_glossary_term() -> None:
    rope = GlossaryTerm("Rotary position embedding", ("RoPE",), "A position scheme.", ("positional-encoding",))
    norm = GlossaryTerm("Layer normalization", ("LayerNorm",), "A normalization.", ("layernorm",))
    kv = GlossaryTerm("KV cache", (), "A per-sequence store.", ("kv-cache",))
    analyzer = QueryAnalyzer([rope, norm, kv])
    for question, term in (("What is RoPE?", rope), ("what's rope", rope), ("Explain layer norm.", norm),
                           ("What are KV caches?", kv), ("Tell me about the KV cache", kv),
                           ("What does RoPE stand for?", rope), ("Define rotary position embedding", rope),
                           ("What is the RoPE method?", rope), ("RoPE — what is it?", rope),
                           ("layer norm: what's the idea?", norm), ("what is the KV cache in vLLM?", kv),
                           ("RoPE?", rope), ("kv caches", kv), ("layer norm in RoPE?", norm),
                           ("how does RoPE work?", rope)):
        assert analyzer.analyze(question).defines == term, question
    for question in ("What is RoPE's base frequency?", "Why is RoPE better than ALiBi?", "What is attention?",
                     "What is the attention model?", "KV cache in Llama 3?", "RoPE base?",
                     "What is RoPE in a decoder, and why does it beat ALiBi?"):
        assert analyzer.analyze(question).defines is None, question


@pytest.mark.parametrize(("text", "expected"), [
    ("KV cache of Llama-2-7B?", {("llama2", "7B")}),
    ("Llama 3 405B and GPT-3 175B", {("llama3", "405B"), ("gpt3", "175B")}),
    ("The 70B model and a 7B one", set()),  # a size without a family names no model
    ("Llama-70B at 4 bits", {("llama", "70B")}),
    ("kv cache for llama 2 7b?", {("llama2", "7B")}),  # typed in lower case
])
def test_model_variants(text: str, expected: set) -> None:
    assert model_variants(text) == expected


def test_a_spaced_sized_model_adds_its_hyphenated_word_to_the_query_only() -> None:
    tokens = QueryAnalyzer([]).analyze("What is the KV cache of Llama 2 7B?").lexical_tokens
    assert "llama-2-7b" in tokens and tokens.count("llama") == 1


@pytest.mark.parametrize(("name", "head"), [
    ("Chinchilla-optimal", "Chinchilla"), ("ChatGPT-scale", "ChatGPT"), ("Perplexity-style", "Perplexity"),
    ("GPT-4o", "GPT-4o"), ("Llama-2-7B", "Llama-2-7B"), ("best-of-N", ""),
])
def test_the_name_in_a_hyphenated_compound(name: str, head: str) -> None:
    assert name_head(name) == head  # else the answer notes "the passages never mention Chinchilla-optimal"


def test_math_variables_are_not_names() -> None:
    words = name_like_words("In the tiny ReLU net with x=2, w1=0.5, w2=-3, what's the loss and dL/dw1?")
    assert words == ["ReLU"]
    assert name_like_words("What did o1 score on AIME?") == ["o1", "AIME"]  # a name, not a variable


def test_an_acronym_the_question_spells_out_is_recognised() -> None:
    from tmrag.query.analysis import spelled_out

    q = "ZeRO-3 vs expert parallelism: why can EP's communication dominate?"
    assert spelled_out("EP", q)
    assert not spelled_out("LM", "how many tokens does Flamingo hand the LM?")
    assert not spelled_out("EP", "an EP in a plan")  # "in a": too short to be what it stands for
    assert not spelled_out("MoE", "mixture of experts, or MoE")  # not all capitals: a name of its own
