"""LLM mode: generate from the top passages (and each side's, and the first modules' best), keep
only sentences a passage supports, and cite them exactly like extractive answers (the same quotes,
spans and markers); the model's NOT_COVERED or NOT_STATED reply decides coverage."""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import zip_longest

import numpy as np

from ..config import Settings
from ..errors import GenerationError
from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from .composing import Composer, coverage_note
from .generation import (
    LLMClient,
    Passage,
    PassageVectors,
    Supported,
    build_messages,
    strip_markers,
    verify,
)
from .quotes import Pick, Quote, renumbered
from .quoting import QuoteSelector
from .replies import not_covered, not_stated, tidy_reply
from .types import Answer, Verification

# Passages in front of the model (settings): the answer's first few, then each side's or part's
# first few and its first module's best (a comparison's other side, a multi-part question's other
# module), at most `llm_passages`. A model reads all of them, unlike the extractive answer's four.
# Then the first two modules' own best passages by the question's best sentence (settings: how many,
# and the cap on all passages): the sections a multi-question message needs beyond the ones its
# wording ranks first (two each: review dev 0.657 -> 0.752, 13.3 passages on average; test 0.803 -> 0.846)
READ_MODULES = 2
# The best-evidence quotes' passages not shown otherwise, put first (review dev, every evidence quote shown:
# 0.826 -> 0.830, 7 questions up, 0 down; 4 gave the same, so the fewer)
QUOTED_ROWS = 2
# The first passages' own section neighbours (the chunk before and after, when in the same section)
# come in too, each beside the passage it continues: a section's answer often runs past the chunk its
# wording ranks (review dev: of the quotes still missing, 44% sat in the next or previous chunk).
CODE_QUOTE = "code"  # a quote of a code block's lines (Quote.code names no function here: none was asked)
# A follow-up retrieves each thing a reply says is not stated ten passages deep: the first ones are
# mostly passages the model was already shown.
FOLLOWUP_DEPTH = 10
# A follow-up is asked only when the first reply took under half the timeout, so a question waits
# at most about one and a half timeouts for its answer.
FOLLOWUP_BUDGET = 0.5
FOLLOWUP_EACH = 3  # at least this many new passages per thing named, however many it names
# Beside what retrieval finds for a thing named, the passages that hold its best sentences in the
# question's first three modules and the first three retrieved passages' modules. dev38-dev43's
# answerable NOT_STATED replies: of the 80 evidence quotes their first passages lacked, the follow-up
# brings 43 by retrieval alone, 52 with these (49 with them at 12 passages, fewer than retrieval's 12.1).
FOLLOWUP_MODULES = 3


class GeneratedAnswerer:
    def __init__(self, settings: Settings, index: LoadedIndex, quoter: QuoteSelector, composer: Composer,
                 embed: Callable[[str], np.ndarray], sides: Callable[[Ranking, int], list[Ranking]] | None = None,
                 lookup: Callable[[str, list[str] | None, int], Ranking] | None = None) -> None:
        self.settings, self.index, self.quoter, self.composer, self.embed = settings, index, quoter, composer, embed
        self.sides, self.lookup = sides, lookup
        self.vectors = PassageVectors(index.sentence_vectors_of, lambda row: index.chunk_vectors[row],
                                      lambda row: index.chunks[row].sentences)
        self.module_rows: dict[str, list[int]] = {}
        for row, chunk in enumerate(index.chunks):
            if chunk.kind == "module":
                self.module_rows.setdefault(chunk.doc_id, []).append(row)
        self._client: LLMClient | None = None  # created on the first LLM-mode answer
        self.last_error: str | None = None

    def answer(self, ranking: Ranking) -> Answer | None:
        """None (→ the extractive answer) when generation fails or nothing survives verification."""
        passages = self.passages(ranking)
        composed = len(ranking.intent.sides or ranking.intent.parts) > 1
        started = time.monotonic()
        try:
            text, missing = self.reply(ranking, passages, composed)
        except GenerationError as exc:
            self.last_error = str(exc)
            return None
        if missing and time.monotonic() - started < self.settings.llm_timeout_s * FOLLOWUP_BUDGET:
            text, missing, passages = self.follow_up(ranking, passages, composed, (text, missing))
        if not_covered(text):
            return self.composer.compose(ranking, [], True).model_copy(update={"mode": "llm"})
        checked = verify(text, passages, self.vectors, self.embed)
        if not checked.sentences:
            return None
        rows = {p.marker: p.row for p in passages}
        quotes = self.cited(checked.sentences, rows)
        # a passage of prose and code can be quoted twice: its sentences, and the lines a sentence cites
        marker_of = {(q.row, bool(q.code)): q.marker for q in quotes}
        parts = [f"{strip_markers(s.text)} [{marker_of[(rows[s.marker], s.j < 0)]}]" for s in checked.sentences]
        report = Verification(sentences=checked.total, supported=len(checked.sentences), dropped=checked.dropped,
                              support_rate=round(checked.support_rate, 4))
        # The model read the passages whole, so its NOT_STATED line decides coverage: the extractive
        # judge reads only the sentences it cited and called answers it had written in full partial
        # (blind: 3 false "don't state" openings in 51). A partial answer opens by saying what is missing.
        opening = [coverage_note(missing)] if missing else []
        return self.composer.compose(ranking, quotes, False).model_copy(
            update={"answer": " ".join(opening + parts), "mode": "llm", "verification": report,
                    "coverage": "partial" if missing else "answered", "missing": missing})

    def cited(self, sentences: list[Supported], rows: dict[int, int]) -> list[Quote]:
        """What the kept sentences cite: passages numbered in the order the text first cites them,
        as extractive answers number theirs in reading order (quotes_from keeps each passage's
        spans in order); a code block's quote is the lines that support its sentences."""
        order = {m: n for n, m in enumerate(dict.fromkeys(s.marker for s in sentences))}
        picks = list(dict.fromkeys(Pick(order[s.marker], rows[s.marker], s.j) for s in sentences if s.j >= 0))
        quotes = self.quoter.quotes_from(picks, {})
        lines: dict[int, set[tuple[int, int]]] = {}
        for s in sentences:
            if s.j < 0:
                lines.setdefault(s.marker, set()).update(s.lines)
        quotes += [Quote(rows[m], sorted(spans), reading=sorted(spans), code=CODE_QUOTE) for m, spans in lines.items()]
        first: dict[tuple[int, bool], int] = {}
        for n, s in enumerate(sentences):
            first.setdefault((rows[s.marker], s.j < 0), n)
        return renumbered(sorted(quotes, key=lambda q: first[(q.row, bool(q.code))]))

    def reply(self, ranking: Ranking, passages: list[Passage], composed: bool) -> tuple[str, list[str]]:
        """The model's reply to the question over ``passages``, and what it says they do not state."""
        if self._client is None:
            self._client = LLMClient(self.settings)
        return not_stated(tidy_reply(self._client.complete(build_messages(ranking.query.text, passages, self.settings,
                                                                         composed))))

    def follow_up(self, ranking: Ranking, passages: list[Passage], composed: bool,
                  first: tuple[str, list[str]]) -> tuple[str, list[str], list[Passage]]:
        """A reply that names what its passages do not state is asked once more, with the passages
        retrieved for what it named added after the others (their numbers unchanged). The second
        reply is kept unless it fails or says the passages do not answer at all."""
        extra = self.missing_rows(ranking, first[1], {p.row for p in passages})
        if not extra:
            return (*first, passages)
        chunks = self.index.chunks
        more = passages + [Passage(len(passages) + n + 1, row, chunks[row].breadcrumb, chunks[row].text)
                           for n, row in enumerate(extra)]
        try:
            text, missing = self.reply(ranking, more, composed)
        except GenerationError as exc:
            self.last_error = str(exc)
            return (*first, passages)
        return (*first, passages) if not_covered(text) else (text, missing, more)

    def missing_rows(self, ranking: Ranking, missing: list[str], shown: set[int]) -> list[int]:
        """Passages not ``shown`` yet for each thing ``missing``, taken in turns, each with its
        section neighbours, at most ``llm_followup_passages``."""
        cap = self.settings.llm_followup_passages
        if self.lookup is None or not cap:
            return []
        each = max(FOLLOWUP_EACH, cap // len(missing))
        found = [[row for row in self.candidates(ranking, m) if row not in shown][:each] for m in missing]
        rows: list[int] = []
        for turn in range(max(map(len, found))):
            for row in (f[turn] for f in found if turn < len(f)):
                rows += [r for r in self.beside(row) if r not in shown and r not in rows]
        return rows[:cap]

    def passages(self, ranking: Ranking) -> list[Passage]:
        """The answer's top passages, then each side's or part's own, then the best of the first
        modules' other passages, numbered from 1; ahead of them all, up to QUOTED_ROWS passages the
        best-evidence selection quotes that none of those is, the last of the others making room."""
        rows = [c.row for c in ranking.results[: self.settings.llm_top]]
        rows += self.side_passages(ranking, rows)
        rows += self.module_passages(ranking, set(rows))
        rows = self.with_neighbours(rows)
        # what the best-evidence selection (the extractive answer's, before sides and parts) quotes
        # from elsewhere leads: a list the question names ("the safety notes' pitfalls"), a worked
        # example's result further on in its section
        quoted = list(dict.fromkeys(q.row for q in self.quoter.select(ranking) if q.row not in rows))[:QUOTED_ROWS]
        rows = (quoted + rows)[: self.settings.llm_passages]
        chunks = self.index.chunks
        return [Passage(i + 1, row, chunks[row].breadcrumb, chunks[row].text) for i, row in enumerate(rows)]

    def side_passages(self, ranking: Ranking, shown: list[int]) -> list[int]:
        """Each side's or part's own first passages not ``shown``, then the best of each side's
        first module by the side's own words."""
        per_side, own = self.settings.llm_side_passages, self.settings.llm_side_module_passages
        sides = self.sides(ranking, per_side) if self.sides is not None and per_side else []
        rows: list[int] = []
        for side in sides:
            rows += [c.row for c in side.results[:per_side] if c.row not in shown and c.row not in rows]
        for side in sides:
            taken = set(shown) | set(rows)
            firsts = self.first_modules([c.row for c in side.results], 1)
            ranked = self.ranked_rows(firsts, self.index.best_sentences(side.qvec)) if firsts and own else []
            rows += [row for row in ranked if row not in taken][:own]
        return rows

    def with_neighbours(self, rows: list[int]) -> list[int]:
        """``rows`` with the section neighbours of the first ``llm_neighbours`` of them, each placed
        beside the passage it continues so the model reads the section in order; the neighbours go
        ahead of the rows after those first ones."""
        first = rows[: self.settings.llm_neighbours]
        taken = set(rows)
        ordered: list[int] = []
        for row in first:
            for near in self.beside(row):
                if near == row or near not in taken:
                    ordered.append(near)
                    taken.add(near)
        return ordered + rows[len(first):]

    def beside(self, row: int) -> list[int]:
        """``row`` with the chunks just before and after it in its section, in reading order."""
        before, after = self.section_neighbours(row)
        return [r for r in (before, row, after) if r is not None]

    def section_neighbours(self, row: int) -> tuple[int | None, int | None]:
        """The chunks just before and after ``row`` in its section, where there are any."""
        chunk = self.index.chunks[row]
        section = self.quoter.sections.rows.get((chunk.module_id, chunk.anchor), []) if chunk.kind == "module" else []
        if row not in section:
            return None, None
        at = section.index(row)
        return section[at - 1] if at else None, section[at + 1] if at + 1 < len(section) else None

    def first_modules(self, rows: list[int], n: int) -> list[str]:
        """The first ``n`` modules ``rows`` come from, in order (glossary entries are no module)."""
        chunks = self.index.chunks
        return list(dict.fromkeys(chunks[row].doc_id for row in rows if chunks[row].kind == "module"))[:n]

    def ranked_rows(self, modules: list[str], best: np.ndarray) -> list[int]:
        """The passages of ``modules``, those that hold the ``best`` sentences (per row) first."""
        return sorted((row for module in dict.fromkeys(modules) for row in self.module_rows[module]), key=lambda r: -best[r])

    def module_passages(self, ranking: Ranking, shown: set[int]) -> list[int]:
        """The first modules' passages not ``shown`` yet that hold the question's best sentences."""
        best = self.index.best_sentences(ranking.qvec)
        rows: list[int] = []
        for module in self.first_modules([c.row for c in ranking.results], READ_MODULES):
            ranked = self.ranked_rows([module], best)
            rows += [row for row in ranked if row not in shown][: self.settings.llm_module_passages]
        return rows

    def candidates(self, ranking: Ranking, missing: str) -> list[int]:
        """The passages retrieved for ``missing``, in turns with the passages of the question's
        first modules and of the retrieved ones' that hold its best sentences: what a reply calls
        not stated often sits in a module it was shown, in words retrieval ranks low."""
        assert self.lookup is not None
        found = self.lookup(missing, ranking.categories, FOLLOWUP_DEPTH)
        retrieved = [c.row for c in found.results[:FOLLOWUP_DEPTH]]
        modules = self.first_modules([c.row for c in ranking.results], FOLLOWUP_MODULES)
        modules += self.first_modules(retrieved[:FOLLOWUP_MODULES], FOLLOWUP_MODULES)
        within = self.ranked_rows(modules, self.index.best_sentences(found.qvec))[:FOLLOWUP_DEPTH]
        turns = (row for pair in zip_longest(retrieved, within) for row in pair if row is not None)
        return list(dict.fromkeys(turns))
