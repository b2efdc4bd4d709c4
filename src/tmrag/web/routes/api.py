"""The JSON API: search, ask (whole or streamed), health and readiness. Thin: validate, call
the Engine, return its typed result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from ...answer.types import Answer
from ...engine import Engine
from ...query.results import SearchResults
from ..categories import check_categories
from ..deps import EngineState, LogAnswer, engine_state, get_engine
from ..schemas import AskRequest, AskResponse, SearchRequest, SearchResponse, error_docs
from ..sse import answer_events
from .metrics import RecordAnswer

router = APIRouter()
RATE_LIMITED = ("/ask", "/ask/stream", "/search", "/feedback")  # the engine, and the one route that writes to disk
EngineDep = Annotated[Engine, Depends(get_engine)]


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", responses=error_docs(503))
def readyz(state: Annotated[EngineState, Depends(engine_state)]) -> dict:
    engine = state.require()
    return {"status": "ready", "index": engine.index_info.model_dump(), "reload_error": state.reload_error,
            "corpus": engine.corpus_status.model_dump()}


@router.post("/search", response_model=SearchResponse, responses=error_docs(413, 415, 422, 429, 503))
def search(req: SearchRequest, engine: EngineDep) -> SearchResults:
    check_categories(req.categories, engine.corpus.categories)
    return engine.search(req.query, k=req.k, categories=req.categories)


@router.post("/ask", response_model=AskResponse, responses=error_docs(413, 415, 422, 429, 503))
def ask(req: AskRequest, engine: EngineDep, record: RecordAnswer, log: LogAnswer) -> Answer:
    check_categories(req.categories, engine.corpus.categories)
    return record(log(req.question, engine.ask(req.question, categories=req.categories, history=req.turns())))


@router.post("/ask/stream", response_class=StreamingResponse, responses={
    200: {"content": {"text/event-stream": {}}, "description": "Server-sent events: `citations` (citations, "
          "sources, abstained, coverage, missing, suggestions, unmentioned_terms), then `answer` events ({text}) in "
          "order, then `done` (timings_ms, index, abstained, coverage, missing)."}, **error_docs(413, 415, 422, 429, 503)})
def ask_stream(req: AskRequest, engine: EngineDep, record: RecordAnswer, log: LogAnswer) -> StreamingResponse:
    # Answered before the response starts, so a bad question is a 422 like /ask, not a 200
    # stream carrying an error event.
    check_categories(req.categories, engine.corpus.categories)
    result = engine.ask(req.question, categories=req.categories, history=req.turns())
    return StreamingResponse(answer_events(record(log(req.question, result))), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
