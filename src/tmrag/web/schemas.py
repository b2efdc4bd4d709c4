"""Request and response models of the HTTP contract (DESIGN.md).

Requests are validated with these models. Responses are documented with them in the OpenAPI
schema, and tests/test_web.py validates real engine output against them with extra fields
forbidden, so the documentation cannot drift from what the server sends."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..analysis import MAX_K, MAX_QUESTION_CHARS
from ..corpus import Source  # a bibliography entry, exactly as Source.to_dict() sends it

Kind = Literal["module", "source", "glossary"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    # strict: "5", 2.0 and true are type errors, not silently coerced to an int
    k: int = Field(10, ge=1, le=MAX_K, strict=True)
    categories: list[str] | None = None


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    categories: list[str] | None = None


class Location(_Strict):
    kind: Kind
    module_id: str | None
    source_id: str | None
    title: str
    section: str | None
    anchor: str | None
    url: str | None


class SearchResult(Location):
    text: str
    score: float


class IndexInfo(_Strict):
    build_id: str
    fingerprint: str
    created: str
    embedding_model: str
    chunks: int


class SearchResponse(_Strict):
    results: list[SearchResult]
    timings_ms: dict[str, float]
    index: IndexInfo


class Citation(Location):
    marker: int = Field(description="the [n] marker in the answer")
    quote: str = Field(description="the exact quoted sentence(s), joined with ' … '")
    quote_text: str = Field(description="the quote as the answer reads it: citation tags and Markdown removed, "
                                        "inline math as plain text")
    start: int | None = Field(description="character offset of the first quoted span in the module file")
    end: int | None = Field(description="character offset where the last quoted span ends")
    spans: list[list[int]] = Field(description="[start, end] of each quoted sentence in the module file")
    chunk_id: str


class DroppedSentence(_Strict):
    sentence: str
    reason: str = Field(description='"no marker", "invalid marker" or "not supported by the cited passage"')
    markers: list[int]


class Verification(_Strict):
    sentences: int
    supported: int
    dropped: list[DroppedSentence]
    support_rate: float


class AskResponse(_Strict):
    answer: str = Field(description="2–5 sentences, each ending with its [n] marker")
    abstained: bool
    mode: Literal["extractive", "llm"]
    citations: list[Citation] = Field(description="only the passages the answer cites")
    sources: list[Source]
    evidence: float = Field(description="best question–sentence cosine in the top passages")
    suggestions: list[Location] = Field(description="nearest sections when the answer abstains")
    unknown_terms: list[str] = Field(description="name-like question words the notes never use")
    unmentioned_terms: list[str] = Field(description="question names the cited passages never mention")
    verification: Verification | None = Field(None, description="LLM mode: how many sentences survived")
    index: IndexInfo
    timings_ms: dict[str, float]


class ErrorDetail(_Strict):
    code: str
    message: str


class ErrorResponse(_Strict):
    error: ErrorDetail


def error_docs(*statuses: int) -> dict[int | str, dict]:
    described = {404: "no such module, source or endpoint", 413: "request body too large",
                 415: "body is not JSON", 422: "invalid request", 503: "index not loaded yet (with the reason)"}
    return {s: {"model": ErrorResponse, "description": described[s]} for s in statuses}
