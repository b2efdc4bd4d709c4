"""Rerankers behind one interface, and module diversity for the final list.

- ``DocumentLexicalReranker`` (offline default): the fused score plus how well the passage's
  whole module matches the question under BM25, and the module's best chunk cosine. A
  question's words are often spread over a module rather than packed into one 160-token chunk;
  neither leg sees that, since both score chunks.
- ``SentenceReranker``: scores each fused candidate by its best-matching
  sentences (contextual sentence vectors computed at index time), the chunk vector, how
  much of the question its heading covers, and glossary terms that point at its module.
- ``CrossEncoderReranker``: a sentence-transformers CrossEncoder, when one is configured.
- ``NoReranker``: fused order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

import numpy as np

from ..config import Settings
from ..errors import ModelError
from ..tokenize import tokenize
from .analysis import AnalyzedQuery
from .documents import DocumentEvidence
from .loaded_index import LoadedIndex
from .retrieval import Candidate

# Feature weights, grid-searched on the golden dev split with bench/tune_dev.py:
# dev MRR@10 0.919 -> 0.938, nDCG@10 0.937 -> 0.949 over fused order. Heading overlap, glossary
# module hints and fused rank measured no gain (best weight 0) and are kept only as features.
WEIGHTS = {"best_sentence": 0.60, "top2_sentences": 0.15, "chunk": 0.10, "heading": 0.0, "glossary": 0.0,
           "fused": 0.10, "fused_rank": 0.0}


class Reranker(Protocol):
    name: str

    def rerank(self, query: AnalyzedQuery, qvec: np.ndarray, candidates: list[Candidate]) -> list[Candidate]: ...


class NoReranker:
    name = "none"

    def rerank(self, query: AnalyzedQuery, qvec: np.ndarray, candidates: list[Candidate]) -> list[Candidate]:
        return candidates


class DocumentLexicalReranker:
    """Module passages are rescored by fused score + weight × their module's BM25 score (both
    max-normalised per query) + dense weights × their module's dense evidence (best chunk cosine,
    best two sentences, centroid cosine; ``documents.DocumentEvidence``), and reordered among
    themselves. Sources and glossary entries keep their fused slots: each is a single chunk, so its
    document score is the chunk score the fusion already has, and boosting modules past them cost
    bibliography hits on dev."""

    name = "module-bm25"

    def __init__(self, index: LoadedIndex, weight: float, k1: float, b: float, dense_weight: float = 0.0,
                 stem: bool = False, sentence_weight: float = 0.0, centroid_weight: float = 0.0,
                 documents: DocumentEvidence | None = None) -> None:
        self.index = index
        self.documents = documents or DocumentEvidence(index, k1, b, stem)
        self.module_of = self.documents.module_of
        self.weight, self.dense_weight = weight, dense_weight
        self.sentence_weight, self.centroid_weight = sentence_weight, centroid_weight

    def rerank(self, query: AnalyzedQuery, qvec: np.ndarray, candidates: list[Candidate]) -> list[Candidate]:
        docs = self.documents
        module_scores = docs.lexical(query.lexical_tokens)
        module_max = float(module_scores.max(initial=0.0)) or 1.0
        zeros = np.zeros(max(docs.count, 1), dtype=np.float32)
        module_dense = docs.best_chunk(qvec) if self.dense_weight else zeros
        centroid = docs.centroid(qvec) if self.centroid_weight else zeros
        sentences = docs.top_sentences(qvec, (int(self.module_of[c.row]) for c in candidates if self.module_of[c.row] >= 0)) \
            if self.sentence_weight else {}
        fused_max = max((c.score for c in candidates), default=0.0) or 1.0
        rescored = []
        for cand in candidates:
            m = self.module_of[cand.row]
            if m < 0:
                continue
            feats = {"fused": cand.score / fused_max, "module": float(module_scores[m]) / module_max,
                     "module_dense": float(module_dense[m]), "module_sentences": sentences.get(int(m), 0.0),
                     "module_centroid": float(centroid[m])}
            score = (feats["fused"] + self.weight * feats["module"] + self.dense_weight * feats["module_dense"]
                     + self.sentence_weight * feats["module_sentences"] + self.centroid_weight * feats["module_centroid"])
            rescored.append(replace(cand, score=score, features=feats))
        rescored.sort(key=lambda c: (-c.score, c.row))
        reordered, out = iter(rescored), []
        for cand in candidates:
            if self.module_of[cand.row] >= 0:
                out.append(next(reordered))
            else:  # keeps its slot; shares the score above it so scores stay non-increasing
                above = out[-1].score if out else (rescored[0].score if rescored else 1.0)
                out.append(replace(cand, score=above, features={"fused": cand.score / fused_max}))
        return out


class SentenceReranker:
    name = "sentence"

    def __init__(self, index: LoadedIndex, weights: dict[str, float] | None = None) -> None:
        self.index = index
        self.weights = weights or WEIGHTS
        self._crumb_tokens = [set(tokenize(c.breadcrumb)) for c in index.chunks]

    def features(self, query: AnalyzedQuery, qvec: np.ndarray, cand: Candidate, fused_max: float,
                 position: int = 0) -> dict[str, float]:
        chunk = self.index.chunks[cand.row]
        sims = self.index.sentence_vectors_of(cand.row) @ qvec
        top = np.sort(sims)[::-1] if len(sims) else np.zeros(1, np.float32)
        qtok = set(query.lexical_tokens[: max(1, len(tokenize(query.text)))])
        heading = len(qtok & self._crumb_tokens[cand.row]) / len(qtok) if qtok else 0.0
        owner = chunk.module_id if chunk.kind != "source" else None
        return {
            "best_sentence": float(top[0]),
            "top2_sentences": float(top[:2].mean()),
            "chunk": float(self.index.chunk_vectors[cand.row] @ qvec),
            "heading": heading,
            "glossary": 1.0 if owner and owner in query.term_modules else 0.0,
            "fused": cand.score / fused_max if fused_max > 0 else 0.0,
            "fused_rank": 1.0 / (1.0 + position),  # fused order itself, not just the score gap
        }

    def rerank(self, query: AnalyzedQuery, qvec: np.ndarray, candidates: list[Candidate]) -> list[Candidate]:
        fused_max = max((c.score for c in candidates), default=0.0)
        out = []
        for position, cand in enumerate(candidates):
            feats = self.features(query, qvec, cand, fused_max, position)
            score = sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
            out.append(replace(cand, score=score, features=feats))
        out.sort(key=lambda c: (-c.score, c.row))
        return out


class CrossEncoderReranker:
    name = "cross-encoder"

    def __init__(self, index: LoadedIndex, model: str) -> None:
        from pathlib import Path

        from sentence_transformers import CrossEncoder

        self.index = index
        path = Path(model).expanduser()
        try:
            self.model = CrossEncoder(str(path) if path.exists() else model, device="cpu", local_files_only=True)
        except Exception as exc:  # any load failure is a configuration problem for the user
            raise ModelError(f"cannot load cross-encoder '{model}': {exc}") from exc

    def rerank(self, query: AnalyzedQuery, qvec: np.ndarray, candidates: list[Candidate]) -> list[Candidate]:
        if not candidates:
            return []
        pairs = [(query.text, self.index.chunks[c.row].embed_text) for c in candidates]
        scores = np.asarray(self.model.predict(pairs, show_progress_bar=False), dtype=np.float32).reshape(len(pairs), -1)
        logits = scores[:, -1]
        probs = 1.0 / (1.0 + np.exp(-logits))  # comparable 0..1 scale for abstention
        out = [replace(c, score=float(p), features={"cross_encoder": float(s)})
               for c, p, s in zip(candidates, probs, logits, strict=True)]
        out.sort(key=lambda c: (-c.score, c.row))
        return out


def make_reranker(settings: Settings, index: LoadedIndex, name: str | None = None,
                  documents: DocumentEvidence | None = None) -> Reranker:
    name = name or settings.reranker
    if name == "none":
        return NoReranker()
    if name == "cross-encoder":
        if not settings.cross_encoder_model:
            raise ModelError("reranker 'cross-encoder' needs TMRAG_CROSS_ENCODER_MODEL (a name or a path)")
        return CrossEncoderReranker(index, settings.cross_encoder_model)
    if name == "module-bm25":
        return DocumentLexicalReranker(index, settings.rerank_document_weight, settings.bm25_k1, settings.bm25_b,
                                       settings.rerank_document_dense_weight, settings.document_stem,
                                       settings.rerank_document_sentence_weight, settings.rerank_document_centroid_weight,
                                       documents)
    return SentenceReranker(index)


def diversify(candidates: list[Candidate], index: LoadedIndex, k: int, per_doc_cap: int) -> list[Candidate]:
    """Best-first, at most ``per_doc_cap`` passages per module/source; the overflow is
    appended after, so nothing is lost when fewer documents than ``k`` are relevant."""
    kept, overflow, seen = [], [], {}
    for cand in candidates:
        doc = index.chunks[cand.row].doc_id
        if seen.get(doc, 0) < per_doc_cap:
            kept.append(cand)
            seen[doc] = seen.get(doc, 0) + 1
        else:
            overflow.append(cand)
        if len(kept) >= k:
            break
    return (kept + overflow)[:k]
