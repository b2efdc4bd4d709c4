"""Document-level evidence over a loaded build. The legs score chunks, but a question's words and
meaning are often spread over a document rather than packed into one chunk. Per module (sources
and glossary entries are single chunks: their document is the chunk the legs already score):
- its whole text under BM25;
- its best chunk cosine with the question;
- the mean cosine of its best two sentences (one sentence can match by accident; two rarely do);
- the cosine with its centroid, the normalised mean of its chunk vectors.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Protocol

import numpy as np

from ..build.lexical import LexicalIndex
from ..tokenize import stem_query, stem_tokens

TOP_SENTENCES = 2  # sections dev: the best two sentences' mean beat the best one (0.8191 vs 0.8171)


class IndexView(Protocol):
    """What document evidence reads from a loaded build (tests pass a hand-built namespace)."""

    chunks: list
    lexical: LexicalIndex
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    sent_rows: list[int]


class DocumentEvidence:
    def __init__(self, index: IndexView, k1: float, b: float, stem: bool) -> None:
        self.index = index
        self.module_of = np.full(len(index.chunks), -1, dtype=np.int64)  # -1: not a module passage
        position: dict[str, int] = {}
        for row, chunk in enumerate(index.chunks):
            if chunk.kind == "module":
                self.module_of[row] = position.setdefault(chunk.doc_id, len(position))
        self.module_rows = np.flatnonzero(self.module_of >= 0)
        self.count = len(position)
        tokens: list[list[str]] = [[] for _ in position]
        for row in self.module_rows:
            tokens[self.module_of[row]] += stem_tokens(index.lexical.tokens[row]) if stem else index.lexical.tokens[row]
        self.stemmed = stem
        # Modules only: a few hundred short sources would otherwise set the idf and average length.
        self.bm25 = LexicalIndex(tokens or [[]], k1, b)

    def lexical(self, tokens: list[str]) -> np.ndarray:
        """Each module's BM25 score for the question's (surface) tokens."""
        return self.bm25.scores(stem_query(tokens) if self.stemmed else tokens)

    def best_chunk(self, qvec: np.ndarray) -> np.ndarray:
        """Each module's best chunk cosine (-1 for a module without chunks)."""
        # every chunk's cosine, then the modules': cheaper than copying the module rows' vectors
        return self.per_module_max(self.index.chunk_vectors @ qvec)

    def per_module_max(self, per_row: np.ndarray) -> np.ndarray:
        """Each module's highest value of a per-chunk score (-1 for a module without chunks)."""
        best = np.full(max(self.count, 1), -1.0, dtype=np.float32)
        np.maximum.at(best, self.module_of[self.module_rows], per_row[self.module_rows])
        return best

    def top_sentences(self, qvec: np.ndarray, modules: Iterable[int]) -> dict[int, float]:
        """The mean cosine of each given module's best two sentences (its best chunk cosine when
        it has no sentences)."""
        out, fallback = {}, None
        for m in set(modules):
            rows = self._sentences[m]
            if len(rows) == 0:
                fallback = self.best_chunk(qvec) if fallback is None else fallback
                out[m] = float(fallback[m])
                continue
            sims = self.index.sentence_vectors[rows] @ qvec
            out[m] = float(np.sort(sims)[-TOP_SENTENCES:].mean())
        return out

    def centroid(self, qvec: np.ndarray) -> np.ndarray:
        """Each module's cosine with the normalised mean of its chunk vectors."""
        return self._centroids @ qvec

    @cached_property
    def chunk_rows(self) -> list[np.ndarray]:
        """Each module's chunk rows."""
        per_module: list[list[int]] = [[] for _ in range(self.count)]
        for row in self.module_rows:
            per_module[self.module_of[row]].append(int(row))
        return [np.asarray(rows, dtype=np.int64) for rows in per_module]

    @cached_property
    def _sentences(self) -> list[np.ndarray]:
        sent_rows, chunks = self.index.sent_rows, self.index.chunks
        return [np.asarray([s for r in rows for s in range(sent_rows[r], sent_rows[r] + len(chunks[r].sentences))],
                           dtype=np.int64) for rows in self.chunk_rows]

    @cached_property
    def _centroids(self) -> np.ndarray:
        dim = self.index.chunk_vectors.shape[1]
        sums = np.zeros((max(self.count, 1), dim), dtype=np.float32)
        np.add.at(sums, self.module_of[self.module_rows], self.index.chunk_vectors[self.module_rows])
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return sums / np.where(norms > 0, norms, 1.0)
