"""The module-bm25 reranker on a hand-built index: module evidence reorders module passages,
sources keep their fused slots, and weight 0 is fused order. The cross-encoder code path runs
(slow) with a tiny randomly initialised model built here, on the real index."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tmrag.build.embedding import default_model_path
from tmrag.errors import ModelError
from tmrag.query.analysis import AnalyzedQuery
from tmrag.query.reranking import CrossEncoderReranker, DocumentLexicalReranker
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
    lexical = SimpleNamespace(tokens=[t for _, _, t in chunks])
    return SimpleNamespace(chunks=[SimpleNamespace(kind=k, doc_id=d) for k, d, _ in chunks],
                           lexical=lexical, bm25=lexical)  # bm25 is lexical when stemming is off


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


def test_module_dense_evidence_is_the_best_chunk_cosine_of_the_module() -> None:
    index = _index()
    # Row 1 (kv-cache) points along the question; sampling's chunks (rows 2, 4) are orthogonal to it.
    index.chunk_vectors = np.zeros((len(index.chunks), 4), dtype=np.float32)
    index.chunk_vectors[1, 0], index.chunk_vectors[2, 1], index.chunk_vectors[4, 2] = 1.0, 1.0, 1.0
    qvec = np.array([1.0, 0, 0, 0], dtype=np.float32)
    reranker = DocumentLexicalReranker(index, weight=0.0, k1=1.5, b=0.75, dense_weight=0.5)
    out = reranker.rerank(_query(), qvec, _fused([(2, 0.033), (0, 0.030)]))
    assert [c.row for c in out] == [0, 2]  # row 0 itself is orthogonal: its module's best chunk lifts it
    assert out[0].features["module_dense"] == 1.0 and out[1].features["module_dense"] == 0.0


def _tiny_cross_encoder(path: Path) -> Path:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    tokenizer = BertTokenizerFast(vocab_file=str(default_model_path() / "vocab.txt"))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, num_labels=1)
    import torch

    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.mark.slow
def test_cross_encoder_loads_and_scores(real_settings, real_engine, tmp_path: Path) -> None:  # noqa: ANN001
    model_dir = _tiny_cross_encoder(tmp_path / "ce")
    reranker = CrossEncoderReranker(real_engine.index, str(model_dir))
    ranking = real_engine.rank("what does the KV cache store?", k=10, reranker="none")
    head = ranking.candidates[:8]
    out = reranker.rerank(ranking.query, ranking.qvec, head)
    assert sorted(c.row for c in out) == sorted(c.row for c in head)
    scores = [c.score for c in out]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores)
    raw = reranker.model.predict([(ranking.query.text, real_engine.index.chunks[c.row].embed_text) for c in head])
    assert out[0].row == head[int(np.argmax(raw))].row
    again = reranker.rerank(ranking.query, ranking.qvec, head)
    assert [c.row for c in again] == [c.row for c in out]  # deterministic


@pytest.mark.slow
def test_missing_cross_encoder_is_a_clear_error(real_engine) -> None:  # noqa: ANN001
    with pytest.raises(ModelError, match="cannot load cross-encoder"):
        CrossEncoderReranker(real_engine.index, "/nonexistent/cross-encoder")
