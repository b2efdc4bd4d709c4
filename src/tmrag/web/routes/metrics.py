"""GET /metrics in the Prometheus text format, and the dependency the answering routes use to
count answers by coverage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ...answer.types import Answer
from ..metrics import Metrics

router = APIRouter()


def app_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def answer_recorder(metrics: Annotated[Metrics, Depends(app_metrics)]) -> Callable[[Answer], Answer]:
    def record(answer: Answer) -> Answer:
        metrics.record_answer(answer.coverage, answer.abstained)
        return answer
    return record


RecordAnswer = Annotated[Callable[[Answer], Answer], Depends(answer_recorder)]


@router.get("/metrics", response_class=Response, responses={
    200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
          "description": "Prometheus text exposition format"}})
def metrics(m: Annotated[Metrics, Depends(app_metrics)]) -> Response:
    return Response(generate_latest(m.exposed()), media_type=CONTENT_TYPE_LATEST)
