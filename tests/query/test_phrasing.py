"""Compound names the notes never write, in any dash or spacing."""

from __future__ import annotations

from tmrag.query.phrasing import PhraseIndex

NOTES = PhraseIndex([
    "FlashAttention tiles the softmax. Decoding is memory-bound, so flash kernels help.",
    "Llama 2 7B uses 32 layers; ZeRO-3 shards parameters; GPT-4o is multimodal; BF16 is the default.",
    "A mixture of experts routes each token. Medusa-style heads draft tokens.",
])


def test_a_compound_of_known_words_the_notes_never_write_is_unwritten() -> None:
    assert NOTES.unwritten(["Flash-Decoding", "Mixture-of-Depths", "ZeRO++"]) == ["Flash-Decoding", "Mixture-of-Depths",
                                                                                   "ZeRO++"]


def test_a_compound_written_with_other_dashes_or_spaces_is_written() -> None:
    assert NOTES.unwritten(["Llama-2-7B", "ZeRO‑3", "mixture-of-experts"]) == []
    assert NOTES.writes("Mixture-of-Expert")  # plural in the notes
    assert not NOTES.writes("GPT-4")  # "GPT-4o" is another name


def test_descriptions_joined_names_and_plain_words_are_not_checked() -> None:
    # "-style" describes a kind; "BF16-mixed" is written BF16; "ZeRO-3+GPT-4o" joins two written names
    assert NOTES.unwritten(["InstructGPT-style", "BF16-mixed", "ZeRO-3+GPT-4o", "Optuna"]) == []


def test_a_name_with_a_modifier_is_unwritten_when_the_name_itself_is() -> None:
    assert NOTES.unwritten(["o3-mini", "Jacobi-iteration"]) == ["o3-mini", "Jacobi-iteration"]
    assert NOTES.unwritten(["all-GPT-4o", "non-ZeRO-3"]) == []  # an everyday word before a written name
    assert NOTES.unwritten(["kernel-plus-ZeRO-3"]) == []  # everyday words around a written name
    assert NOTES.unwritten(["Mixture-of-Depths"]) == ["Mixture-of-Depths"]  # "mixture depths" is not written either


def test_a_concept_of_everyday_words_the_notes_never_write_together_is_unknown() -> None:
    from types import SimpleNamespace

    from tmrag.query.analysis import QueryAnalyzer
    from tmrag.query.ranking import Ranker

    ranker = SimpleNamespace(phrases=PhraseIndex(["Labels are smoothed by averaging. A mixture of experts routes tokens."]))

    def unwritten(question: str) -> list[str]:
        return Ranker.unwritten_subject(ranker, QueryAnalyzer([]).analyze(question))  # type: ignore[arg-type]

    assert unwritten("what is label smoothing and when to use it?") == ["label smoothing"]
    assert unwritten("What is a mixture of experts?") == []  # written, as more than three words
    assert unwritten("what are mixtures of experts?") == []
    assert unwritten("what is expert routing?") == ["expert routing"]
    assert unwritten("what does plain linear interpolation give at t=0.5?") == []  # not a concept asked to define
    assert unwritten("what are the main limits and pitfalls of merging?") == []  # a degree, not a concept
    assert unwritten("what is Flash-Decoding?") == []  # names are the name checks' to judge
