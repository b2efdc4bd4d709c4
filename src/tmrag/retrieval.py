"""Hybrid retrieval over a loaded build: dense (FAISS) and lexical (BM25) legs, fused by
reciprocal rank fusion or a normalized convex combination."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from .analysis import AnalyzedQuery
from .chunking import Chunk
from .config import Settings
from .errors import IndexCorruptError
from .index.dense import DenseIndex
from .index.lexical import LexicalIndex


@dataclass
class LoadedIndex:
    path: Path
    manifest: dict
    chunks: list[Chunk]
    sent_rows: list[int]
    dense: DenseIndex
    lexical: LexicalIndex
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    categories: np.ndarray  # per chunk, "" for sources/glossary

    @classmethod
    def load(cls, path: Path, manifest: dict, settings: Settings) -> LoadedIndex:
        records = [json.loads(line) for line in (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        chunks = [Chunk.from_dict({k: v for k, v in r.items() if k != "sent_row"}) for r in records]
        dense = DenseIndex.load(path / "dense.faiss")
        if dense.ntotal != len(chunks):
            raise IndexCorruptError(f"dense index has {dense.ntotal} vectors for {len(chunks)} chunks: run `tmrag index --full`")
        flat = faiss.downcast_index(dense.index.index)
        vectors = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d).copy()
        tokens = json.loads((path / "bm25.json").read_text())["tokens"]
        sentences = np.load(path / "sentences.npy", allow_pickle=False)
        cats = np.array([c.category or "" for c in chunks], dtype=object)
        return cls(path, manifest, chunks, [r["sent_row"] for r in records], dense,
                   LexicalIndex(tokens, settings.bm25_k1, settings.bm25_b), vectors, sentences, cats)

    def sentence_vectors_of(self, i: int) -> np.ndarray:
        start = self.sent_rows[i]
        return self.sentence_vectors[start : start + len(self.chunks[i].sentences)]

    def mask(self, categories: list[str] | None) -> np.ndarray | None:
        if not categories:
            return None
        return np.isin(self.categories, list(categories))


@dataclass
class Candidate:
    row: int
    score: float  # fused (later: reranked) score
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float = 0.0
    lexical_score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


def rrf(dense: list[tuple[int, float]], lexical: list[tuple[int, float]], k: int) -> dict[int, float]:
    scores: dict[int, float] = {}
    for hits in (dense, lexical):
        for rank, (row, _) in enumerate(hits, 1):
            scores[row] = scores.get(row, 0.0) + 1.0 / (k + rank)
    return scores


def convex(dense: list[tuple[int, float]], lexical: list[tuple[int, float]], alpha: float) -> dict[int, float]:
    def norm(hits: list[tuple[int, float]]) -> dict[int, float]:
        if not hits:
            return {}
        vals = np.array([s for _, s in hits])
        lo, hi = float(vals.min()), float(vals.max())
        return {r: (s - lo) / (hi - lo) if hi > lo else 1.0 for r, s in hits}

    d, lex = norm(dense), norm(lexical)
    return {r: alpha * d.get(r, 0.0) + (1 - alpha) * lex.get(r, 0.0) for r in set(d) | set(lex)}


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
