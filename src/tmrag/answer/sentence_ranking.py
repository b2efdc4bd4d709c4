"""The sentence ranker: a small cross-encoder (MiniLM-L6, fine-tuned by
scripts/train_sentence_ranker.py on the review set's dev evidence, int8 ONNX) that reads a query
with each of its most similar candidate sentences and lifts the ones that state what was asked
over those that only share its words."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..config import Settings
from ..query.loaded_index import LoadedIndex
from .quotes import Scored
from .reader import AnswerReader

SENTENCES_DIR = Path(__file__).parent / "models" / "sentences"
CACHE_PAIRS = 50_000  # (query, sentence) logits kept: a comparison reads the same pairs several times


class SentenceRanker:
    def __init__(self, settings: Settings, index: LoadedIndex, model: AnswerReader | None = None) -> None:
        self.weight, self.depth, self.index = settings.sentence_ranker_weight, settings.sentence_ranker_depth, index
        self.model = model if model is not None else AnswerReader(SENTENCES_DIR)
        self._logits: dict[tuple[str, int, int], float] = {}

    def rerank(self, query: str, scored: list[Scored], sentence: Callable[[int, int], str]) -> list[Scored]:
        """``scored`` with the ``depth`` most similar sentences lifted by the ranker: the one it
        reads as the answer by ``weight``, each other by ``weight`` times its odds against it."""
        top = sorted(range(len(scored)), key=lambda i: -scored[i].score)[: self.depth]
        if not top:
            return scored
        unread = [i for i in top if (query, scored[i].row, scored[i].j) not in self._logits]
        if unread:
            if len(self._logits) > CACHE_PAIRS:
                self._logits.clear()
            texts = [f"{self.index.chunks[scored[i].row].breadcrumb}: {sentence(scored[i].row, scored[i].j)}" for i in unread]
            for i, logit in zip(unread, self.model.score_many(query, texts), strict=True):
                self._logits[(query, scored[i].row, scored[i].j)] = float(logit)
        logits = {i: self._logits[(query, scored[i].row, scored[i].j)] for i in top}
        best = max(logits.values())
        return [replace(s, score=s.score + self.weight * math.exp(logits[i] - best)) if i in logits else s
                for i, s in enumerate(scored)]
