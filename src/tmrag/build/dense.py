"""Dense leg: exact inner-product search over normalized vectors (cosine similarity).

IndexFlatIP is exact and, at this corpus size (~10^3–10^4 vectors × 384 dims), a query
costs well under a millisecond. Past ~10^6 vectors (or when a query exceeds ~10 ms) an
HNSW graph (IndexHNSWFlat) becomes worth its build time and memory; IVF needs ≥ ~10^5
vectors to train good centroids. Neither pays off below ~10^5."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        dim = vectors.shape[1]
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.arange(len(vectors), dtype=np.int64))
        return cls(index)

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def vector(self, row: int) -> np.ndarray:
        return self.index.reconstruct(int(row))

    def ranked(self, query: np.ndarray, n: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows and scores of the ``n`` nearest vectors, best first (as arrays)."""
        params = None
        if mask is not None:
            # Restrict to allowed ids; FAISS applies the selector during the exact scan.
            allowed = np.flatnonzero(mask).astype(np.int64)
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), n, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def search(self, query: np.ndarray, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        ids, scores = self.ranked(query, n, mask)
        return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]
