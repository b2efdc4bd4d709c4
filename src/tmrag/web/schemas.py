"""Request models of the HTTP contract (DESIGN.md), and the response models it documents.

Responses are the core's own typed results (query/results.py, answer/types.py), sent as
``response_model``; tests validate real engine output against them with extra fields
forbidden, so the documentation cannot drift from what the server sends."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..answer.types import Answer, Citation, DroppedSentence, Verification
from ..query.analysis import MAX_K, MAX_QUESTION_CHARS
from ..query.results import IndexInfo, Location, SearchHit, SearchResults, Strict

# The categories of DESIGN.md, spelled out so the OpenAPI schema lists them (config.CATEGORIES
# holds the same names; tests/web checks the two agree).
Category = Literal["The Transformer", "Training", "Inference", "Architectures", "Applications", "Trust & Evaluation",
                   "Interview Prep", "AI Engineering", "Design Reviews"]

AskResponse = Answer
SearchResponse = SearchResults
SearchResult = SearchHit
__all__ = ["AskRequest", "AskResponse", "Citation", "DroppedSentence", "ErrorResponse", "IndexInfo", "Location",
           "SearchRequest", "SearchResponse", "SearchResult", "Verification", "error_docs"]


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    # strict: "5", 2.0 and true are type errors, not silently coerced to an int
    k: int = Field(10, ge=1, le=MAX_K, strict=True)
    categories: list[Category] | None = None


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    categories: list[Category] | None = None


class ErrorDetail(Strict):
    code: str
    message: str


class ErrorResponse(Strict):
    error: ErrorDetail


def error_docs(*statuses: int) -> dict[int | str, dict]:
    described = {404: "no such module, source or endpoint", 413: "request body too large",
                 415: "body is not JSON", 422: "invalid request", 503: "index not loaded yet (with the reason)"}
    return {s: {"model": ErrorResponse, "description": described[s]} for s in statuses}
