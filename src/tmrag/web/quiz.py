"""Study mode at the HTTP edge: the request models of /quiz/* and the dependency that holds one
Study per loaded engine (rebuilt when a new index build is loaded, so cards follow the notes)."""

from __future__ import annotations

import threading

from fastapi import Request
from pydantic import BaseModel, Field

from ..engine import Engine
from ..study.service import LEARNER_RE, MAX_ANSWER_CHARS, Study
from .deps import get_engine
from .schemas import Categories

Learner = Field(pattern=LEARNER_RE.pattern, description="the learner's id (the chat page keeps a random one)")
MAX_MODULES = 100  # more than the notes have: a longer list is a mistake, not a filter


class QuizNextRequest(BaseModel):
    learner: str = Learner
    categories: Categories = None
    modules: list[str] | None = Field(None, max_length=MAX_MODULES, description="module ids to draw cards from")


class QuizAnswerRequest(BaseModel):
    learner: str = Learner
    card_id: str = Field(min_length=1, max_length=64)
    answer: str = Field(max_length=MAX_ANSWER_CHARS, description="the free-text answer; blank counts as no answer")


class StudyHolder:
    """The Study of the engine now serving; built on first use after each (re)load."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.study: Study | None = None
        self.lock = threading.Lock()

    def get(self, engine: Engine) -> Study:
        with self.lock:
            if self.study is None or self.engine is not engine:
                self.study, self.engine = Study(engine, engine.settings.data_dir), engine
            return self.study


_CREATING = threading.Lock()


def get_study(request: Request) -> Study:
    """The serving engine's Study (503 with the reason while no engine is loaded)."""
    engine = get_engine(request)
    with _CREATING:
        holder = getattr(request.app.state, "study", None) or StudyHolder()
        request.app.state.study = holder
    return holder.get(engine)
