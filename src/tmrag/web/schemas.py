"""Request models of the HTTP contract (DESIGN.md), and the response models it documents.

Responses are the core's own typed results (query/results.py, answer/types.py), sent as
``response_model``; tests validate real engine output against them with extra fields
forbidden, so the documentation cannot drift from what the server sends."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from ..answer.types import Answer, Citation, DroppedSentence, Verification
from ..config import CATEGORIES
from ..query.analysis import MAX_K, MAX_QUESTION_CHARS
from ..query.followup import MAX_TURN_CHARS, MAX_TURNS, Turn
from ..query.results import IndexInfo, Location, SearchHit, SearchResults, Strict


def _whole_number(value: object) -> object:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# The served corpus's names are checked by the routes and listed in /openapi.json (web/categories.py);
# the wiki's nine stand in the schema until the app replaces them.
Category = Annotated[str, WithJsonSchema({"type": "string", "enum": list(CATEGORIES)})]
Categories = Annotated[list[Category] | None, Field()]


class AskResponse(Answer):
    """The /ask response: the core's Answer, under the contract's name."""


class SearchResponse(SearchResults):
    """The /search response: the core's SearchResults, under the contract's name."""


SearchResult = SearchHit
__all__ = ["AskRequest", "AskResponse", "Citation", "DroppedSentence", "ErrorResponse", "FeedbackRequest", "IndexInfo",
           "Location", "SearchRequest", "SearchResponse", "SearchResult", "Verification", "error_docs"]


# What query.analysis.validate_question accepts, for the OpenAPI document (the check itself stays
# there, for every edge): a character that is not whitespace as Python's str.strip sees it (a question
# of "\u0085" alone is empty; schemathesis found the 422). Unanchored, as JSON Schema patterns are;
# no surrogate range, which ECMA-262 validators built on Rust's regex reject (a JSON string with a lone
# surrogate is refused as not UTF-8 text, and generators do not produce one).
QUESTION_PATTERN = "[^\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
QUESTION_SCHEMA = {"pattern": QUESTION_PATTERN}


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, json_schema_extra=QUESTION_SCHEMA)
    # strict: "5", 2.5 and true are type errors, not silently coerced to an int. 2.0 is the integer 2
    # (JSON and JSON Schema do not tell them apart, so the OpenAPI "integer" admits it).
    k: Annotated[int, BeforeValidator(_whole_number)] = Field(10, ge=1, le=MAX_K, strict=True)
    categories: Categories = None


class HistoryTurn(Strict):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    answer: str = Field(max_length=MAX_TURN_CHARS)


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, json_schema_extra=QUESTION_SCHEMA)
    categories: Categories = None
    history: list[HistoryTurn] | None = Field(None, max_length=MAX_TURNS, description=(
        "earlier turns of the conversation, oldest first; a follow-up that leans on them is answered in "
        "their context (the server keeps no state)"))

    def turns(self) -> list[Turn]:
        return [Turn(h.question, h.answer) for h in self.history or []]


class ErrorDetail(Strict):
    code: str
    message: str


class ErrorResponse(Strict):
    error: ErrorDetail


ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}  # in the components via the API routes' error docs
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}
ERROR_DESCRIPTIONS = {
    404: "no such module, source or endpoint", 413: "request body too large", 415: "body is not JSON",
    422: "invalid request", 429: "too many requests from this client (`rate_limited`; retry after `Retry-After` s)",
    503: "index not loaded yet (with the reason)"}


def error_docs(*statuses: int, page: bool = False) -> dict[int | str, dict]:
    """Documented error responses, always a JSON ErrorResponse. ``page``: an HTML route, whose
    media type FastAPI would otherwise give its error responses too."""
    docs: dict[int | str, dict] = {}
    for status in statuses:
        doc: dict = {"description": ERROR_DESCRIPTIONS[status]}
        if page:
            doc["content"] = {"application/json": {"schema": ERROR_REF}}
        else:
            doc["model"] = ErrorResponse
        if status == 429:
            doc["headers"] = RETRY_AFTER
        docs[status] = doc
    return docs


MAX_COMMENT_CHARS = 2000  # a paragraph or two: what was wrong and where; as long as a question
MAX_FEEDBACK_CITATIONS = 20  # an answer cites at most 5 passages; 20 leaves room for LLM answers
MAX_LOCATION_CHARS = 300  # "module-id#section-anchor": ids are at most 100 characters, anchors a sentence


class FeedbackRequest(BaseModel):
    """A reader's rating of one answer, as the chat page sends it."""

    model_config = {"extra": "forbid"}

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    resolved_question: str | None = Field(None, max_length=MAX_TURN_CHARS)
    answer: str = Field(max_length=MAX_TURN_CHARS)
    citations: list[Annotated[str, Field(max_length=MAX_LOCATION_CHARS)]] = Field(
        default_factory=list, max_length=MAX_FEEDBACK_CITATIONS,
        description="the answer's cited locations (`module#anchor`, `source:<id>`)")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS)
