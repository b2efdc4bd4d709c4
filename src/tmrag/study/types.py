"""Typed results of study mode, serialised once at the edges (HTTP, CLI)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..answer.types import Citation
from ..query.results import Strict
from .cards import CardKind

RatingName = Literal["again", "hard", "good", "easy"]


class QuizCard(Strict):
    id: str
    kind: CardKind = Field(description="interview question, glossary term or worked number")
    prompt: str
    module_id: str
    section: str | None
    category: str


class NextCard(Strict):
    card: QuizCard
    due_count: int = Field(description="cards due now for this learner within the filter (this one included if due)")
    new_count: int = Field(description="cards within the filter this learner has never answered")


class PointFeedback(Strict):
    text: str = Field(description="the key point (a sentence of the reference) as it reads")
    marker: int = Field(description="its citation's marker in reference.citations")
    match: float = Field(description="how much the answer matched it, 0-1")


class Reference(Strict):
    text: str = Field(description="the reference answer, each key point ending with its [n] marker")
    citations: list[Citation] = Field(description="one per key point, exactly like /ask citations")


class GradedAnswer(Strict):
    score: float = Field(description="0-1: the weighted share of key points the answer covers, after penalties")
    rating: RatingName = Field(description="the FSRS rating the score maps to")
    covered: list[PointFeedback]
    missed: list[PointFeedback]
    reference: Reference
    next_due: str = Field(description="ISO 8601 UTC time the card is next due")
    flags: list[str] = Field(description="why the score was lowered: blank, idk, copy, keyword_dump, neighbour")


class ProgressRow(Strict):
    name: str = Field(description="category name or module id")
    category: str
    cards: int
    seen: int
    mean_score: float | None = Field(description="mean of each seen card's latest score")
    due_now: int


class ProgressReport(Strict):
    learner: str
    categories: list[ProgressRow]
    modules: list[ProgressRow]
