"""Study mode: the next card, grading an answer (with FSRS scheduling), and a learner's progress.
Thin: validate, call the Study, return its typed result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ...study.service import LEARNER_RE, Study
from ...study.types import GradedAnswer, NextCard, ProgressReport
from ..categories import check_categories
from ..quiz import QuizAnswerRequest, QuizNextRequest, get_study
from ..schemas import error_docs

router = APIRouter()
RATE_LIMITED = ("/quiz/answer",)  # the one quiz route that runs the embedder
StudyDep = Annotated[Study, Depends(get_study)]


@router.post("/quiz/next", response_model=NextCard, responses=error_docs(404, 413, 415, 422, 503))
def quiz_next(req: QuizNextRequest, study: StudyDep) -> NextCard:
    check_categories(req.categories, study.engine.corpus.categories)
    return study.next(req.learner, req.categories, req.modules)


@router.post("/quiz/answer", response_model=GradedAnswer, responses=error_docs(404, 413, 415, 422, 429, 503))
def quiz_answer(req: QuizAnswerRequest, study: StudyDep) -> GradedAnswer:
    return study.answer(req.learner, req.card_id, req.answer)


@router.get("/quiz/progress", response_model=ProgressReport, responses=error_docs(422, 503))
def quiz_progress(learner: Annotated[str, Query(pattern=LEARNER_RE.pattern)], study: StudyDep) -> ProgressReport:
    return study.progress(learner)
