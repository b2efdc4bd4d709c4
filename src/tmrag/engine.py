"""The one orchestration path used by the CLI, the HTTP service and the eval:

question → rank (query/) → abstain or quote (answer/) → a typed Answer.

Answers are extractive by default: sentences quoted from the top passages, each ending with
the marker of the passage it came from, so every claim is a verifiable span of its source.
The Engine only wires the stages together; each stage is its own component.
"""

from __future__ import annotations

import time

import numpy as np

from .answer.abstention import should_abstain
from .answer.code_quoting import Signatures
from .answer.composing import Composer
from .answer.condensing import Condenser
from .answer.evidence import MAX_SIDES, SIDE_RESULTS, Evidence
from .answer.llm import GeneratedAnswerer
from .answer.numeric import new_case
from .answer.quotes import Quote
from .answer.quoting import QuoteSelector
from .answer.text import display_sentence
from .answer.types import Answer
from .build.embedding import Embedder
from .build.manifest import ensure_fresh, expected_manifest
from .build.protocol import TextEmbedder
from .build.snapshot import CorpusStatus, open_serving
from .build.store import IndexStore
from .config import Settings
from .corpus.model import Corpus
from .names import RerankerName, RetrievalMode
from .query.analysis import CONTEXT_OPEN, QueryAnalyzer, name_like_words, validate_question
from .query.followup import Resolution, Turn, fragment, item_resolution, resolve
from .query.intent import classify, part_queries
from .query.loaded_index import LoadedIndex
from .query.ordinals import nth, ordinal, sibling_sections
from .query.ranking import Ranker, Ranking
from .query.reranking import Reranker
from .query.results import IndexInfo, SearchHit, SearchResults, index_info, locate, round_timings

FULL_PARTIAL_PARTS = 3  # a partial answer to a question of this many parts keeps every part's quotes
WARM_UP_QUERY = "warm up"  # any text: the first encode loads the runtime and weights
ORDINAL_PASSAGES = 3  # where "the second one" may point: the list sits near, not always in, the best passage
FOLLOWUP_WEIGHT = 0.5  # the follow-up's own words in choosing quotes; dev sweep 0.3/0.5/0.7, 0.5 best
# The previous question's vector beside the follow-up's when it is searched in context (dev sweep
# 0.5 / 1.0 / 1.5: in-context must-contain 0.751 / 0.754 / 0.743, cites 0.937 / 0.977 / 0.977;
# embedding the follow-up with its context instead: 0.746 / 0.977).
CONTEXT_VECTOR_WEIGHT = 1.0


class Engine:
    """Everything loaded once: corpus, embedder, index, and the stages built on them."""

    def __init__(self, settings: Settings, corpus: Corpus, embedder: TextEmbedder, index: LoadedIndex,
                 corpus_status: CorpusStatus | None = None) -> None:
        self.settings, self.corpus, self.embedder, self.index = settings, corpus, embedder, index
        self.corpus_status = corpus_status or CorpusStatus(ok=True)
        self.ranker = Ranker(settings, corpus, embedder, index)
        self.quoter = QuoteSelector(settings, corpus, index, self.ranker.analyzer)
        self.signatures = Signatures(index)
        self.evidence = Evidence(self.ranker, self.quoter, index)
        self.composer = Composer(settings, corpus, index, self.ranker)
        self.generator = GeneratedAnswerer(settings, index, self.quoter, self.composer, self.ranker.embed_query,
                                           sides=self.evidence.side_rankings, lookup=self.evidence.passages_for)
        self.condenser = Condenser(settings)

    @classmethod
    def open(cls, settings: Settings, embedder: TextEmbedder | None = None) -> Engine:
        """The current build, with the live corpus; when the live corpus is broken, with the build's
        own copy of the corpus it was built from (``corpus_status`` says which, and why)."""
        serving = open_serving(settings, IndexStore(settings.index_dir, keep=settings.keep_builds))
        embedder = embedder or Embedder(settings)
        ensure_fresh(serving.manifest, expected_manifest(settings, serving.corpus, embedder))
        engine = cls(settings, serving.corpus, embedder, LoadedIndex.load(serving.path, serving.manifest, settings),
                     serving.status)
        engine.embed_query(WARM_UP_QUERY)  # load the runtime + weights now, not on the first request
        return engine

    @property
    def index_info(self) -> IndexInfo:
        return index_info(self.index.manifest)

    @property
    def analyzer(self) -> QueryAnalyzer:
        return self.ranker.analyzer

    @property
    def last_generation_error(self) -> str | None:
        return self.generator.last_error or self.condenser.last_error

    def embed_query(self, text: str) -> np.ndarray:
        return self.ranker.embed_query(text)

    def reranker(self, name: RerankerName | None) -> Reranker:
        return self.ranker.reranker(name)

    def rank(self, question: str, categories: list[str] | None = None, k: int = 10, mode: RetrievalMode = "hybrid",
             reranker: RerankerName | None = None, diversity: bool = True) -> Ranking:
        return self.ranker.rank(question, categories, k, mode, reranker, diversity)

    def quotes(self, ranking: Ranking) -> list[Quote]:
        return self.evidence.quotes(ranking)

    def should_abstain(self, ranking: Ranking, parts: bool = True) -> bool:
        """A question in parts whose whole embeds far from everything is still answered when every
        part, retrieved on its own, has evidence ("(a) why isn't a good FID enough …? (b) what
        besides the 4-bit weights …"): each is answered in a module of its own. ``parts=False``
        judges the question as a whole only."""
        if not self.abstains_alone(ranking):
            return False
        intent = ranking.intent
        if not parts or intent.kind != "multi_part" or not 1 < len(intent.parts) <= MAX_SIDES or not ranking.results:
            return True
        queries = part_queries(intent.parts, intent.numeric)
        return any(self.abstains_alone(self.rank(q, ranking.categories, k=SIDE_RESULTS)) for q in queries)

    def abstains_alone(self, ranking: Ranking) -> bool:
        """The abstention rules on this one ranking, given its top passage."""
        chunk = self.index.chunks[ranking.results[0].row] if ranking.results else None
        top = chunk.text if chunk else ""
        sentences = [top[a:b] for a, b in chunk.sentences] if chunk else []
        return should_abstain(ranking, self.settings, self.quoter.defined_row(ranking), self.quoter.named_row(ranking),
                              top, sentences, self.quoter.named_list_row(ranking))

    def search(self, query: str, k: int = 10, categories: list[str] | None = None, mode: RetrievalMode = "hybrid",
               reranker: RerankerName | None = None) -> SearchResults:
        t0 = time.perf_counter()
        validate_question(query, categories, what="query", allowed=self.corpus.categories)
        ranking = self.rank(query, categories, k, mode, reranker)
        hits = [SearchHit(**locate(self.index.chunks[c.row], self.corpus).model_dump(),
                          text=self.index.chunks[c.row].text, score=round(float(c.score), 6)) for c in ranking.results]
        ranking.timings["total"] = (time.perf_counter() - t0) * 1000
        return SearchResults(results=hits, timings_ms=round_timings(ranking.timings), index=self.index_info)

    def ask(self, question: str, categories: list[str] | None = None, k: int = 10, mode: RetrievalMode = "hybrid",
            reranker: RerankerName | None = None, history: list[Turn] | None = None) -> Answer:
        """Answers ``question``; with ``history`` (oldest turn first), a follow-up that leans on
        the conversation is first rewritten to stand alone (``resolved_question``)."""
        t0 = time.perf_counter()
        validate_question(question, categories, allowed=self.corpus.categories)
        cased = self.ranker.truecase(question)
        resolution = self.resolve(cased, history) if history else None
        resolved = resolution.question if resolution else cased
        in_context = resolution is not None and resolution.kind == "context"
        qvec = self.context_vector(cased, resolved) if in_context else None
        ranking = self.ranker.rank(resolved, categories, k, mode, reranker, qvec=qvec)
        if in_context:
            blend = (1 - FOLLOWUP_WEIGHT) * ranking.qvec + FOLLOWUP_WEIGHT * self.embed_query(cased)
            ranking.qvec = blend / np.linalg.norm(blend)
        if resolution is not None and resolution.depends:
            ranking.new_values = new_case(cased, history[-1].question)
        if resolution is not None and resolution.item:
            ranking.said, ranking.item = history[-1].answer, resolution.item  # not the list again: the item
        if CONTEXT_OPEN in resolved:
            self.judge_by_asked(ranking, resolved.split(CONTEXT_OPEN)[0])
        elif in_context:  # the previous question extended by a fragment
            self.judge_by_asked(ranking, cased, names_only=True)
        result = self.answer(ranking, t0)
        result.resolved_question = question if resolved == cased else resolved
        return result

    def context_vector(self, cased: str, resolved: str) -> np.ndarray | None:
        """A follow-up asked with the previous question as context searches by its own vector plus
        the previous question's, which the previous turn already embedded (a cache hit on the server
        that answered it): one new embedding, not one of the follow-up with its context and another
        of the follow-up alone. None for any other question."""
        if CONTEXT_OPEN not in resolved:
            return None
        context = resolved.split(CONTEXT_OPEN, 1)[1].removesuffix(")")
        mixed = self.embed_query(cased) + CONTEXT_VECTOR_WEIGHT * self.embed_query(context)
        norm = float(np.linalg.norm(mixed))
        return mixed / norm if norm > 0 else None  # opposite or empty vectors: embed the text instead

    def judge_by_asked(self, ranking: Ranking, asked: str, names_only: bool = False) -> None:
        """A follow-up asked with the previous question as context: retrieval needs the previous
        subject, but what is asked (a part, side, focus or name) is the follow-up's own. The
        previous question's names were weighed when it was answered; only the follow-up's own can
        make this one a question about something the notes lack."""
        own = set(name_like_words(asked))
        ranking.unknown_names = [n for n in ranking.unknown_names if n in own]
        ranking.unmentioned_names = [n for n in ranking.unmentioned_names if n in own]
        if names_only:
            return
        ranking.query.names = [n for n in ranking.query.names if n in own]
        # "Cost?", "runaway loop cost?": a bare noun phrase asks what that thing is, here. One that
        # names something ("EAGLE speedup?") is left to the checks of a named thing.
        asking = f"What is the {asked.strip()}" if fragment(asked) and not own else asked
        ranking.intent = classify(asking, ranking.query.names, ranking.query.defines is not None)

    def resolve(self, question: str, history: list[Turn]) -> Resolution:
        """Offline, or by the LLM when one is configured (the offline rewrite is its fallback).
        ``question`` comes truecased from :meth:`ask`; the history's questions are truecased here."""
        history = [Turn(self.ranker.truecase(t.question), t.answer) for t in history]
        offline = resolve(question, history, len(self.analyzer.analyze(question).terms),
                          self.mentioned_terms(history[-1].question))
        if offline.kind == "context" and (n := ordinal(question)) is not None:
            offline = self.resolve_ordinal(question, history[-1], n) or offline
        if not self.settings.llm_enabled:
            return offline
        condensed = self.condenser.condense(question, history)
        if condensed is None:
            return offline
        return Resolution(condensed, condensed != question, "rewrite" if condensed != question else "")

    def resolve_ordinal(self, question: str, previous: Turn, n: int) -> Resolution | None:
        """"How does the last one work?" after an answer that listed nothing: the n-th item of a
        list in the previous question's top passages, else of the parallel sections around its
        best passage, if it sits in one."""
        rows = [c.row for c in self.rank(previous.question, k=ORDINAL_PASSAGES).results]
        # A list the previous question's passages hold, by rank: one handed over by a lead-in
        # first, then one its paragraph only counts ("…for three reasons." then "1. …").
        found = [(row, spans) for find in (self.quoter.list_spans, self.quoter.items_in) for row in rows
                 if (spans := find(row))]
        for row, spans in found:
            text = self.corpus.modules[self.index.chunks[row].module_id].text
            item = nth([display_sentence(text[a:b]).rstrip(".") for a, b in spans], n)
            if item:
                return item_resolution(question, item, previous.question)
        chunks = [c for c in (self.index.chunks[row] for row in rows) if c.kind == "module" and c.start is not None]
        if not chunks:
            return None
        module = self.corpus.modules[chunks[0].module_id]
        item = nth(sibling_sections(module.text, chunks[0].start, module.sections), n)
        return item_resolution(question, item, previous.question) if item else None

    def mentioned_terms(self, text: str) -> list[str]:
        """The glossary terms ``text`` mentions, as written there."""
        found = (self.analyzer.name_pattern(t).search(text) for t in self.analyzer.analyze(text).terms)
        return [m.group(0) for m in found if m]

    def answer(self, ranking: Ranking, t0: float | None = None, llm: bool = True) -> Answer:
        """Generates when an endpoint is configured, unless ``llm=False`` asks for the extractive answer."""
        t0 = t0 if t0 is not None else time.perf_counter() - ranking.timings.get("retrieve_total", 0) / 1000
        t = time.perf_counter()
        abstained = self.should_abstain(ranking)
        result = None
        if not abstained and llm and self.settings.llm_enabled:
            result = self.generator.answer(ranking)
        if result is None:
            quotes = [] if abstained else self.signatures.lead(ranking, self.quotes(ranking))
            # a question of three parts or more keeps each part's evidence when one of them is missing:
            # the others are still answered. With two parts, the part said is more often the related
            # text around the one asked (dev, blind: 5 better, 1 worse with three parts; 8 better, 23
            # worse with two)
            sided = FULL_PARTIAL_PARTS <= len(ranking.intent.parts) <= MAX_SIDES

            def nearest() -> list[Quote]:
                return self.signatures.lead(ranking, self.quoter.select(ranking, numbers_first=False))
            result = self.composer.compose(ranking, quotes, abstained or not quotes, context=None if sided else nearest)
        ranking.timings["answer"] = (time.perf_counter() - t) * 1000
        ranking.timings["total"] = (time.perf_counter() - t0) * 1000
        result.timings_ms = round_timings(ranking.timings)
        return result
