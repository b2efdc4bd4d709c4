"""Extractive answers: which sentences of the top passages an answer quotes.

Sentences are scored by their similarity to the question, near-ties going to the better
passage; a definition question leads with its glossary entry; a question about one size of a
model never quotes another size's numbers; duplicates across overlapping chunks are quoted once.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property

from ..config import Settings
from ..corpus.model import Corpus
from ..corpus.tables import ROW as TABLE_ROW
from ..query.analysis import QueryAnalyzer, names_regex
from ..query.intent import content_words
from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from ..query.wording import A_LINE_EACH
from ..tokenize import tokenize
from .answer_shape import ASKS_DEFAULT, SAYS_DEFAULT
from .list_quoting import JUST_THE_LIST, ListQuoting, asked_count
from .numeric import (
    ASSIGNED_RE,
    NUMBER_MARGIN,
    NUMBER_WORDS,
    TITLE_RE,
    WORKED_CASE_VALUES,
    NumberScorer,
    case_values,
    quantities,
    wants_number,
)
from .owner_scoring import OwnerScoring
from .paragraphs import Paragraphs
from .quoted import PhrasePassages, plain, quoted_phrases
from .quotes import ANSWER_PASSAGES, Group, Pick, Quote, Scored, SentenceRef, renumbered
from .reading import in_runs, points_back, within
from .text import MAX_SENTENCES, display_sentence, quotable
from .widening import SectionRows

QUOTED_BONUS = 0.1  # a sentence holding the quoted phrase outranks a near-tie that only embeds close
# "how long does it wait by default?": the sentence that says what holds by default, over those about
# the setting (answer_shape.ASKS_DEFAULT); as much as a quoted phrase
DEFAULT_BONUS = 0.1
SAID_PENALTY = 0.3  # more than any bonus a sentence can hold: the item's own sentences outrank the list that named it
CASE_REACH = 8  # passages searched for a case no top passage works (dev: a second example's passage ranks 6th)
QUOTED_PASSAGES = 2  # passages holding the phrase, added after the top ones: the phrase is rarely written more often
SENTENCE_MARGIN = 0.12  # keep sentences within this cosine of the best one (measured on dev)
NAMED_FIRST = 1.0  # in reading order, each of the question's names a sentence mentions outranks any score gap
# For a comparison or multi-part question: after a pick, a sentence saying all the asked words not
# yet said gains this much, in its order and against the margin (dev: must 0.781 -> 0.784, sides
# 0.905 -> 0.909; 0.1 moves half as much)
NOVEL_BONUS = 0.2
RANK_PENALTY = 0.01  # per passage rank: near-ties go to the better passage (dev: 0.03+ costs cites-relevant)
CAUSAL_BONUS = 0.04  # a why-question's sentence that gives a reason outranks one that only restates (dev sweep)
WHY_MARGIN = 0.20  # a reason embeds further from "why …?" than a restatement does: a why-answer looks wider
# "what's actually happening?" after a described symptom asks for its cause, as "why" does
WHY_RE = re.compile(r"\bwhy\b|\bwhat(?:'s| is) the (?:\w+ )?reason\b|\bhow come\b"
                    r"|\bwhat(?:'s| is)(?: actually| really)? (?:happening|going on|going wrong|wrong)\b"
                    r"|\bwhat goes wrong\b", re.I)
# A sentence that states a reason or a consequence, not only the fact the question names.
CAUSAL_RE = re.compile(r"\b(?:because|since|so that|which is why|that is why|this is why|the reason|due to|"
                       r"therefore|as a result|otherwise|in order to|cancels?|means that|lets|forces?)\b|, so\b", re.I)

# A question about a paper or a reading ("Which paper introduced…", "what did the original study
# find") or one that asks which thing does something ("Which retrieval model keeps…"): a
# bibliography annotation can answer it; any other question it only pads ("Official docs for
# custom slash commands…").
ASKS_SOURCE = re.compile(r"^\s*which\b|\b(?:papers?|study|studies|sources?|cite[sd]?|citations?|references?|introduced|"
                         r"proposed|published|authors?|reading|article|report|blog|docs|documentation)\b", re.I)


# "List the failure modes …, with how each one is detected", "list each one with how it gets detected", "…,
# and what's the countermeasure for each?": what each item says is asked for
WITH_EACH = re.compile(r"\bwith\s+[^.?!]{0,60}?\beach\b|\beach\s+(?:one\s+)?with\b|\bfor\s+each(?:\s+one)?\s*[?.]", re.I)


class QuoteSelector(ListQuoting, Paragraphs, OwnerScoring):
    def __init__(self, settings: Settings, corpus: Corpus, index: LoadedIndex, analyzer: QueryAnalyzer) -> None:
        self.settings, self.corpus, self.index, self.analyzer = settings, corpus, index, analyzer
        self.glossary_rows = {c.doc_id: row for row, c in enumerate(index.chunks) if c.kind == "glossary"}

    def select(self, ranking: Ranking, numbers_first: bool = True) -> list[Quote]:
        """Best evidence sentences from the top passages, within a margin of the best one.
        ``numbers_first=False``: no preference for stated results (the context of a partial answer).
        "…? Just the list." or "…? One line each is fine.": only the list, when the evidence has one
        (with a line on each item for the second)."""
        quotes = self.selected(ranking, numbers_first)
        text = ranking.query.text
        whole = WITH_EACH.search(text) is not None
        each = A_LINE_EACH.search(text) is not None or whole
        if ranking.intent.kind != "list" or not (JUST_THE_LIST.search(text) or each):
            return quotes
        return self.only_lists(quotes, detailed=each, whole=whole) or quotes

    def selected(self, ranking: Ranking, numbers_first: bool = True) -> list[Quote]:
        wanted = numbers_first and wants_number(ranking.intent, ranking.query.text)
        # a case set up by its values, or by one symbol assigned ("at t = 1"): the section works it further on
        worked = wanted and (len(case_values(ranking.query.text)) >= WORKED_CASE_VALUES
                             or ASSIGNED_RE.search(ranking.query.text) is not None)
        candidates = self.candidates(ranking, whole_sections=worked)
        if wanted and not worked and not self.sets_the_case(ranking.query.text, candidates):
            candidates = self.candidates(ranking, whole_sections=True)  # "a 1e24 budget": its case, worked further on
        chosen, scored = self.definition_first(ranking, candidates)
        scored = self.same_model(ranking, scored)
        scored = self.about_owner(ranking, scored)
        scored = self.unsaid(ranking, scored)
        why = bool(WHY_RE.search(ranking.query.text))
        scored = self.reasons_first(scored) if why else scored
        numbers = NumberScorer.for_question(ranking.query.text) if wanted else None
        if numbers:
            scored = self.counts_first(ranking, self.results_first(scored, numbers))
        # a comparison or multi-part question has several things to say: the contract's five sentences
        # (dev, blind: 104 changed answers, good 54.8% -> 57.7%, bad 11.5% both)
        budget = MAX_SENTENCES if ranking.intent.kind in ("multi_part", "comparison") else None
        # several things asked: after each pick, a sentence with asked words not yet said gains;
        # not in a partial answer's nearest evidence, where those words are what the notes lack
        asked = frozenset(content_words(ranking.query.text)) if budget and not numbers and numbers_first else frozenset()
        groups = self.greedy(scored, chosen, numbers, WHY_MARGIN if why and not numbers else SENTENCE_MARGIN, why, budget,
                             asked)
        quotes = self.new_case_first(ranking, self.quotes_from(chosen, self.reading_strength(ranking, groups)))
        listing = ranking.intent.kind == "list"
        count = asked_count(ranking.query.text) if listing else None
        unled = bool(count) and not self.leads_counted(quotes, count)
        if unled:
            counted = self.counted_lead(ranking, quotes, count) or self.first_list(ranking, quotes, count)
            if counted:
                return counted
        quotes = self.with_lists(quotes, listing)
        # a counted list found nowhere else may be a table ("the five number formats in … the format
        # table"); one the quotes lead with is the answer ("TIES-merging reduces interference in three steps:")
        named = self.named_list(ranking, quotes) if listing and (unled or not count) else None
        if named:
            return named
        return self.list_first(ranking, quotes) if listing and not any(q.lists for q in quotes) else quotes

    @cached_property
    def sections(self) -> SectionRows:
        return SectionRows(self.index.chunks)

    def candidates(self, ranking: Ranking, whole_sections: bool = False) -> list[Scored]:
        """The quotable sentences of the top passages; ``whole_sections`` (a numeric question):
        also of the other chunks of their sections, where a worked example's result often sits."""
        asks_source = bool(ASKS_SOURCE.search(ranking.query.text))
        # an annotation is the answer only to "which paper…", its source ranked first; the passages
        # after it take the places of the others ("reward hacking": two annotations ranked first)
        top = [c.row for n, c in enumerate(ranking.results)
               if self.index.chunks[c.row].kind != "source" or (n == 0 and asks_source)][:ANSWER_PASSAGES]
        rows = list(enumerate(top))
        if whole_sections:
            cases = self.case_passages(ranking, top)
            rows += [(rank, row) for rank, row in cases]
            rows += [(n.rank, n.row) for n in self.sections.neighbours(top + [row for _, row in cases])]
        phrases = quoted_phrases(ranking.query.text)
        taken = {row for _, row in rows}
        held = [r for r in self.phrase_passages.rows(phrases) if r not in taken][:QUOTED_PASSAGES]
        rows += [(len(top), row) for row in held]
        default = ASKS_DEFAULT.search(ranking.query.text) is not None
        scored: list[Scored] = []
        for rank, row in rows:
            chunk = self.index.chunks[row]
            sims = self.index.sentence_vectors_of(row) @ ranking.qvec
            for j in range(len(chunk.sentences)):
                text = self.sentence(row, j)
                if (quotable(text) or self.lead_in(row, j)) and not self.after_formula(row, j):
                    bonus = QUOTED_BONUS if phrases and any(p in plain(text) for p in phrases) else 0.0
                    bonus += DEFAULT_BONUS if default and SAYS_DEFAULT.search(text) else 0.0
                    scored.append(Scored(float(sims[j]) - RANK_PENALTY * rank + bonus, rank, row, j, bonus))
        return scored

    def case_passages(self, ranking: Ranking, top: list[int]) -> list[tuple[int, int]]:
        """Passages past the top ones that work a case the question sets and no top passage works:
        two or more of its values, one of which no top passage holds ("15K prefix, +4K per turn"
        beside "20K, +2K per turn": each example's values find its own passage); with their ranks."""
        values = case_values(ranking.query.text)
        if len(values) < WORKED_CASE_VALUES:
            return []
        held = [quantities(self.index.chunks[row].text) & values for row in top]
        found = []
        for rank, c in enumerate(ranking.results[:CASE_REACH]):
            own = quantities(self.index.chunks[c.row].text) & values
            if c.row not in top and len(own) >= WORKED_CASE_VALUES and own - set().union(*held):
                found.append((rank, c.row))
                held.append(own)
        return found

    @cached_property
    def phrase_passages(self) -> PhrasePassages:
        return PhrasePassages(self.index.chunks)

    def sets_the_case(self, question: str, candidates: list[Scored]) -> bool:
        """Some candidate sentence uses a value the question sets its case with; true when it sets none."""
        values = case_values(question)
        return not values or any(values & quantities(display_sentence(self.sentence(s.row, s.j))) for s in candidates)

    def bare_title(self, row: int, j: int) -> bool:
        """A bold paragraph title ("**Speedup with a draft costing c = 0.1.**") with no list after it
        to carry the result ("**Dollars per user per month.**" introduces its cases)."""
        return bool(TITLE_RE.match(self.sentence(row, j))) and self.list_of(row, self.index.chunks[row].sentences[j]) is None

    def lead_in(self, row: int, j: int) -> bool:
        """"The handshake runs in four steps:" is quotable with its list, though not alone."""
        text = self.sentence(row, j).rstrip()
        span = self.index.chunks[row].sentences[j]
        return text.endswith(":") and quotable(text[:-1] + ".") and self.list_of(row, span) is not None

    def greedy(self, scored: list[Scored], chosen: list[Pick], numbers: NumberScorer | None = None,
               margin: float = SENTENCE_MARGIN, why: bool = False, budget: int | None = None,
               asked: frozenset[str] = frozenset()) -> list[Group]:
        """Adds the best sentences (each with its antecedent, if it needs one) to ``chosen``
        within the margin and the sentence and word budgets; returns them as scored groups.
        For a numeric question, ``numbers`` re-scores what is left after each pick; for one that
        asks several things, the ``asked`` words a sentence says that the picks have not yet said."""
        said: set[str] = set()
        asked_in: dict[SentenceRef, frozenset[str]] = {}  # each sentence's asked words, read once

        def novel(s: Scored) -> float:
            if not asked or not groups:
                return 0.0
            if (s.row, s.j) not in asked_in:
                asked_in[(s.row, s.j)] = asked & frozenset(tokenize(self.sentence(s.row, s.j)))
            return NOVEL_BONUS * len(asked_in[(s.row, s.j)] - said) / len(asked)

        pending = sorted(scored, key=lambda s: -s.score)
        groups: list[Group] = []
        words = sum(self.words(p.row, p.j) for p in chosen)
        ahead = len(chosen)  # a definition already chosen; antecedents ride on top, up to MAX_SENTENCES
        top, margin = None, NUMBER_MARGIN if numbers else margin
        # a lifted sentence is picked first, but the margin stays the one the plain scores set
        plain = max(s.score - s.lift for s in pending) if any(s.lift for s in pending) else float("-inf")
        max_words = self.settings.answer_max_words * (NUMBER_WORDS if numbers else 1)
        while pending and ahead + len(groups) < (budget or self.settings.answer_max_sentences):
            if numbers:
                pending.sort(key=lambda s: -(s.score + numbers.case(self.sentence(s.row, s.j), self.section_of(s.row))))
            elif asked and groups:
                pending.sort(key=lambda s: -(s.score + novel(s)))
            s = pending.pop(0)
            score = s.score + (numbers.case(self.sentence(s.row, s.j), self.section_of(s.row)) if numbers else novel(s))
            top = max(score - s.lift, plain) if top is None else top
            if score - s.lift < top - margin:
                break
            if any(self.repeats((s.row, s.j), (p.row, p.j)) for p in chosen):
                continue
            group = self.with_antecedent(s.row, s.j, chosen)
            n_words = sum(self.words(row, i) for row, i in group)
            taken = {(p.row, p.j) for p in chosen} | set(group)
            steps = [ref for ref in self.enumeration(s.row, s.j) or self.sequel(s.row, s.j, why)
                     or self.derivation(s.row, s.j, numbers is not None) if ref not in taken]
            steps_words = sum(self.words(*ref) for ref in steps)
            if steps and words + n_words + steps_words <= max_words and len(chosen) + len(group) + len(steps) <= MAX_SENTENCES:
                group, n_words = sorted(group + steps), n_words + steps_words
            if chosen and (words + n_words > max_words or len(chosen) + len(group) > MAX_SENTENCES):
                continue
            chosen += [Pick(s.rank, row, i) for row, i in group]
            groups.append(Group(score, group))
            said.update(asked & set(tokenize(" ".join(self.sentence(row, i) for row, i in group))))
            words += n_words
            if numbers:
                numbers.take(self.sentence(s.row, s.j), self.section_of(s.row))
        return self.without_restated(groups, chosen)

    def without_restated(self, groups: list[Group], chosen: list[Pick]) -> list[Group]:
        """Drops a chosen sentence that a longer chosen one restates in full (the shorter came
        first, so it was not a repeat of anything when it was picked)."""
        refs = [(p.row, p.j) for p in chosen]
        said = {ref for ref in refs if any(o != ref and self.absolute(*o) != self.absolute(*ref)
                                          and within(self.sentence(*ref), self.sentence(*o)) for o in refs)}
        chosen[:] = [p for p in chosen if (p.row, p.j) not in said]
        return [Group(g.score, [r for r in g.refs if r not in said]) for g in groups if any(r not in said for r in g.refs)]

    def results_first(self, scored: list[Scored], numbers: NumberScorer) -> list[Scored]:
        """For a numeric question: each sentence re-scored by whether it states a result."""
        return [replace(s, score=s.score + numbers.result(self.sentence(s.row, s.j), self.bare_title(s.row, s.j),
                                                          self.table_row(s.row, s.j)))
                for s in scored]

    def table_row(self, row: int, j: int) -> bool:
        """The sentence is a table's row (quoted as its statement)."""
        chunk = self.index.chunks[row]
        return TABLE_ROW.fullmatch(chunk.text, *chunk.sentences[j]) is not None

    def reasons_first(self, scored: list[Scored]) -> list[Scored]:
        """For a why-question: a sentence that gives a reason ("…, so cost grows with depth",
        "because …") gains CAUSAL_BONUS over one that restates the fact asked about."""
        return [replace(s, score=s.score + CAUSAL_BONUS * bool(CAUSAL_RE.search(self.sentence(s.row, s.j))))
                for s in scored]

    def unsaid(self, ranking: Ranking, scored: list[Scored]) -> list[Scored]:
        """A follow-up about one item of the previous answer's list: a sentence that answer quoted
        (the list itself, most often) is what the reader already has, and loses SAID_PENALTY."""
        if not ranking.said:
            return scored
        said = " ".join(ranking.said.split())
        return [replace(s, score=s.score - SAID_PENALTY * (self.flat(s.row, s.j) in said)) for s in scored]

    def flat(self, row: int, j: int) -> str:
        """A sentence as an answer shows it, on one line."""
        return " ".join(display_sentence(self.sentence(row, j)).split())

    def section_of(self, row: int) -> tuple[str | None, str | None]:
        chunk = self.index.chunks[row]
        return chunk.doc_id, chunk.anchor

    def reading_strength(self, ranking: Ranking, groups: list[Group]) -> dict[SentenceRef, float]:
        """Each chosen sentence's weight in reading order: its score, plus NAMED_FIRST for each of
        the question's names it mentions (for "the ridge point of an H100 in FLOPs per byte", the
        H100 row before the A100 row that embeds closer). An antecedent shares its sentence's."""
        pattern = names_regex(ranking.query.names)
        strength = {}
        for group in groups:
            named = {m.lower() for m in pattern.findall(self.sentence(*group.refs[-1]))} if pattern else set()
            strength.update({ref: group.score + NAMED_FIRST * len(named) for ref in group.refs})
        return strength

    def definition_first(self, ranking: Ranking, scored: list[Scored]) -> tuple[list[Pick], list[Scored]]:
        """For "What is X?" with X in the glossary: the glossary definition leads the answer, and
        the other quotes must name X. Sentence similarity alone favours short sentences that
        merely mention X ("Raising the RoPE base is another common knob.")."""
        row = self.defined_row(ranking)
        if row is None or ranking.query.defines is None:
            return [], scored
        names = self.analyzer.name_pattern(ranking.query.defines)
        on_topic = [s for s in scored if s.row != row and names.search(self.sentence(s.row, s.j))]
        return [Pick(-1, row, 0)], on_topic

    def quotes_from(self, chosen: list[Pick], strength: dict[SentenceRef, float]) -> list[Quote]:
        """Best passage first; inside a passage its strongest sentence (with its antecedent)
        first, so the answer opens with its best evidence (dev: a must-contain string in the
        first sentence 44 -> 55 of 129), except that a pair of consecutive sentences reads in the order
        written (``in_runs``), and a sentence that points back reads right after its antecedent quoted
        from the passage before. The citation keeps the spans in document order."""
        key = {(p.row, p.j): (p.rank, -strength.get((p.row, p.j), 0.0), self.absolute(p.row, p.j)[1]) for p in chosen}
        for p in chosen:
            # "The same 70B shape with full MHA …" opening the next passage reads after the line it takes up
            # (a paragraph cut by a chunk boundary), not where its own passage ranks
            before = self.before(p.row, p.j) if points_back(self.sentence(p.row, p.j)) else None
            if before is not None and before[0] != p.row and before in key:
                key[(p.row, p.j)] = (*key[before][:2], self.absolute(p.row, p.j)[1])
        chosen.sort(key=lambda p: key[(p.row, p.j)])
        read: dict[int, list[int]] = {}
        for p in chosen:
            read.setdefault(p.row, []).append(p.j)
        quotes = [Quote(row, [], n, [self.span(row, j) for j in in_runs(js)]) for n, (row, js) in enumerate(read.items(), 1)]
        for quote in quotes:
            quote.spans = sorted(quote.reading)
        return quotes

    def new_case_first(self, ranking: Ranking, quotes: list[Quote]) -> list[Quote]:
        """A follow-up that sets a case of its own: the passages stating its values read first, before
        those working the previous turn's case, which the reader already has."""
        if not ranking.new_values:
            return quotes
        def old_case(q: Quote) -> bool:
            text = self.index.chunks[q.row].text
            return not any(ranking.new_values & quantities(display_sentence(text[a:b])) for a, b in q.spans)

        return renumbered(sorted(quotes, key=old_case))

    def defined_row(self, ranking: Ranking) -> int | None:
        """The glossary row a "What is X?" question asks for, if retrieval kept it (so the
        category filter applies)."""
        term = ranking.query.defines
        row = self.glossary_rows.get(term.term) if term else None
        return row if row is not None and any(c.row == row for c in ranking.candidates) else None

    def named_row(self, ranking: Ranking) -> int | None:
        """The glossary row of a term the question names when it is the top passage ("what three
        things did QLoRA introduce?"): the notes have the subject, however short the question."""
        top = ranking.results[0].row if ranking.results else None
        rows = {self.glossary_rows.get(t.term) for t in ranking.query.terms}
        return top if top is not None and top in rows else None
