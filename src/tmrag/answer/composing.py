"""Typed answers from chosen quotes: the answer text with its markers, citations with exact
spans, the bibliography entries behind them, and the nearest sections when it abstains."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..build.chunking import Chunk
from ..config import Settings
from ..corpus.markdown import CITATION_RE
from ..corpus.model import Corpus, Source
from ..query.comparison import GENERIC_SIDE_WORDS, counted_descriptions, offered_pair
from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranker, Ranking
from ..query.results import Location, index_info, locate
from ..tokenize import tokenize
from .abstention import ABSTAIN_ANSWER
from .asked import WH_START
from .coverage import CoverageJudge
from .quotes import Quote, renumbered
from .quoting import WHY_RE, QuoteSelector
from .text import code_line, display_sentence, span_text
from .types import Answer, Citation
from .verdict import Verdict, asks_one_kind, asks_which, verdict

SUGGESTIONS = 3  # nearest sections offered when abstaining: enough to choose from, short to read
SOURCE_PASSAGES = 3  # a bibliography entry retrieved this high is listed even when not quoted
PARTIAL_SENTENCES = 2  # after "The notes don't state X": enough to show the nearest, too few to read as the answer
QUOTE_JOIN = " … "  # between the sentences one citation quotes
TERM_WORDS = 8  # a definition that names its term this early reads on its own ("GRPO, introduced in…")


def term_label(term: str) -> str:
    """How a glossary definition is introduced in an answer, and read back by the eval."""
    return f"{term}: "


def entry_label(chunk: Chunk, aliases: tuple[str, ...] = ()) -> str:
    """What a glossary definition is quoted with: its term ("ZeRO: A family of data-parallel
    memory optimizations…"), since a definition alone opens with no subject. Nothing for other
    passages, or a definition that names its term in its first words."""
    if chunk.kind != "glossary":
        return ""
    head = " ".join(chunk.text.split()[:TERM_WORDS]).lower()
    return "" if any(n.lower() in head for n in (chunk.title, *aliases)) else term_label(chunk.title)


def coverage_note(missing: list[str]) -> str:
    """The plain sentence a partial answer opens with. A bare name missing means the asked thing
    is not stated *for it* ("…don't state this for Claude Haiku"), not that the notes never name it."""
    listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    if not any(m.startswith(("the ", "a ")) or WH_START.match(m) for m in missing):  # an attribute or a clause
        return f"The notes don't state this for {listed}; the nearest they come:"
    return f"The notes don't state {listed}; the nearest they come:"


def merged(spans: list[list[int]]) -> list[list[int]]:
    """Spans in order, overlapping ones joined: a quoted item sentence inside its list's item span
    is quoted once."""
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def both_sides_said(ranking: Ranking, missing: list[str]) -> bool:
    """A comparison whose missing thing is no side ("the multiplier", not "Lion"): its answer
    keeps each side's quotes after the note; the nearest evidence alone would drop a side the
    notes do state (dev, blind pairs)."""
    sides = ranking.intent.sides
    words = {t for side in sides for t in tokenize(side)} - GENERIC_SIDE_WORDS
    return len(sides) > 1 and not any(words & set(tokenize(m)) for m in missing)


class Composer:
    def __init__(self, settings: Settings, corpus: Corpus, index: LoadedIndex, ranker: Ranker) -> None:
        self.corpus, self.index, self.ranker = corpus, index, ranker
        self.terms = {t.term: t for t in corpus.glossary}
        self.judge = CoverageJudge(settings, index, corpus=corpus, documents=ranker.documents)

    def compose(self, ranking: Ranking, quotes: list[Quote], abstained: bool,
                context: Callable[[], list[Quote]] | None = None) -> Answer:
        """Every answer has the same fields, whichever branch made it. A partial answer's quotes
        are ``context()`` cut to PARTIAL_SENTENCES: after saying what the notes lack, the nearest
        evidence — not worked results that could be taken for the missing answer."""
        base = {"abstained": abstained, "mode": "extractive", "evidence": round(ranking.evidence, 4),
                "resolved_question": ranking.query.text,
                "unknown_terms": ranking.unknown_names, "verification": None, "index": index_info(self.index.manifest)}
        if abstained:
            return Answer(answer=ABSTAIN_ANSWER, coverage="not_covered", missing=[], citations=[], sources=[],
                          suggestions=self.suggestions(ranking), unmentioned_terms=[], **base)
        unmentioned = self.ranker.unmentioned(ranking.query, [q.row for q in quotes])
        judged = self.judge.judge(ranking, quotes, abstained, unmentioned)
        sentences = [coverage_note(judged.missing)] if judged.coverage == "partial" else []
        if judged.coverage == "partial" and context is not None and not both_sides_said(ranking, judged.missing):
            quotes = QuoteSelector.first_sentences(context(), PARTIAL_SENTENCES) or quotes
        quoted = self.quoted(quotes)
        said = self.verdict(ranking, quoted) if judged.coverage == "answered" else None
        if said and not WHY_RE.search(ranking.query.text) and asks_one_kind(ranking.query.text):
            # "which takes longer? hours for each": the verdict and the results it rests on are the
            # answer; the quotes' other sentences are set-up and other figures (dev, blind pairs)
            trimmed = self.stating(quotes, said.stating)
            if again := self.verdict(ranking, trimmed_quoted := self.quoted(trimmed)):
                quotes, quoted, said = trimmed, trimmed_quoted, again
        sentences += [said.text()] if said else []
        sentences += [f"{text} [{marker}]" for text, marker in quoted]
        citations = [self.citation(self.index.chunks[q.row], q) for q in quotes]
        return Answer(answer=" ".join(sentences), coverage=judged.coverage, missing=judged.missing, citations=citations,
                      sources=self.sources_for(quotes, ranking), suggestions=[], unmentioned_terms=unmentioned, **base)

    def quoted(self, quotes: list[Quote]) -> list[tuple[str, int]]:
        """Each sentence the answer quotes, as it reads, with its marker."""
        return [(self.with_list(self.index.chunks[q.row], q, (a, b)), q.marker) for q in quotes for a, b in q.reading or q.spans]

    @staticmethod
    def stating(quotes: list[Quote], kept: frozenset[int]) -> list[Quote]:
        """``quotes`` cut to the sentences (indices in answer order) in ``kept``."""
        out, n = [], 0
        for q in quotes:
            shown = q.reading or q.spans
            keep = {span for k, span in enumerate(shown, n) if k in kept}
            n += len(shown)
            if keep:
                out.append(replace(q, spans=[s for s in q.spans if s in keep], reading=[s for s in q.reading if s in keep]))
        return renumbered(out)

    @staticmethod
    def verdict(ranking: Ranking, quoted: list[tuple[str, int]]) -> Verdict | None:
        """Which of two things the question names wins, when it asks and the quotes say."""
        question = ranking.query.text
        if not asks_which(question):  # most answers: no side parsing
            return None
        sides = counted_descriptions(question) or offered_pair(question) or ranking.intent.sides
        return verdict(question, sides, quoted)

    def with_list(self, chunk: Chunk, quote: Quote, span: tuple[int, int]) -> str:
        """A quoted sentence as the answer reads it; a lead-in with its list's items enumerated."""
        if quote.code:
            return code_line(span_text(chunk.text, span))
        lead = display_sentence(span_text(chunk.text, span))
        items = quote.lists.get(span)
        if not items:
            return self.label(chunk) + lead
        text = self.corpus.modules[chunk.module_id].text
        lead = display_sentence(text[slice(*items.lead)]) if items.lead else lead
        listed = "; ".join(f"({n}) {display_sentence(text[a:b]).rstrip('.')}" for n, (a, b) in enumerate(items.spans, 1))
        return f"{lead.rstrip('.:')}: {listed}{'.' if items.complete else '; …'}"

    def label(self, chunk: Chunk) -> str:
        term = self.terms.get(chunk.doc_id) if chunk.kind == "glossary" else None
        return entry_label(chunk, tuple(term.aliases) if term else ())

    def suggestions(self, ranking: Ranking) -> list[Location]:
        """The nearest distinct sections: several chunks of one section are one suggestion."""
        places: dict[tuple, Location] = {}
        for c in ranking.results:
            place = locate(self.index.chunks[c.row], self.corpus)
            places.setdefault((place.kind, place.module_id, place.source_id, place.title, place.anchor), place)
        return list(places.values())[:SUGGESTIONS]

    def citation(self, chunk: Chunk, quote: Quote) -> Citation:
        base = chunk.start or 0
        spans = [[base + a, base + b] for a, b in quote.spans] if chunk.kind == "module" else []
        texts = [chunk.text[a:b] for a, b in quote.spans]
        shown = [span_text(chunk.text, sp) for sp in quote.spans]  # a table row with its header
        if quote.lists:  # the items sit after their lead-in in the module, possibly past the chunk's end
            listed = [[a, b] for items in quote.lists.values() for a, b in [*items.spans, *filter(None, [items.lead])]]
            spans = merged(spans + listed)
            module = self.corpus.modules[chunk.module_id].text
            texts = shown = [module[a:b] for a, b in spans]
        return Citation(marker=quote.marker, **locate(chunk, self.corpus).model_dump(), quote=QUOTE_JOIN.join(texts),
                        quote_text=QUOTE_JOIN.join(code_line(t) if quote.code else display_sentence(t) for t in shown),
                        start=spans[0][0] if spans else None, end=spans[-1][1] if spans else None, spans=spans,
                        chunk_id=chunk.id)

    def sources_for(self, quotes: list[Quote], ranking: Ranking) -> list[Source]:
        ids: list[str] = []
        for q in quotes:
            chunk = self.index.chunks[q.row]
            ids += [chunk.source_id] if chunk.kind == "source" else CITATION_RE.findall(chunk.text)
        lead = [self.index.chunks[c.row] for c in ranking.results[:SOURCE_PASSAGES]]
        ids += [chunk.source_id for chunk in lead if chunk.kind == "source"]
        return [self.corpus.sources[i] for i in dict.fromkeys(ids) if i in self.corpus.sources]
