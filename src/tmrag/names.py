"""The closed sets of names every stage agrees on: chunk kinds, retrieval modes, fusions,
rerankers and answer modes. Settings, the pipeline and the HTTP schemas all use these."""

from __future__ import annotations

from typing import Literal, get_args

ChunkKind = Literal["module", "source", "glossary"]
# "hybrid" fuses with the configured fusion; "rrf"/"convex" force one; "dense"/"lexical" use one leg.
RetrievalMode = Literal["hybrid", "dense", "lexical", "rrf", "convex"]
FusionName = Literal["rrf", "convex"]
RerankerName = Literal["module-bm25", "sentence", "none", "cross-encoder"]
AnswerMode = Literal["extractive", "llm"]

CHUNK_KINDS: tuple[str, ...] = get_args(ChunkKind)
RERANKERS: tuple[str, ...] = get_args(RerankerName)
QuestionKind = Literal["definition", "comparison", "numeric", "mechanism", "list", "multi_part", "other"]
Coverage = Literal["answered", "partial", "not_covered"]
