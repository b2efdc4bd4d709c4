"""Guards against slow and excess requests, for what uvicorn's own settings do not cover
(those, and the per-connection header timeout, are in web/protocol.py and web/serving.py):

- :class:`BodyDeadline` reads the whole request body before the app runs, within a deadline: a
  client that sends its headers and then trickles or stalls its body gets 408 and its
  connection closed, and never holds an answering slot while it dawdles.
- :class:`LoadShed` bounds the requests the engine works on at once in this process: past the
  bound, 503 ``overloaded`` with ``Retry-After`` at once, instead of a queue whose wait grows
  without limit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from weakref import WeakKeyDictionary

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .handlers import error_response

RETRY_AFTER_S = 1  # an answer takes ~20-50 ms: a slot frees within a second even under full load


class BodyDeadline:
    """Buffers the body (already capped by BodySizeLimit, outside this) and replays it to the app."""

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app, self.timeout_s = app, timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                message = await _read_body(receive)
        except TimeoutError:
            response = error_response(408, "request_timeout", f"request body not received within {self.timeout_s:g} s",
                                      headers={"Connection": "close"})  # uvicorn closes the connection after it
            await response(scope, receive, send)
            return
        if message["type"] == "http.disconnect":  # the client left, or BodySizeLimit cut it off and answers 413
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the server's disconnect notice
            replayed = True
            return message

        await self.app(scope, replay, send)


async def _read_body(receive: Receive) -> Message:
    """One ``http.request`` message with the whole body, or the ``http.disconnect`` that ended it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}


class LoadShed:
    """At most ``max_inflight`` POST requests to ``paths`` (exact paths, or prefixes ending in "/") are
    admitted at once, and of those at most ``max_running`` run, the others waiting their turn in
    arrival order; past ``max_inflight``, or after waiting ``max_wait_s`` for a turn, 503
    ``overloaded``. So the wait is bounded by the queue's length and by time (on a machine slower
    or busier than the length assumed), and the few running requests share the interpreter fairly: with all of them running in
    the thread pool at once, the GIL served them in no order and some waited ten times the median.
    Health, readiness, metrics and pages are never shed nor queued."""

    def __init__(self, app: ASGIApp, max_inflight: int, paths: Collection[str], max_running: int | None = None,
                 max_wait_s: float | None = None, on_shed: Callable[[str], None] = lambda path: None) -> None:
        self.app, self.max_inflight, self.max_wait_s, self.on_shed = app, max_inflight, max_wait_s, on_shed
        self.max_running = max_running or max_inflight
        self.exact = frozenset(p for p in paths if not p.endswith("/"))
        self.prefixes = tuple(p for p in paths if p.endswith("/"))
        self.inflight = 0  # touched only on the event loop: no lock needed
        # One semaphore per event loop: an asyncio primitive belongs to the loop that first waits on it
        # (a server has one loop; tests start several).
        self._turns: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()

    def _turn(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._turns:
            self._turns[loop] = asyncio.Semaphore(self.max_running)
        return self._turns[loop]

    def _guarded(self, path: str) -> bool:
        return path in self.exact or path.startswith(self.prefixes) or f"{path}/" in self.prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # POST only: every answering request is one, and a long-lived GET (an MCP event stream) must never hold a turn.
        if scope["type"] != "http" or scope["method"] != "POST" or not self._guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.max_inflight:
            await self._shed(scope, receive, send, f"{self.max_inflight} requests in progress")
            return
        self.inflight += 1
        try:
            turn = self._turn()
            try:
                async with asyncio.timeout(self.max_wait_s):
                    await turn.acquire()
            except TimeoutError:  # the machine is slower than the queue's length assumed
                await self._shed(scope, receive, send, f"no turn within {self.max_wait_s:g} s")
                return
            try:
                await self.app(scope, receive, send)
            finally:
                turn.release()
        finally:
            self.inflight -= 1

    async def _shed(self, scope: Scope, receive: Receive, send: Send, why: str) -> None:
        self.on_shed(scope["path"])
        response = error_response(503, "overloaded", f"the server is at capacity ({why}); retry in {RETRY_AFTER_S} s",
                                  headers={"Retry-After": str(RETRY_AFTER_S)})
        await response(scope, receive, send)
