"""Per-client rate limits (the ``limits`` library, in memory): a client over its limit gets a
429 JSON ``rate_limited`` with ``Retry-After``, before its body is read or the engine runs.
A client is its address as the server sees it (uvicorn takes X-Forwarded-For only from
trusted proxies). Each worker process keeps its own counts."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from .handlers import error_response


def parse(spec: str) -> list[RateLimitItem]:
    """Settings.rate_limit as limits' items; "off" is none."""
    return [] if spec.strip().lower() == "off" else parse_many(spec)


class RateLimit:
    """Limits the requests each client makes to ``paths`` (exact paths, any method)."""

    def __init__(self, app: ASGIApp, items: list[RateLimitItem], paths: Collection[str],
                 on_reject: Callable[[str], None] = lambda path: None) -> None:
        self.app, self.items, self.paths, self.on_reject = app, items, frozenset(paths), on_reject
        # Sliding-window counters: O(1) memory per client and limit, and no burst at a window edge.
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.items or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        # Only admitted requests count, so a client that waits out Retry-After is served. Test and
        # hit run with no await between them: atomic on the event loop.
        refused = [item for item in self.items if not self.limiter.test(item, "tmrag", key)]
        if not refused:
            for item in self.items:
                self.limiter.hit(item, "tmrag", key)
            await self.app(scope, receive, send)
            return
        retry = max(self._retry_after(item, key) for item in refused)
        self.on_reject(scope["path"])
        limit = ", ".join(str(item) for item in refused)
        response = error_response(429, "rate_limited", f"too many requests from this client (limit {limit}); "
                                  f"retry in {retry} s", headers={"Retry-After": str(retry)})
        await response(scope, receive, send)

    def _retry_after(self, item: RateLimitItem, key: str) -> int:
        reset = self.limiter.get_window_stats(item, "tmrag", key).reset_time
        return max(1, math.ceil(reset - time.time()))  # whole seconds (RFC 9110), never 0
