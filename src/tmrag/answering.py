"""The one orchestration path used by the CLI, the HTTP service and the eval:

question → analyze → embed → dense + lexical → fuse → rerank → diversify → answer + citations.

Answers are extractive by default: sentences quoted from the top passages, each ending with
the marker of the passage it came from, so every claim is a verifiable span of its source.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .analysis import AnalyzedQuery, QueryAnalyzer, name_head, validate_question
from .answer_text import display_sentence
from .chunking import Chunk
from .config import WIKI_URL, Settings
from .corpus import Corpus, load_corpus
from .embedding import Embedder
from .index.lexical import tokenize
from .index.store import IndexStore, ensure_fresh
from .indexer import expected_manifest
from .markdown import CITATION_RE
from .quoting import ANSWER_PASSAGES, Quote, QuoteSelector
from .reranking import Reranker, diversify, make_reranker
from .retrieval import Candidate, LoadedIndex, Retriever

ABSTAIN_ANSWER = "These notes don't cover that question."
# A name in more than 1% of chunks (Claude 4%, API 4%, LLM 6%) is the notes' everyday vocabulary;
# specific ones (Haiku, Medusa, GPT-4o) sit in a handful of chunks.
COMMON_NAME_SHARE = 0.01


@dataclass
class Ranking:
    query: AnalyzedQuery
    qvec: np.ndarray
    candidates: list[Candidate]  # fused and reranked, before diversity
    results: list[Candidate]  # the final top-k
    evidence: float  # best sentence similarity among the top passages, for abstention
    unknown_names: list[str] = field(default_factory=list)  # name-like words the corpus never uses
    unmentioned_names: list[str] = field(default_factory=list)  # specific names the top 3 passages never use
    timings: dict[str, float] = field(default_factory=dict)


def abstains(ranking: Ranking, s: Settings) -> bool:
    """Weak evidence, or middling evidence for a question about something never named in
    the notes (a near-topic question: "how does Mamba compare…") or named in the notes but
    not in the passages the answer would quote ("Claude Haiku's price"). When the dense and the
    lexical leg independently put the top passage in their top 2, evidence above the floor
    is enough: short "which paper introduced X?" questions embed far from their annotation."""
    if not ranking.results or ranking.evidence < s.abstain_floor:
        return True
    if ranking.unknown_names and ranking.evidence < s.abstain_threshold_unknown:
        return True
    if ranking.unmentioned_names and ranking.evidence < s.abstain_threshold_unmentioned:
        return True
    top = ranking.results[0]
    legs_agree = (top.dense_rank or 99) <= 2 and (top.lexical_rank or 99) <= 2
    return ranking.evidence < s.abstain_threshold and not legs_agree


class Engine:
    """Everything loaded once: corpus, embedder, index, analyzer, reranker."""

    def __init__(self, settings: Settings, corpus: Corpus, embedder: Embedder, index: LoadedIndex) -> None:
        self.settings = settings
        self.corpus = corpus
        self.embedder = embedder
        self.index = index
        self.analyzer = QueryAnalyzer(corpus.glossary)
        self.quoter = QuoteSelector(settings, corpus, index, self.analyzer)
        self.retriever = Retriever(index, settings)
        self.rerankers: dict[str, Reranker] = {settings.reranker: make_reranker(settings, index)}
        self._lock = threading.Lock()  # one model instance; PyTorch inference on it is not re-entrant
        self._embed = lru_cache(maxsize=1024)(self._embed_uncached)
        self._llm = None  # LLMClient, created on the first LLM-mode answer
        self.last_generation_error: str | None = None

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> Engine:
        corpus = load_corpus(settings.corpus_dir, strict=True)
        embedder = embedder or Embedder(settings)
        store = IndexStore(settings.index_dir, keep=settings.keep_builds)
        path, manifest = store.open_current()
        ensure_fresh(manifest, expected_manifest(settings, corpus, embedder))
        engine = cls(settings, corpus, embedder, LoadedIndex.load(path, manifest, settings))
        engine.embed_query("warm up")  # load the runtime + weights now, not on the first request
        return engine

    @property
    def index_info(self) -> dict:
        m = self.index.manifest
        return {"build_id": m["build_id"], "fingerprint": m["fingerprint"], "created": m["created"],
                "embedding_model": m["embedding"]["model"], "chunks": m["counts"]["chunks"]}

    def _embed_uncached(self, text: str) -> np.ndarray:
        with self._lock:
            return self.embedder.encode_query(text)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed(text)

    def reranker(self, name: str | None) -> Reranker:
        name = name or self.settings.reranker
        if name not in self.rerankers:
            self.rerankers[name] = make_reranker(self.settings, self.index, name)
        return self.rerankers[name]

    def rank(self, question: str, categories: list[str] | None = None, k: int = 10, mode: str = "hybrid",
             reranker: str | None = None, diversity: bool = True) -> Ranking:
        validate_question(question, categories)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        query = self.analyzer.analyze(question)
        timings["analyze"] = (time.perf_counter() - t0) * 1000
        t = time.perf_counter()
        qvec = self.embed_query(query.text)
        timings["embed"] = (time.perf_counter() - t) * 1000
        candidates = self.retriever.retrieve(query, qvec, categories, mode, timings)
        t = time.perf_counter()
        head = candidates[: self.settings.rerank_top_n]
        reranked = self.reranker(reranker).rerank(query, qvec, head) + candidates[self.settings.rerank_top_n :]
        timings["rerank"] = (time.perf_counter() - t) * 1000
        cap = self.settings.per_module_cap if diversity else 10**6
        results = diversify(reranked, self.index, k, cap)
        evidence = max((float((self.index.sentence_vectors_of(c.row) @ qvec).max(initial=0.0)) for c in results[:3]),
                       default=0.0)
        unknown = [w for w in query.names if not any(t in self.index.lexical.vocab for t in tokenize(w))]
        unmentioned = self.unmentioned(query.names, [c.row for c in results[:3]])
        timings["retrieve_total"] = (time.perf_counter() - t0) * 1000
        return Ranking(query, qvec, reranked, results, evidence, unknown, unmentioned, timings)

    def should_abstain(self, ranking: Ranking) -> bool:
        # A definition question about a glossary term is covered by definition, whatever the
        # sentence similarity of a two-word question ("What does MoE stand for?": 0.39).
        return self.quoter.defined_row(ranking) is None and abstains(ranking, self.settings)

    # ---- search -------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, categories: list[str] | None = None, **kw) -> dict:  # noqa: ANN003
        t0 = time.perf_counter()
        validate_question(query, categories, what="query")
        ranking = self.rank(query, categories, k, **kw)
        results = [self.result_dict(c) for c in ranking.results]
        ranking.timings["total"] = (time.perf_counter() - t0) * 1000
        return {"results": results, "timings_ms": _round(ranking.timings), "index": self.index_info}

    def result_dict(self, cand: Candidate) -> dict:
        chunk = self.index.chunks[cand.row]
        return {**self.location(chunk), "text": chunk.text, "score": round(float(cand.score), 6)}

    def location(self, chunk: Chunk) -> dict:
        url = None
        if chunk.kind == "module":
            url = f"{WIKI_URL}/{chunk.module_id}" + (f"#{chunk.anchor}" if chunk.anchor else "")
        elif chunk.kind == "source":
            url = self.corpus.sources[chunk.source_id].url
        return {"kind": chunk.kind, "module_id": chunk.module_id, "source_id": chunk.source_id,
                "title": chunk.title, "section": chunk.section, "anchor": chunk.anchor, "url": url}

    # ---- ask ----------------------------------------------------------------------------
    def ask(self, question: str, categories: list[str] | None = None, k: int = 10, **kw) -> dict:  # noqa: ANN003
        t0 = time.perf_counter()
        return self.answer(self.rank(question, categories, k, **kw), t0)

    def answer(self, ranking: Ranking, t0: float | None = None, llm: bool = True) -> dict:
        """Generates when an endpoint is configured, unless ``llm=False`` asks for the extractive answer."""
        t0 = t0 if t0 is not None else time.perf_counter() - ranking.timings.get("retrieve_total", 0) / 1000
        t = time.perf_counter()
        abstained = self.should_abstain(ranking)
        response = None
        if not abstained and llm and self.settings.llm_enabled:
            response = self.generated_response(ranking)
        if response is None:
            quotes = [] if abstained else self.quoter.select(ranking)
            response = self.build_response(ranking, quotes, abstained or not quotes)
        ranking.timings["answer"] = (time.perf_counter() - t) * 1000
        ranking.timings["total"] = (time.perf_counter() - t0) * 1000
        response["timings_ms"] = _round(ranking.timings)
        return response

    def generated_response(self, ranking: Ranking) -> dict | None:
        """LLM mode: generate from the top passages, keep only verified sentences. Returns
        None (→ extractive answer) when generation fails or nothing survives verification."""
        from .errors import GenerationError
        from .generation import NOT_COVERED, LLMClient, Passage, build_messages, strip_markers, verify

        if self._llm is None:
            self._llm = LLMClient(self.settings)
        passages = [Passage(i + 1, c.row, self.index.chunks[c.row].breadcrumb, self.index.chunks[c.row].text)
                    for i, c in enumerate(ranking.results[:ANSWER_PASSAGES])]
        try:
            text = self._llm.complete(build_messages(ranking.query.text, passages))
        except GenerationError as exc:
            self.last_generation_error = str(exc)
            return None
        if text.strip() == NOT_COVERED:
            return self.build_response(ranking, [], True) | {"mode": "llm"}
        checked = verify(text, passages, self.index.sentence_vectors_of, self.embed_query)
        report = {"sentences": checked.total, "supported": len(checked.sentences), "dropped": checked.dropped,
                  "support_rate": round(checked.support_rate, 4)}
        if not checked.sentences:
            return None
        rows = {p.marker: p.row for p in passages}
        quotes: dict[int, Quote] = {}
        parts = []
        for sentence, marker, j in checked.sentences:
            q = quotes.setdefault(marker, Quote(rows[marker], [], len(quotes) + 1))
            span = self.index.chunks[q.row].sentences[j]
            if span not in q.spans:
                q.spans.append(span)
            parts.append(f"{strip_markers(sentence)} [{q.marker}]")
        for q in quotes.values():
            q.spans.sort()
        response = self.build_response(ranking, list(quotes.values()), False)
        return response | {"answer": " ".join(parts), "mode": "llm", "verification": report}

    def build_response(self, ranking: Ranking, quotes: list[Quote], abstained: bool) -> dict:
        # Every response has the same keys (web/schemas.py AskResponse), whichever branch made it.
        base = {"abstained": abstained, "mode": "extractive", "evidence": round(ranking.evidence, 4),
                "unknown_terms": ranking.unknown_names, "verification": None, "index": self.index_info}
        if abstained:
            suggestions = self.suggestions(ranking)
            return {"answer": ABSTAIN_ANSWER, "citations": [], "sources": [], "suggestions": suggestions,
                    "unmentioned_terms": [], **base}
        sentences, citations = [], []
        for q in quotes:
            chunk = self.index.chunks[q.row]
            sentences += [f"{display_sentence(chunk.text[a:b])} [{q.marker}]" for a, b in q.reading or q.spans]
            citations.append(self.citation_dict(chunk, q, [chunk.text[a:b] for a, b in q.spans]))
        return {"answer": " ".join(sentences), "citations": citations, "sources": self.sources_for(quotes, ranking),
                "suggestions": [], "unmentioned_terms": self.unmentioned(ranking.query.names, [q.row for q in quotes]),
                **base}

    def suggestions(self, ranking: Ranking, n: int = 3) -> list[dict]:
        """The nearest distinct sections: several chunks of one section are one suggestion."""
        places = {}
        for c in ranking.results:
            place = self.location(self.index.chunks[c.row])
            places.setdefault((place["kind"], place["module_id"], place["source_id"], place["title"], place["anchor"]), place)
        return list(places.values())[:n]

    def unmentioned(self, names: list[str], rows: list[int]) -> list[str]:
        """Specific names in the question that none of these passages mention: an answer from them
        may be about something nearby ("Claude Haiku's price" answered with other models' prices).
        Names the notes use everywhere (Claude, API, LLM) say nothing about a passage: skipped."""
        seen: set[str] = set().union(*(self.index.lexical.tokens[row] for row in rows))
        common = COMMON_NAME_SHARE * len(self.index.chunks)
        out = []
        for name in dict.fromkeys(names):
            tokens = tokenize(name_head(name))
            if not tokens or self.index.lexical.document_frequency(tokens[0]) > common:
                continue
            if not all(t in seen or (t.endswith("s") and t[:-1] in seen) for t in tokens):  # H100s
                out.append(name)
        return out

    def citation_dict(self, chunk: Chunk, quote: Quote, texts: list[str]) -> dict:
        base = chunk.start or 0
        spans = [[base + a, base + b] for a, b in quote.spans] if chunk.kind == "module" else []
        return {"marker": quote.marker, **self.location(chunk), "quote": " … ".join(texts),
                "quote_text": " … ".join(display_sentence(t) for t in texts),
                "start": spans[0][0] if spans else None, "end": spans[-1][1] if spans else None, "spans": spans,
                "chunk_id": chunk.id}

    def sources_for(self, quotes: list[Quote], ranking: Ranking) -> list[dict]:
        ids: list[str] = []
        for q in quotes:
            chunk = self.index.chunks[q.row]
            ids += [chunk.source_id] if chunk.kind == "source" else CITATION_RE.findall(chunk.text)
        ids += [self.index.chunks[c.row].source_id for c in ranking.results[:3] if self.index.chunks[c.row].kind == "source"]
        return [self.corpus.sources[i].to_dict() for i in dict.fromkeys(ids) if i in self.corpus.sources]


def _round(timings: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in timings.items()}
