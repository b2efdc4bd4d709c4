"""HTTP edge: the FastAPI app factory. Handlers are thin: validate, call the Engine, shape JSON.

The engine loads in a background thread at start-up, so /healthz answers at once and
/readyz reports 503 with the reason (loading, stale index, missing index) until it is ready.
CPU-bound handlers are plain ``def`` (FastAPI runs them in its threadpool)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..answering import Engine
from ..config import CATEGORIES, Settings
from ..errors import NotFoundError, TmragError
from ..index.store import IndexStore
from .limits import MAX_BODY_BYTES, BodySizeLimit, HeadAsGet, SecurityHeaders
from .render import render_module
from .schemas import AskRequest, AskResponse, SearchRequest, SearchResponse, error_docs

HERE = Path(__file__).parent
RELOAD_CHECK_S = 1.0  # how often a request looks for a new build: one tiny file read per second
ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,99}$")  # module and source ids; rejects ../ and friends


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


HTTP_CODES = {400: "invalid_body", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


class EngineState:
    """Holds the engine once loaded, or the reason it is not ready. When `tmrag index`
    publishes a new build (the CURRENT pointer changes), the next request starts loading it in
    the background; requests keep using the loaded engine until the new one is ready, and a
    build that fails to load leaves the old one serving (the reason shows in /readyz)."""

    def __init__(self, settings: Settings, factory: Callable[[Settings], Engine]) -> None:
        self.settings, self.factory = settings, factory
        self.store = IndexStore(settings.index_dir)
        self.engine: Engine | None = None
        self.error: TmragError | None = None
        self.reason = "loading the index and models"
        self.reload_error: str | None = None
        self._pointer: bytes | None = None  # CURRENT as it was when the last load started
        self._loading = threading.Lock()
        self._checked = 0.0

    def load(self) -> None:
        with self._loading:
            self._pointer = self.store.pointer()
            try:
                engine = self.factory(self.settings)
            except Exception as exc:  # noqa: BLE001 - reported through /readyz, never a traceback to clients
                error = exc if isinstance(exc, TmragError) else TmragError(f"failed to load: {exc.__class__.__name__}: {exc}")
                if self.engine is None:
                    self.error, self.reason = error, str(error)
                else:
                    self.reload_error = f"kept build {self.engine.index_info['build_id']}: {error}"
                return
            self.engine, self.error, self.reload_error = engine, None, None

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._checked < RELOAD_CHECK_S or self._loading.locked():
            return
        self._checked = now
        if self.store.pointer() != self._pointer:
            threading.Thread(target=self.load, name="tmrag-reload", daemon=True).start()

    def require(self) -> Engine:
        self._maybe_reload()
        if self.engine is None:
            code = self.error.code if self.error else "not_ready"
            raise _NotReady(code, self.reason)
        return self.engine


class _NotReady(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _check_categories(categories: list[str] | None) -> None:
    unknown = [c for c in categories or [] if c not in CATEGORIES]
    if unknown:
        raise RequestValidationError([{"loc": ["body", "categories"], "msg": f"unknown categories {unknown}",
                                       "type": "value_error"}])


def _check_id(value: str, what: str) -> None:
    if not ID_RE.fullmatch(value):
        raise NotFoundError(f"no {what} with id {value!r}")


def create_app(settings: Settings, engine_factory: Callable[[Settings], Engine] = Engine.open,
               load_in_background: bool = True) -> FastAPI:
    state = EngineState(settings, engine_factory)
    # FastAPIOffline serves /docs and /redoc from bundled assets: no CDN, so they work offline.
    # No slash redirects: a redirect's Location would be built from the client's Host header.
    app = FastAPIOffline(title="tmrag", version="0.1.0", description="Grounded Q&A over the Transformer Math wiki.",
                         redirect_slashes=False)
    app.state.engine_state = state
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)  # outermost: the 413 from BodySizeLimit gets them too
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    if load_in_background:
        threading.Thread(target=state.load, name="tmrag-load", daemon=True).start()
    else:
        state.load()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = "no such endpoint" if exc.status_code == 404 and exc.detail == "Not Found" else str(exc.detail)
        return error_response(exc.status_code, code, message, exc.headers)  # keeps 405's Allow header

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        content_type = request.headers.get("content-type", "")
        if request.method == "POST" and "json" not in content_type:
            return error_response(415, "unsupported_media_type",
                                  f"send the body as application/json (got {content_type or 'no content type'!r})")
        parts = []
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                pos = err.get("loc", ["body", "?"])[-1]
                parts.append(f"body is not valid JSON ({err.get('ctx', {}).get('error', 'syntax error')} "
                             f"at character {pos})")
                continue
            loc = ".".join(str(x) for x in err.get("loc", []) if x != "body")
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return error_response(422, "invalid_request", "; ".join(parts) or "invalid request")

    @app.exception_handler(TmragError)
    async def domain_error(_: Request, exc: TmragError) -> JSONResponse:
        return error_response(exc.http_status, exc.code, str(exc))

    @app.exception_handler(_NotReady)
    async def not_ready(_: Request, exc: _NotReady) -> JSONResponse:
        return error_response(503, exc.code, exc.message)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return error_response(500, "internal_error", "internal error; see the server log")

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", responses=error_docs(503))
    def readyz() -> dict:
        engine = state.require()
        return {"status": "ready", "index": engine.index_info, "reload_error": state.reload_error}

    @app.post("/search", responses={200: {"model": SearchResponse}, **error_docs(413, 415, 422, 503)})
    def search(req: SearchRequest) -> dict:
        _check_categories(req.categories)
        return state.require().search(req.query, k=req.k, categories=req.categories)

    @app.post("/ask", responses={200: {"model": AskResponse}, **error_docs(413, 415, 422, 503)})
    def ask(req: AskRequest) -> dict:
        _check_categories(req.categories)
        return state.require().ask(req.question, categories=req.categories)

    @app.post("/ask/stream", response_class=StreamingResponse, responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent events: `citations` (citations, "
              "sources, abstained, suggestions, unmentioned_terms), then `answer` events ({text}) in order, then "
              "`done` (timings_ms, index, abstained)."}, **error_docs(413, 415, 422, 503)})
    def ask_stream(req: AskRequest) -> StreamingResponse:
        _check_categories(req.categories)
        # Answered before the response starts, so a bad question is a 422 like /ask, not a 200
        # stream carrying an error event.
        result = state.require().ask(req.question, categories=req.categories)
        return StreamingResponse(_sse(result), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/modules/{module_id}", response_class=HTMLResponse, responses=error_docs(404, 422, 503))
    def module_page(request: Request, module_id: str, hl: str | None = None) -> HTMLResponse:
        _check_id(module_id, "module")
        engine = state.require()
        module = engine.corpus.modules.get(module_id)
        if module is None:
            raise NotFoundError(f"no module with id {module_id!r}")
        spans = [(a, b) for a, b in _parse_spans(hl, len(module.text)) if a >= module.body_start]
        return templates.TemplateResponse(request, "module.html", {
            "module": module, "html": render_module(module, spans), "highlighted": bool(spans),
            "sources": [engine.corpus.sources[s] for s in module.sources if s in engine.corpus.sources],
            "related": [engine.corpus.modules[r] for r in module.related if r in engine.corpus.modules]})

    @app.get("/sources/{source_id}", response_class=HTMLResponse, responses=error_docs(404, 422, 503))
    def source_page(request: Request, source_id: str) -> HTMLResponse:
        _check_id(source_id, "source")
        engine = state.require()
        source = engine.corpus.sources.get(source_id)
        if source is None:
            raise NotFoundError(f"no source with id {source_id!r}")
        return templates.TemplateResponse(request, "source.html", {"source": source,
                                                                   "citing": _citing_sections(engine, source_id)})

    @app.get("/", response_class=HTMLResponse)
    def chat_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "chat.html", {"categories": CATEGORIES})

    return app


def _parse_spans(hl: str | None, limit: int) -> list[tuple[int, int]]:
    """``hl=start-end,start-end`` (character offsets into the module file), validated."""
    if not hl:
        return []
    spans = []
    for part in hl.split(",")[:20]:
        m = re.fullmatch(r"(\d{1,7})-(\d{1,7})", part.strip())
        if not m or not int(m.group(1)) < int(m.group(2)) <= limit:
            raise RequestValidationError([{"loc": ["query", "hl"], "msg": f"bad span {part!r}", "type": "value_error"}])
        spans.append((int(m.group(1)), int(m.group(2))))
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):  # overlapping spans would shift each other's insert positions
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _citing_sections(engine: Engine, source_id: str) -> list[dict]:
    out = []
    for module in engine.corpus.modules.values():
        seen = set()
        for sid, offset in module.citations:
            if sid != source_id:
                continue
            section = next((s for s in reversed(module.sections) if s.start <= offset or s.level == 1), None)
            key = section.anchor if section else ""
            if key not in seen:
                seen.add(key)
                out.append({"module": module, "section": section.title if section else None, "anchor": key})
    return out


def _sse(result: dict) -> Iterator[str]:
    def event(name: str, data: object) -> str:
        return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield event("citations", {"citations": result["citations"], "sources": result["sources"],
                              "abstained": result["abstained"], "suggestions": result["suggestions"],
                              "unmentioned_terms": result["unmentioned_terms"]})
    for piece in re.findall(r".+?(?:\[\d+\](?:\s*\[\d+\])*\s*|$)", result["answer"], re.S):
        if piece:
            yield event("answer", {"text": piece})
    yield event("done", {"timings_ms": result["timings_ms"], "index": result["index"],
                         "abstained": result["abstained"]})
