"""The tokenizer and the BM25 index the build writes."""

import pytest

from tmrag.build.lexical import LexicalIndex
from tmrag.query.analysis import sized_models
from tmrag.tokenize import stem_tokens, tokenize


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


def test_sparse_scores_equal_rank_bm25() -> None:
    import numpy as np

    docs = ["kv cache memory per token", "learning rate warmup schedule warmup", "top-p nucleus sampling", "",
            "cache the kv cache twice"]
    idx = LexicalIndex([tokenize(d) for d in docs], k1=1.2, b=0.75)
    for q in (["cache"], ["kv", "cache", "cache"], ["warmup", "nucleus", "absent"], []):
        expected = idx.bm25.get_scores(q) if q else np.zeros(len(docs))
        assert np.allclose(idx.scores(q), expected, atol=1e-5), q
    assert [idx.document_frequency(t) for t in ("cache", "warmup", "absent")] == [2, 1, 0]


def test_stemming_folds_word_forms_and_keeps_technical_tokens() -> None:
    stems = stem_tokens(tokenize("Scaling laws scaled; fp16 top-p sampling costs $2.50 on gpt-4"))
    assert stems.count("scale") == 2  # "scaling" and "scaled" meet
    for kept in ("fp16", "top-p", "$2.50", "gpt-4"):
        assert kept in stems


def test_ranked_returns_positive_hits_best_first() -> None:
    index = LexicalIndex([["cache"], ["cache", "cache"], ["other"], ["more"], ["words"]], k1=1.5, b=0.75)
    rows, scores = index.ranked(["cache"])
    assert list(rows) == [1, 0] and scores[0] > scores[1] > 0


@pytest.mark.parametrize(("written", "typed"), [
    ("Given $10^{24}$ FLOPs", "a 1e24 FLOP budget"),  # TeX math, not "$10" dollars
    ("Using $-10^4$ as the mask in fp16", "-1e4 as the mask"),
    ("a peak learning rate of $6 \\times 10^{-4}$", "lr 6e-4"),
    ("about 3.8×10²⁵ FLOPs", "3.8e25 FLOPs"),
])
def test_powers_of_ten_are_one_token_however_written(written: str, typed: str) -> None:
    numbers = [t for t in tokenize(typed) if "e" in t and t[0].isdigit() and not t.endswith("e")]
    assert numbers and set(numbers) <= set(tokenize(written))
    assert "$10" in tokenize("it costs $10 per hour")  # money stays money


def test_a_sized_model_typed_with_spaces_is_also_its_hyphenated_word() -> None:
    # the notes write both "Llama 2 7B" and "Llama-2-7B"; a question typed either way finds both
    assert sized_models("the KV cache of Llama 2 7B") == ["llama-2-7b"]
    assert "llama-2-7b" in tokenize("Llama-2-7B")
    assert sized_models("GPT-3 175B was trained on 300B tokens") == ["gpt-3-175b"]
    assert sized_models("a llama 70b model") == ["llama-70b"]
    assert sized_models("the 7B model, with 70B total") == []  # no family


def test_a_superscript_exponent_is_a_word_as_typed() -> None:
    # "0.98³⁰" is what "a 30-step task at 98%" asks about; the 30 is written as an exponent
    assert {"0.98", "30"} <= set(tokenize("Independent steps give 0.98³⁰ ≈ 0.545."))
    assert set(tokenize("0.98³⁰")) == set(tokenize("0.98^30"))
    assert "3.8e25" in tokenize("about 3.8×10²⁵ FLOPs")  # a power of ten stays one token
