"""The sentence ranker's lift: the ranker's choice among the most similar sentences gains the
configured weight, the others by their odds against it; each pair is read once."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from tmrag.answer.quotes import Scored
from tmrag.answer.sentence_ranking import SentenceRanker
from tmrag.config import Settings


class CountingModel:
    """Implements AnswerReader.score_many: a fixed logit per sentence text."""

    def __init__(self, logits: dict[str, float]) -> None:
        self.logits, self.pairs = logits, 0

    def score_many(self, question: str, texts: list[str]) -> np.ndarray:
        self.pairs += len(texts)
        return np.array([self.logits[t.split(": ", 1)[1]] for t in texts])


def _ranker(model: CountingModel, depth: int = 2) -> SentenceRanker:
    index = SimpleNamespace(chunks=[SimpleNamespace(breadcrumb="M › S")])
    settings = Settings(sentence_ranker_weight=0.1, sentence_ranker_depth=depth)
    return SentenceRanker(settings, index, model)  # type: ignore[arg-type]


def test_the_ranked_choice_gains_the_weight_and_the_others_their_odds() -> None:
    model = CountingModel({"a": 0.0, "b": 2.0, "c": 5.0})
    scored = [Scored(0.60, 0, 0, 0), Scored(0.55, 0, 0, 1), Scored(0.40, 0, 0, 2)]
    out = _ranker(model).rerank("q?", scored, lambda row, j: "abc"[j])
    assert out[1].score == 0.55 + 0.1  # the ranker's choice of the two most similar
    assert math.isclose(out[0].score, 0.60 + 0.1 * math.exp(-2.0))
    assert out[2].score == 0.40  # beyond the depth: not read
    assert out[1].score > out[0].score


def test_each_pair_is_read_once() -> None:
    model = CountingModel({"a": 1.0, "b": 0.0})
    scored = [Scored(0.6, 0, 0, 0), Scored(0.5, 0, 0, 1)]
    ranker = _ranker(model)
    ranker.rerank("q?", scored, lambda row, j: "ab"[j])
    ranker.rerank("q?", scored, lambda row, j: "ab"[j])
    assert model.pairs == 2
    ranker.rerank("another q?", scored, lambda row, j: "ab"[j])
    assert model.pairs == 4
