"""POST /feedback: a reader's thumbs up or down (and optional comment) on one answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from ...insights.records import Feedback
from ..deps import InsightsStoreDep, serving_build
from ..schemas import ErrorResponse, FeedbackRequest, error_docs

router = APIRouter()


UNWRITABLE = {503: {"model": ErrorResponse, "description": "the insights database cannot be written (`storage_error`)"}}


@router.post("/feedback", status_code=204, response_class=Response, responses={**error_docs(413, 415, 422, 429), **UNWRITABLE})
def feedback(req: FeedbackRequest, store: InsightsStoreDep, build_id: Annotated[str, Depends(serving_build)]) -> Response:
    """Stored at once (committed before the 204), whether or not the question log is on: a rating is
    something the reader chose to send."""
    store.add_feedback(Feedback(question=req.question, resolved_question=req.resolved_question or "", answer=req.answer,
                                citations=req.citations, rating=req.rating, comment=(req.comment or "").strip(),
                                build_id=build_id))
    return Response(status_code=204)
