"""LLM mode: generate from the top passages, keep only sentences a cited passage supports,
and cite them exactly like extractive answers (the same quotes, spans and markers)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..config import Settings
from ..errors import GenerationError
from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from .composing import Composer
from .generation import NOT_COVERED, LLMClient, Passage, build_messages, strip_markers, verify
from .quotes import ANSWER_PASSAGES, Pick
from .quoting import QuoteSelector
from .types import Answer, Verification


class GeneratedAnswerer:
    def __init__(self, settings: Settings, index: LoadedIndex, quoter: QuoteSelector, composer: Composer,
                 embed: Callable[[str], np.ndarray]) -> None:
        self.settings, self.index, self.quoter, self.composer, self.embed = settings, index, quoter, composer, embed
        self._client: LLMClient | None = None  # created on the first LLM-mode answer
        self.last_error: str | None = None

    def answer(self, ranking: Ranking) -> Answer | None:
        """None (→ the extractive answer) when generation fails or nothing survives verification."""
        if self._client is None:
            self._client = LLMClient(self.settings)
        passages = [Passage(i + 1, c.row, self.index.chunks[c.row].breadcrumb, self.index.chunks[c.row].text)
                    for i, c in enumerate(ranking.results[:ANSWER_PASSAGES])]
        try:
            text = self._client.complete(build_messages(ranking.query.text, passages, self.settings))
        except GenerationError as exc:
            self.last_error = str(exc)
            return None
        if text.strip() == NOT_COVERED:
            return self.composer.compose(ranking, [], True).model_copy(update={"mode": "llm"})
        checked = verify(text, passages, self.index.sentence_vectors_of, self.embed)
        if not checked.sentences:
            return None
        rows = {p.marker: p.row for p in passages}
        # Passages are numbered in the order the generated text first cites them, as extractive
        # answers number theirs in reading order; quotes_from keeps each passage's spans in order.
        order = {m: n for n, m in enumerate(dict.fromkeys(s.marker for s in checked.sentences))}
        picks = list(dict.fromkeys(Pick(order[s.marker], rows[s.marker], s.j) for s in checked.sentences))
        quotes = self.quoter.quotes_from(picks, {})
        marker_of = {q.row: q.marker for q in quotes}
        parts = [f"{strip_markers(s.text)} [{marker_of[rows[s.marker]]}]" for s in checked.sentences]
        report = Verification(sentences=checked.total, supported=len(checked.sentences), dropped=checked.dropped,
                              support_rate=round(checked.support_rate, 4))
        return self.composer.compose(ranking, quotes, False).model_copy(
            update={"answer": " ".join(parts), "mode": "llm", "verification": report})
