"""HTTP edge: the FastAPI app factory. Routes live in routes/ (api, pages, metrics), shared
dependencies in deps.py, error handlers in handlers.py, middlewares one per file (limits,
ratelimit, hosts, metrics, requestlog). CPU-bound handlers are plain ``def``
(FastAPI runs them in its threadpool)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from ..config import Settings
from ..engine import Engine
from . import handlers, insights, ratelimit
from .categories import install_openapi_enum
from .deps import HERE, EngineState
from .guards import BodyDeadline, LoadShed
from .hosts import AllowedHosts, allowed_hosts
from .limits import MAX_BODY_BYTES, BodySizeLimit, HeadAsGet, SecurityHeaders, docs_policies
from .metrics import Metrics, RequestMetrics
from .requestlog import RequestLog
from .routes import api, metrics, pages, quiz


def swagger_inline_script(app: FastAPI) -> str:
    """The inline <script> of FastAPIOffline's /docs page, rebuilt as it builds it. Only the
    OpenAPI and OAuth2-redirect URLs and the Swagger UI parameters reach the script (title and
    asset URLs do not), and `tmrag serve` sets no root_path."""
    page = get_swagger_ui_html(openapi_url=app.openapi_url or "", title="", swagger_js_url="", swagger_css_url="",
                               oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
                               swagger_ui_parameters=app.swagger_ui_parameters).body.decode()
    match = re.search(r"<script>(.*?)</script>", page, re.S)
    if match is None:
        raise RuntimeError("Swagger UI's page no longer has an inline script: revisit limits.docs_policies")
    return match.group(1)


def create_app(settings: Settings, engine_factory: Callable[[Settings], Engine] = Engine.open,
               load_in_background: bool = True, bind_host: str | None = None) -> FastAPI:
    """``bind_host``: the address `tmrag serve` listens on; a loopback one restricts the Host
    header to loopback names unless settings.allowed_hosts says otherwise."""
    state = EngineState(settings, engine_factory)
    # FastAPIOffline serves /docs and /redoc from bundled assets: no CDN, so they work offline.
    # No slash redirects: a redirect's Location would be built from the client's Host header.
    app = FastAPIOffline(title="tmrag", version="0.1.0", description="Grounded Q&A over the Transformer Math wiki.",
                         redirect_slashes=False)
    app.state.engine_state = state
    app.state.metrics = Metrics(state)
    # Live lists (MCP's route is added to the app's later): metrics and logs label requests by their templates.
    routes = (app.router.routes, api.router.routes, metrics.router.routes, pages.router.routes)
    # Innermost first. Every response a middleware answers itself (413, 429, 421) is still
    # counted, logged with a request id and given the security headers.
    app.add_middleware(HeadAsGet)
    # Only requests whose whole body has arrived take an answering slot (guards.py).
    app.add_middleware(LoadShed, max_inflight=settings.max_inflight, max_running=settings.max_running,
                       max_wait_s=settings.max_queue_wait_s,
                       paths=(*api.RATE_LIMITED, *quiz.RATE_LIMITED, "/mcp", "/mcp/"),
                       on_shed=lambda path: app.state.metrics.shed.labels(path).inc())
    app.add_middleware(BodyDeadline, timeout_s=settings.body_timeout_s)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(ratelimit.RateLimit, items=ratelimit.parse(settings.rate_limit),
                       paths=api.RATE_LIMITED + quiz.RATE_LIMITED,
                       on_reject=lambda path: app.state.metrics.rate_limited.labels(path).inc())
    if (hosts := allowed_hosts(settings.allowed_hosts, bind_host)) is not None:
        app.add_middleware(AllowedHosts, hosts=hosts)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics, routes=routes)
    app.add_middleware(RequestLog, routes=routes)
    # Outermost: every response gets them; /docs and /redoc get their UIs' own CSP.
    app.add_middleware(SecurityHeaders, csp_by_path=docs_policies(swagger_inline_script(app)))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    handlers.install(app)
    app.include_router(api.router)
    app.include_router(metrics.router)
    app.include_router(pages.router)
    insights.install(app, settings)  # POST /feedback and the opt-in question log
    app.include_router(quiz.router)
    install_openapi_enum(app, state.startup_categories, state.module_ids)  # the served corpus's names
    if load_in_background:
        threading.Thread(target=state.load, name="tmrag-load", daemon=True).start()
    else:
        state.load()
    return app
