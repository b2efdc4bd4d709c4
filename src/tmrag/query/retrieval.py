"""Hybrid retrieval over a loaded build: dense (FAISS) and lexical (BM25) legs, fused by
reciprocal rank fusion or a normalized convex combination."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..config import Settings
from .analysis import AnalyzedQuery
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
    def __init__(self, index: LoadedIndex, settings: Settings) -> None:
        self.index = index
        self.settings = settings

    def retrieve(
        self, query: AnalyzedQuery, qvec: np.ndarray, categories: list[str] | None, mode: str, timings: dict[str, float]
    ) -> list[Candidate]:
        """mode: "hybrid" (configured fusion), "dense", "lexical", "rrf" or "convex"."""
        n, mask = self.settings.retrieve_top_n, self.index.mask(categories)
        t = time.perf_counter()
        dense = self.index.dense.search(qvec, n, mask) if mode != "lexical" else []
        timings["dense"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        lexical = self.index.lexical.search(query.lexical_tokens, n, mask) if mode != "dense" else []
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
