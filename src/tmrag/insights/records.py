"""What the owner's loop stores: a logged question and a reader's rating of an answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..answer.types import Answer, Citation
from ..names import Coverage

Rating = Literal["up", "down"]
TOP_MODULES = 5  # the answer cites at most 5 passages; an abstention suggests about as many sections


def now() -> datetime:
    return datetime.now(UTC)


class LoggedQuestion(BaseModel):
    """One row of the opt-in question log: exactly the issue's fields, no client address. The
    vector is the question's embedding, which the engine already computed to answer it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    question: str
    resolved_question: str
    coverage: Coverage
    abstained: bool
    top_modules: list[str] = Field(description="cited `module#anchor` locations in order; an abstention's "
                                               "suggested (nearest) sections instead")
    evidence: float
    latency_ms: float
    build_id: str
    asked_at: datetime = Field(default_factory=now)
    vector: np.ndarray | None = Field(None, exclude=True)

    @classmethod
    def from_answer(cls, question: str, answer: Answer) -> LoggedQuestion:
        return cls(question=question, resolved_question=answer.resolved_question or question,
                   coverage=answer.coverage, abstained=answer.abstained, top_modules=top_locations(answer),
                   evidence=answer.evidence, latency_ms=answer.timings_ms.get("total", 0.0),
                   build_id=answer.index.build_id)

    @property
    def modules(self) -> list[str]:
        """The modules of ``top_modules`` in order (bibliography entries are not modules)."""
        return list(dict.fromkeys(loc.split("#", 1)[0] for loc in self.top_modules if not loc.startswith("source:")))


def location(module_id: str | None, anchor: str | None) -> str:
    return f"{module_id}#{anchor}" if anchor else str(module_id)


def citation_location(c: Citation) -> str:
    """A module passage as ``module#anchor``; a bibliography entry as ``source:<id>``."""
    return f"source:{c.source_id}" if c.kind == "source" else location(c.module_id, c.anchor)


def top_locations(answer: Answer) -> list[str]:
    cited = [citation_location(c) for c in answer.citations if c.module_id or c.source_id]
    suggested = [location(s.module_id, s.anchor) for s in answer.suggestions if s.module_id]
    return list(dict.fromkeys(cited or suggested))[:TOP_MODULES]


class Feedback(BaseModel):
    """A reader's thumbs up or down on one answer, with an optional comment."""

    question: str
    resolved_question: str = ""
    answer: str
    citations: list[str] = Field(default_factory=list, description="the answer's cited locations")
    rating: Rating
    comment: str = ""
    build_id: str = ""
    rated_at: datetime = Field(default_factory=now)
