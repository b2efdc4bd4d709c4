"""Retrieval settings by the corpus's shape. Our modules are long (a median of ~22 chunks): a
question's passage competes with the rest of its module, so the legs score chunks and module
evidence is a light touch. Abstracts, posts and short notes are a few chunks each: there the
document is the unit a question is about, so document evidence counts for more than the chunk's own.
Chosen on the notes written as short documents (``scripts/sections_as_beir.py``, dev queries:
default nDCG@10 0.806 -> 0.819); SciFact and any other public set only check it."""

from __future__ import annotations

from collections import Counter
from statistics import median
from typing import Literal

from ..config import Settings
from .documents import IndexView

# An abstract or a post is 1-4 chunks of 160 tokens (SciFact 2.9, the notes' sections 2.4);
# a module of ours is ~22.
PASSAGE_CHUNKS = 4

# Sections dev, document rankings: the dense leg by best sentence (rrf with BM25 0.790 -> 0.798);
# the lexical leg's document share 0.5 (leg alone 0.779 -> 0.787, the default unchanged within
# 0.001). The reranker's document evidence beside the fused score (max 1): module BM25, best chunk,
# best two sentences and centroid at the best of a 720-point grid (0.3-4) on 2,845 sections dev
# queries, 0.816 -> 0.819; the grid's top is a broad plateau (0.818-0.819) and every point on it
# weights the document above the chunk. Held out: sections test 0.798 -> 0.805, SciFact 0.735 -> 0.744.
PASSAGES: dict[str, object] = {
    "dense_unit": "sentence",
    "lexical_document_weight": 0.5,
    "rerank_document_weight": 2.0,
    "rerank_document_dense_weight": 0.8,
    "rerank_document_sentence_weight": 0.8,
    "rerank_document_centroid_weight": 0.8,
    # past the reranked top 20, documents by fused document scores (sections dev Recall@100 0.983 -> 0.986;
    # keeping 10 or 20 alike, 40 0.985)
    "document_tail_after": 20,
}

Shape = Literal["modules", "passages"]


def corpus_shape(index: IndexView) -> Shape:
    counts = Counter(c.doc_id for c in index.chunks if c.kind == "module")
    return "passages" if counts and median(counts.values()) <= PASSAGE_CHUNKS else "modules"


def profile_of(settings: Settings, index: IndexView) -> Shape:
    """The profile ``settings`` ask for, with ``auto`` resolved by the corpus's shape."""
    return corpus_shape(index) if settings.retrieval_profile == "auto" else settings.retrieval_profile


def profiled(settings: Settings, index: IndexView) -> Settings:
    """``settings`` with the passages profile applied where the corpus calls for it; a setting
    given explicitly (env, constructor) keeps its value."""
    if profile_of(settings, index) == "modules":
        return settings
    return settings.model_copy(update={k: v for k, v in PASSAGES.items() if k not in settings.model_fields_set})
