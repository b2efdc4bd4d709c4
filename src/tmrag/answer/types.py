"""Typed answers: built by the answer layer, serialised once at the edges (HTTP, CLI --json, eval)."""

from __future__ import annotations

from pydantic import Field

from ..corpus.model import Source  # a bibliography entry, exactly as the corpus holds it
from ..names import AnswerMode, Coverage
from ..query.results import IndexInfo, Location, Strict


class Citation(Location):
    marker: int = Field(description="the [n] marker in the answer")
    quote: str = Field(description="the exact quoted sentence(s), joined with ' … '")
    quote_text: str = Field(description="the quote as the answer reads it: citation tags and Markdown removed, "
                                        "inline math as plain text")
    start: int | None = Field(description="character offset of the first quoted span in the module file")
    end: int | None = Field(description="character offset where the last quoted span ends")
    spans: list[list[int]] = Field(description="[start, end] of each quoted sentence in the module file")
    chunk_id: str


class DroppedSentence(Strict):
    sentence: str
    reason: str = Field(description='"no marker", "invalid marker", "a number no passage states" or '
                                    '"not supported by the cited passage"')
    markers: list[int]


class Verification(Strict):
    sentences: int
    supported: int
    dropped: list[DroppedSentence]
    support_rate: float


class Answer(Strict):
    answer: str = Field(description="2–5 sentences, each ending with its [n] marker; a partial answer opens "
                                    "with one unmarked sentence saying what the notes don't state")
    abstained: bool = Field(description="true exactly when coverage is not_covered")
    coverage: Coverage = Field(description="answered: the quotes state what was asked; partial: related quotes, "
                                           "but what `missing` names is not stated; not_covered: abstained")
    missing: list[str] = Field(description="what the question asks that the quoted notes don't state")
    mode: AnswerMode
    citations: list[Citation] = Field(description="only the passages the answer cites")
    sources: list[Source]
    evidence: float = Field(description="best question–sentence cosine in the top passages")
    suggestions: list[Location] = Field(description="nearest sections when the answer abstains")
    unknown_terms: list[str] = Field(description="name-like question words the notes never use")
    unmentioned_terms: list[str] = Field(description="question names the cited passages never mention")
    verification: Verification | None = Field(None, description="LLM mode: how many sentences survived")
    index: IndexInfo
    resolved_question: str = Field("", description="what was searched: the question itself, or a follow-up "
                                                  "rewritten with the conversation's subject")
    timings_ms: dict[str, float] = Field(default_factory=dict)
