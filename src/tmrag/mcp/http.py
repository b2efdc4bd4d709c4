"""The SDK's streamable HTTP transport, mounted at ``/mcp`` in the app `tmrag serve` runs.

Stateless, JSON responses: every POST is one self-contained exchange (the tools need no
session, and nothing is kept between requests), answered with the engine the web app loaded,
so /mcp and /ask never disagree. The SDK turns on DNS-rebinding protection (Host and Origin
must be local) when the server listens on a loopback address."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from ..config import CATEGORIES
from ..engine import Engine
from .server import NotesServer

MCP_PATH = "/mcp"


def mount_http(app: Starlette, engine: Callable[[], Engine], host: str, path: str = MCP_PATH,
               categories: tuple[str, ...] = CATEGORIES) -> NotesServer:
    server = NotesServer(engine, categories, getattr(app.state, "question_log", None))  # the app's log, when it has one
    transport = server.streamable_http_app(streamable_http_path=path, stateless_http=True, json_response=True,
                                           host=host)
    app.router.routes[0:0] = transport.routes  # ahead of the pages' routes
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Starlette) -> AsyncIterator[object]:
        async with server.session_manager.run(), outer(a) as state:  # the transport's task group lives with the app
            yield state

    app.router.lifespan_context = lifespan
    return server
