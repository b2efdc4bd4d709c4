"""Counts the notes never give. "How many terabytes of raw crawl …", "how many prompted datasets
…": a count asked of a plural noun is stated by a number beside that noun ("45 TB" aside, which
the quantity checks handle). When no sentence of the question's top modules gives any count of
it, related text cannot be the answer, however closely it matches the rest of the question."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from ..tokenize import tokenize
from .numeric import WORKED_CASE_VALUES, case_values
from .stating import COUNT_RE, counts
from .text import display_sentence

# the asked count sits in the best module or its runner-up (dev: 5 of 10 answered unanswerables flagged, no answerable)
TOP_MODULES = 2
PASSAGES = 6  # results looked through for those modules; glossary entries and sources are passed over
MODULE_MEMO = 256  # modules whose shown sentences are kept: a question reads two
# A plural noun: "datasets", "GPUs"; not "is", "has", "does", "series".
PLURAL = re.compile(r"[A-Za-z][\w-]*[^s\W]s")


class CountCheck:
    def __init__(self, index: LoadedIndex, generic: frozenset[str]) -> None:
        self.index, self.generic = index, generic
        self.sentences = lru_cache(maxsize=MODULE_MEMO)(self._sentences)

    @cached_property
    def rows(self) -> dict[str, list[int]]:
        """Each module's chunk rows, built at the first count asked."""
        rows: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.index.chunks):
            if chunk.kind not in ("glossary", "source"):
                rows.setdefault(chunk.doc_id, []).append(row)
        return rows

    @cached_property
    def module_rows(self) -> set[int]:
        return {row for rows in self.rows.values() for row in rows}

    def uncounted(self, ranking: Ranking) -> list[str]:
        """What the question asks to count that its top modules never count. A worked case ("with
        8 GPUs and 4 replicas, how many requests …") derives its count, so it is never checked."""
        question = ranking.query.text
        if len(case_values(question)) >= WORKED_CASE_VALUES:
            return []
        asked = [m for m in COUNT_RE.finditer(question)
                 if PLURAL.fullmatch(m.group("noun")) and not set(tokenize(m.group("noun"))) & self.generic]
        if not asked:
            return []
        modules = list(dict.fromkeys(self.index.chunks[r.row].doc_id for r in ranking.results[:PASSAGES]
                                     if r.row in self.module_rows))[:TOP_MODULES]
        shown = [s for m in modules for s in self.sentences(m)]
        return [f"the number of {question[m.start() + len('how many'):m.end('noun')].strip()}" for m in asked
                if not any(counts(s, m.group("noun")) for s in shown)]

    def _sentences(self, module: str) -> list[str]:
        chunks = [self.index.chunks[row] for row in self.rows.get(module, [])]
        return [display_sentence(c.text[a:b]) for c in chunks for a, b in c.sentences]
