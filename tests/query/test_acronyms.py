"""Acronyms the notes define are spelled out for the embedder; others stay as typed."""

from tmrag.query.acronyms import Acronyms

NOTES = [
    "Grouped-query attention (GQA) shares each key/value head across a group of query heads.",
    "DeepSeek uses multi-head latent attention (MLA) to compress the cache.",
    "A mixture-of-experts (MoE) layer routes each token to a few experts.",
    "The Ampere (A100) generation and the silu (Swish) gate are not acronyms of the words before.",
]


def test_defined_acronyms_are_learned_word_by_word_or_part_by_part() -> None:
    acronyms = Acronyms(NOTES)
    assert acronyms.expansions == {"GQA": "grouped-query attention", "MLA": "multi-head latent attention",
                                   "MoE": "mixture-of-experts"}


def test_a_glossary_term_and_its_acronym_alias_define_it_too() -> None:
    acronyms = Acronyms([], [("Multi-query attention", "MQA"), ("DPO", "direct preference optimization"),
                             ("Chain-of-thought", "step-by-step reasoning")])
    assert acronyms.expansions == {"MQA": "multi-query attention", "DPO": "direct preference optimization"}


def test_spelling_out_adds_the_expansion_once_and_leaves_the_rest() -> None:
    acronyms = Acronyms(NOTES, [("Multi-query attention", "MQA")])
    assert acronyms.spell_out("What is the difference between MQA and GQA?") == \
        "What is the difference between MQA (multi-query attention) and GQA (grouped-query attention)?"
    # already spelled out, unknown, or part of a longer word: unchanged
    for text in ("How does grouped-query attention (GQA) cut the cache?", "What is KTO?", "GQA-style heads"):
        assert acronyms.spell_out(text) == text
