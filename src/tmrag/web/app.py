"""HTTP edge: the FastAPI app factory. Routes live in routes/ (api, pages), shared
dependencies in deps.py, error handlers in handlers.py. CPU-bound handlers are plain ``def``
(FastAPI runs them in its threadpool)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from ..config import Settings
from ..engine import Engine
from . import handlers
from .deps import HERE, EngineState
from .limits import MAX_BODY_BYTES, BodySizeLimit, HeadAsGet, SecurityHeaders
from .routes import api, pages


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
    handlers.install(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    if load_in_background:
        threading.Thread(target=state.load, name="tmrag-load", daemon=True).start()
    else:
        state.load()
    return app
