"""Request ids and the access log: every response carries ``X-Request-ID`` (the client's own
when well formed, else a new one), and each request is one JSON log line on ``tmrag.access``
with the id, method, route template, status and duration. Never the path's ids, the query
string or the body: questions stay out of the logs."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Sequence

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .handlers import error_response
from .routelabel import route_label

log = logging.getLogger("tmrag.access")
HEADER = b"x-request-id"
# Ids a tracing proxy or client would send (UUIDs, hex trace ids); 128 characters bounds a log line,
# and the charset keeps the id safe to echo in a header and to grep for.
VALID_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def request_id(scope: Scope) -> str:
    incoming = next((v for k, v in scope.get("headers") or [] if k == HEADER), None)
    return incoming.decode() if incoming and VALID_ID.fullmatch(incoming) else uuid.uuid4().hex


class RequestLog:
    """Outermost but for the security headers. An exception that escapes the app is answered
    here as the JSON 500 (so it too carries the id), then re-raised so the server logs its
    traceback."""

    def __init__(self, app: ASGIApp, routes: Sequence[Sequence[BaseRoute]]) -> None:
        self.app, self.routes = app, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid, method, start = request_id(scope), scope["method"], time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if status is None:
                await error_response(500, "internal_error", "internal error; see the server log")(
                    scope, receive, send_with_id)
            raise
        finally:
            log.info(json.dumps({"request_id": rid, "method": method, "route": route_label(scope, self.routes),
                                 "status": status if status is not None else 500,
                                 "duration_ms": round((time.perf_counter() - start) * 1000, 2)}))


def configure(stream=sys.stderr) -> None:  # noqa: ANN001
    """Access lines (and the serving warnings of web/deps.py) as bare JSON on stderr, for `tmrag serve`
    (the app itself configures no logging)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for logger in (log, logging.getLogger("tmrag.serving")):
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
