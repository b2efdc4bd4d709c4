"""Grader edge cases with the fake (bag-of-words) embedder: what only looks like an answer scores
low, a faithful answer scores high, and numbers are checked exactly. The real model's numbers
are measured on the labelled set (tests/study/test_quiz_eval.py)."""

from __future__ import annotations

import pytest

from tmrag.study.grader import answer_spans, function_ratio, numbers
from tmrag.study.service import PASS_MARK, rating_for

Q1 = "Why scale the attention scores by the square root of d?"
GOOD = ("Dot products of random vectors grow with the dimension, so unscaled scores get large. "
        "Large scores saturate the softmax and its gradients vanish.")


def _card(study, prompt: str):  # noqa: ANN001, ANN202
    return next(c for c in study.cards if c.prompt == prompt)


def test_a_faithful_answer_passes(study) -> None:  # noqa: ANN001
    grade = study.grader.grade(_card(study, Q1), GOOD)
    assert grade.score >= 0.85 and not grade.flags
    assert all(p.covered for p in grade.points)


@pytest.mark.parametrize(("answer", "flag"), [
    ("", "blank"), ("   \n ", "blank"), ("I don't know", "idk"), ("no idea, sorry", "idk"), ("?", "blank"),
    (Q1, "copy"), ("why scale the scores by the square root of d", "copy"),
    ("dot products, random vectors, dimension, unscaled scores, softmax saturation, gradients vanish", "keyword_dump"),
])
def test_non_answers_score_below_the_pass_mark(study, answer: str, flag: str) -> None:  # noqa: ANN001
    grade = study.grader.grade(_card(study, Q1), answer)
    assert grade.score < PASS_MARK and flag in grade.flags, grade


def test_the_answer_to_a_neighbouring_card_scores_low(study) -> None:  # noqa: ANN001
    neighbour = ("Several heads attend to different positions and subspaces in parallel, and their outputs are "
                 "concatenated and projected back to the model width.")
    grade = study.grader.grade(_card(study, Q1), neighbour)
    assert grade.score < PASS_MARK and "neighbour" in grade.flags


def test_half_an_answer_covers_half(study) -> None:  # noqa: ANN001
    grade = study.grader.grade(_card(study, Q1), "Otherwise the softmax saturates and its gradients vanish.")
    assert [p.covered for p in grade.points] == [False, True]
    assert 0.2 < grade.score < 0.85


def test_numbers_are_checked_exactly(study) -> None:  # noqa: ANN001
    card = next(c for c in study.cards if c.kind == "number")
    right = study.grader.grade(card, "Head width is 4096 / 32 = 128 dimensions per head.")
    wrong = study.grader.grade(card, "Head width is 4096 / 32 = 256 dimensions per head.")
    assert right.score > wrong.score
    assert right.points[0].covered


def test_a_formula_answer_to_a_worked_number_is_neither_a_dump_nor_a_copy(study) -> None:  # noqa: ANN001
    card = next(c for c in study.cards if c.kind == "number")
    for answer in ("4096 / 32 = 128 dims", "Head width for the 4096-wide model = 128"):
        grade = study.grader.grade(card, answer)
        assert not {"keyword_dump", "copy"} & set(grade.flags), (answer, grade)
    assert "copy" in study.grader.grade(card, "Head width for the 4096-wide model").flags


def test_helpers() -> None:
    assert numbers("2 × 80 = 327,680 bytes, 1.25 GiB.") == {"2", "80", "327680", "1.25"}
    assert function_ratio("the cache is large because of the heads") > 0.4
    assert function_ratio("cache, heads, layers, bytes") == 0.0
    text = "Prefill is compute-bound; decode is memory-bound. It reads weights."
    spans = [text[a:b].strip() for a, b in answer_spans(text)]
    assert spans[0].startswith("Prefill") and "It reads weights." in spans and "decode is memory-bound." in spans
    assert [rating_for(s).name for s in (0.0, 0.49, 0.5, 0.7, 0.9)] == ["Again", "Again", "Hard", "Good", "Easy"]
