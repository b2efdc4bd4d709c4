"""Hybrid retrieval over a loaded build: dense (FAISS) and lexical (BM25) legs, fused by
reciprocal rank fusion or a normalized convex combination."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..build.lexical import rank_scores
from ..config import Settings
from ..tokenize import stem_query
from .analysis import AnalyzedQuery
from .documents import DocumentEvidence
from .fusion import convex, rrf
from .loaded_index import LoadedIndex


@dataclass
class Candidate:
    row: int
    score: float  # fused (later: reranked) score
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float = 0.0
    lexical_score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


class Retriever:
    def __init__(self, index: LoadedIndex, settings: Settings, documents: DocumentEvidence | None = None) -> None:
        self.index = index
        self.settings = settings
        self.documents = documents

    def retrieve(
        self, query: AnalyzedQuery, qvec: np.ndarray, categories: list[str] | None, mode: str, timings: dict[str, float]
    ) -> list[Candidate]:
        """mode: "hybrid" (configured fusion), "dense", "lexical", "rrf" or "convex"."""
        mask = self.index.mask(categories)
        t = time.perf_counter()
        dense = self.dense_leg(qvec, mask) if mode != "lexical" else []
        timings["dense"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        lexical = self.lexical_leg(query.lexical_tokens, mask) if mode != "dense" else []
        timings["lexical"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        fusion = self.settings.fusion if mode == "hybrid" else mode
        if fusion == "convex":
            fused = convex(dense, lexical, self.settings.convex_alpha)
        else:
            fused = rrf(dense, lexical, self.settings.rrf_k)
        d_rank = {r: i for i, (r, _) in enumerate(dense, 1)}
        l_rank = {r: i for i, (r, _) in enumerate(lexical, 1)}
        d_score, l_score = dict(dense), dict(lexical)
        out = [
            Candidate(r, s, d_rank.get(r), l_rank.get(r), d_score.get(r, 0.0), l_score.get(r, 0.0))
            for r, s in fused.items()
        ]
        out.sort(key=lambda c: (-c.score, c.row))
        timings["fuse"] = (time.perf_counter() - t) * 1000
        return out

    def lexical_leg(self, tokens: list[str], mask: np.ndarray | None) -> list[tuple[int, float]]:
        """BM25 over stems, plus ``bm25_surface_weight`` x BM25 over the surface forms: a word the
        question uses as written counts beyond its morphological relatives."""
        surface, stemmed = self.index.lexical, self.index.bm25
        scores = stemmed.scores(stem_query(tokens) if stemmed is not surface else tokens)
        if self.settings.bm25_surface_weight and stemmed is not surface:
            scores = scores + self.settings.bm25_surface_weight * surface.scores(tokens)
        if self.settings.lexical_document_weight and self.documents is not None:
            scores = self.with_documents(scores, tokens)
        return self.deepen(*rank_scores(scores, mask))

    def with_documents(self, scores: np.ndarray, tokens: list[str]) -> np.ndarray:
        """Chunk BM25 + weight x its module's BM25, each max-normalised; only a chunk that shares a
        word with the question is lexical evidence, so the rest stay at 0."""
        docs = self.documents
        modules = docs.lexical(tokens)
        module_share = np.zeros(len(scores), dtype=np.float32)
        module_share[docs.module_rows] = modules[docs.module_of[docs.module_rows]] / (float(modules.max(initial=0.0)) or 1.0)
        top = float(scores.max(initial=0.0)) or 1.0
        return np.where(scores > 0, scores / top + self.settings.lexical_document_weight * module_share, 0.0)

    def dense_leg(self, qvec: np.ndarray, mask: np.ndarray | None) -> list[tuple[int, float]]:
        if self.settings.dense_unit == "sentence":
            scores = self.index.best_sentences(qvec)
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            rows = np.argsort(-scores, kind="stable")
            rows = rows[np.isfinite(scores[rows])]
            return self.deepen(rows, scores[rows])
        # An exact flat index scores every vector anyway; asking for all only sorts more of them.
        return self.deepen(*self.index.dense.ranked(qvec, len(self.index.chunks), mask))

    def deepen(self, rows: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
        """The first ``retrieve_top_n`` hits, then more until they cover ``retrieve_min_docs``
        distinct documents (or the hits run out)."""
        end = min(self.settings.retrieve_top_n, len(rows))
        want = self.settings.retrieve_min_docs
        if want:
            _, first = np.unique(self.index.doc_of[rows], return_index=True)  # where each document first appears
            end = max(end, int(np.sort(first)[want - 1]) + 1) if len(first) >= want else len(rows)
        return [(int(r), float(s)) for r, s in zip(rows[:end], scores[:end], strict=True)]
