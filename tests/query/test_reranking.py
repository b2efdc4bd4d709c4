"""The module-bm25 reranker on a hand-built index: module evidence reorders module passages,
sources keep their fused slots, and weight 0 is fused order."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from tmrag.query.analysis import AnalyzedQuery
from tmrag.query.reranking import DocumentLexicalReranker
from tmrag.query.retrieval import Candidate


def _index() -> SimpleNamespace:
    chunks = [
        ("module", "kv-cache", ["cache", "memory"]),  # row 0
        ("module", "kv-cache", ["decode", "bandwidth", "head", "shrink"]),  # row 1: the rest of the question lives here
        ("module", "sampling", ["cache", "temperature"]),  # row 2
        ("source", "shazeer-2019", ["cache", "head", "shrink"]),  # row 3
        ("module", "sampling", ["top-p", "nucleus"]),  # row 4
        # Unrelated modules, so that BM25's idf of the question words is positive.
        *[("module", f"other-{i}", ["optimizer", "warmup", f"word{i}"]) for i in range(4)],
    ]
    return SimpleNamespace(chunks=[SimpleNamespace(kind=k, doc_id=d) for k, d, _ in chunks],
                           lexical=SimpleNamespace(tokens=[t for _, _, t in chunks]))


def _query() -> AnalyzedQuery:
    return AnalyzedQuery("how do shared heads shrink the cache", ["shared", "head", "shrink", "cache"])


def _fused(rows_scores: list[tuple[int, float]]) -> list[Candidate]:
    return [Candidate(row, score) for row, score in rows_scores]


def test_module_evidence_lifts_a_passage_over_a_slightly_better_fused_one() -> None:
    reranker = DocumentLexicalReranker(_index(), weight=0.3, k1=1.5, b=0.75)
    out = reranker.rerank(_query(), np.zeros(4), _fused([(2, 0.033), (0, 0.032), (4, 0.020)]))
    assert [c.row for c in out] == [0, 2, 4]
    assert out[0].features["module"] == 1.0 and out[1].features["module"] < 1.0


def test_sources_keep_their_fused_slots() -> None:
    reranker = DocumentLexicalReranker(_index(), weight=0.3, k1=1.5, b=0.75)
    out = reranker.rerank(_query(), np.zeros(4), _fused([(2, 0.033), (3, 0.0325), (0, 0.032), (4, 0.02)]))
    assert [c.row for c in out] == [0, 3, 2, 4]
    assert out[1].score == out[0].score and out[1].features["fused"] == 0.0325 / 0.033  # scores never increase


def test_weight_zero_is_fused_order() -> None:
    reranker = DocumentLexicalReranker(_index(), weight=0.0, k1=1.5, b=0.75)
    fused = _fused([(2, 0.033), (3, 0.0325), (0, 0.032), (1, 0.031), (4, 0.02)])
    assert [c.row for c in reranker.rerank(_query(), np.zeros(4), fused)] == [2, 3, 0, 1, 4]
    assert reranker.rerank(_query(), np.zeros(4), []) == []
