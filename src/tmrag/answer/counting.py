"""Counts the notes never give. "How many terabytes of raw crawl …", "how many prompted datasets
…": a count asked of a plural noun is stated by a number beside that noun ("45 TB" aside, which
the quantity checks handle). When no sentence of the question's top modules gives any count of
it, related text cannot be the answer, however closely it matches the rest of the question."""

from __future__ import annotations

import re
from functools import lru_cache

from ..query.documents import DocumentEvidence
from ..query.ranking import Ranking
from ..tokenize import tokenize
from .numeric import WORKED_CASE_VALUES, case_values
from .stating import COUNT_RE, counts
from .text import display_sentence, span_text

# the asked count sits in the best module or its runner-up (dev: 5 of 10 answered unanswerables flagged, no answerable)
TOP_MODULES = 2
PASSAGES = 6  # results looked through for those modules; glossary entries and sources are passed over
MODULE_MEMO = 256  # modules whose shown sentences are kept: a question reads two
# A plural noun: "datasets", "GPUs"; not "is", "has", "does", "series".
PLURAL = re.compile(r"[A-Za-z][\w-]*[^s\W]s")


class CountCheck:
    def __init__(self, documents: DocumentEvidence | None, generic: frozenset[str]) -> None:
        self.documents, self.generic = documents, generic
        self.sentences = lru_cache(maxsize=MODULE_MEMO)(self._sentences)

    def uncounted(self, ranking: Ranking) -> list[str]:
        """What the question asks to count that its top modules never count. A worked case ("with
        8 GPUs and 4 replicas, how many requests …") derives its count, so it is never checked."""
        question = ranking.query.text
        if len(case_values(question)) >= WORKED_CASE_VALUES:
            return []
        asked = [m for m in COUNT_RE.finditer(question)
                 if PLURAL.fullmatch(m.group("noun")) and not set(tokenize(m.group("noun"))) & self.generic]
        if not asked or self.documents is None:  # no build to read (a judge made for a unit test)
            return []
        module_of = self.documents.module_of
        modules = list(dict.fromkeys(int(module_of[r.row]) for r in ranking.results[:PASSAGES]
                                     if module_of[r.row] >= 0))[:TOP_MODULES]
        shown = [s for m in modules for s in self.sentences(m)]
        return [f"the number of {question[m.start() + len('how many'):m.end('noun')].strip()}" for m in asked
                if not any(counts(s, m.group("noun")) for s in shown)]

    def _sentences(self, module: int) -> list[str]:
        chunks = [self.documents.index.chunks[row] for row in self.documents.chunk_rows[module]]
        return [display_sentence(span_text(c.text, sp)) for c in chunks for sp in c.sentences]
