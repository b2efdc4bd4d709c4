"""Which of two sides wins, said only when the quotes settle it."""

from __future__ import annotations

import pytest

from tmrag.answer.verdict import as_claims, asks_one_kind, quantities, verdict

QUESTION = ("Which takes longer on the wall clock, re-embedding the whole catalogue on 200 GPUs, or building one "
            "625M-item HNSW shard at 20,000 insertions/s? Hours for each.")
SIDES = ["re-embedding the whole catalogue on 200 GPUs", "building one 625M-item HNSW shard at 20,000 insertions/s"]
QUOTED = [
    ("Re-embedding 5B items costs about $3,472 at the assumed price.", 1),
    ("Index build: each shard of 625M items takes 625,000,000 / 20,000 = 31,250 s = 8.7 hours.", 2),
    ("Backfill: (1) GPU time: 5,000,000,000 / 1,000 = 5,000,000 GPU-seconds; (2) Wall-clock on 200 GPUs: "
     "5,000,000 / 200 = 25,000 s = 6.9 hours.", 3),
]


def test_the_side_whose_result_is_larger_wins_with_both_numbers_as_written() -> None:
    said = verdict(QUESTION, SIDES, QUOTED)
    assert said is not None
    assert said.sentence == ("Building one 625M-item HNSW shard at 20,000 insertions/s takes longer: "
                             "8.7 hours against 6.9 hours.")
    assert said.markers == [2, 3]
    assert said.stating == frozenset({1, 2})  # the sentences that state the hours, not the cost's


def test_a_smaller_is_better_comparative_picks_the_smaller_result() -> None:
    said = verdict(QUESTION.replace("takes longer", "is shorter"), SIDES, QUOTED)
    assert said is not None and said.sentence.startswith(
        "Re-embedding the whole catalogue on 200 GPUs is shorter: 6.9 hours")


@pytest.mark.parametrize("question", [
    QUESTION.replace("Which takes longer", "Which saves more"),  # the better end of a saving is not said
    "How long does each take: re-embedding the whole catalogue, or building one shard?",  # no "which"
])
def test_no_verdict_when_the_question_asks_no_winner(question: str) -> None:
    assert verdict(question, SIDES, QUOTED) is None


def test_no_verdict_when_a_side_states_two_results() -> None:
    quoted = [*QUOTED, ("With replicas, each shard of 625M items takes 625,000,000 / 20,000 = 9.1 hours.", 4)]
    assert verdict(QUESTION, SIDES, quoted) is None


def test_no_verdict_when_one_side_states_no_result() -> None:
    assert verdict(QUESTION, SIDES, QUOTED[:2]) is None


def test_results_in_different_units_are_compared_by_size() -> None:
    question = "Which model needs more per token: Llama 2 7B, or Llama 3 70B? Give both."
    quoted = [("Llama 3 70B: 2 × 80 × 8 × 128 × 2 = 327,680 bytes, or 320 KiB per token.", 1),
              ("Llama 2 7B per token: 2 × 32 × 32 × 128 × 2 = 524,288 bytes = 0.5 MiB.", 2)]
    said = verdict(question, ["Llama 2 7B", "Llama 3 70B"], quoted)
    assert said is not None and said.sentence == "Llama 2 7B needs more: 0.5 MiB against 327,680 bytes."


@pytest.mark.parametrize(("clause", "found"), [
    ("5,000,000 / 200 = 25,000 s = 6.9 hours", [("6.9 hours", "time", 6.9 * 3600)]),  # the last result
    ("Cost: 2.87 × $2.50 ≈ $7.17 per clip", []),  # a price per clip is a rate, not "$7"
    ("the 15.6T-token corpus is 62.4 TB of token ids", [("62.4 TB", "bytes", 62.4e12)]),  # an adjective is no result
    ("≈ 4.1×10¹⁸ FLOPs", [("4.1×10¹⁸ FLOPs", "flops", 4.1e18)]),
    ("at 10.6 MB/s", []),  # a rate
])
def test_a_clause_results_are_what_it_works_out(clause: str, found: list[tuple[str, str, float]]) -> None:
    got = [(q.text, q.kind, q.value) for q in quantities(clause)]
    assert [(t, k) for t, k, _ in got] == [(t, k) for t, k, _ in found]
    assert all(v == pytest.approx(w) for (_, _, v), (_, _, w) in zip(got, found, strict=True))


def test_an_opening_verdict_claims_its_two_numbers_under_its_markers() -> None:
    answer = "B takes longer: 8.7 hours against 6.9 hours. [2] [3] Index build: 8.7 hours. [2]"
    assert as_claims(answer) == "8.7 hours [2] [3] 6.9 hours [2] [3] Index build: 8.7 hours. [2]"
    assert as_claims("Index build: 8.7 hours. [2]") == "Index build: 8.7 hours. [2]"


def test_a_question_that_names_two_kinds_of_quantity_asks_for_both() -> None:
    assert asks_one_kind(QUESTION)  # "hours"
    assert not asks_one_kind("Which is bigger? Give the parameter counts, plus the memory for each.")


def test_the_quantity_the_comparative_names_is_the_one_compared() -> None:
    question = "Which takes more compute, one image through ViT-B/16, or one token from Llama-2-7B? Numbers for both."
    quoted = [("ViT-B/16 has 86M parameters and one 224x224 image costs about 33.9 GFLOPs.", 1),
              ("Llama-2-7B has 6,738,415,616 parameters, so one token costs 2 × 6.6×10⁹ ≈ 13.2 GFLOPs.", 2)]
    said = verdict(question, ["one image through ViT-B/16", "one token from Llama-2-7B"], quoted)
    # the parameter counts point the other way: "compute" is FLOPs
    assert said is not None and said.sentence == "One image through ViT-B/16 takes more compute: 33.9 GFLOPs against 13.2 GFLOPs."


def test_a_sides_number_is_matched_whole() -> None:
    # "16 bytes" is not the "16" of "16,384 ranks": that clause's 395.5 MB is no result of the checkpoint side
    question = "Which one is bigger: one checkpoint at 16 bytes per parameter, or the corpus stored as token ids?"
    quoted = [("405B model: 405×10⁹ × 16 bytes = 6.48 TB.", 1),
              ("Per GPU when written by all 16,384 ranks in parallel: 6.48 TB / 16,384 = 395.5 MB each.", 2),
              ("The whole corpus is 62.4 TB of token ids.", 3)]
    said = verdict(question, ["one checkpoint at 16 bytes per parameter", "the corpus stored as token ids"], quoted)
    assert said is not None and said.sentence == "The corpus stored as token ids is bigger: 62.4 TB against 6.48 TB."
