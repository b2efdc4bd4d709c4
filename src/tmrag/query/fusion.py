"""Fusing the dense and lexical legs: reciprocal rank fusion, or a normalized convex combination."""

from __future__ import annotations

import numpy as np


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

