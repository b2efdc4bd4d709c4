"""uvicorn's h11 protocol with the two connection guards uvicorn lacks (it has a keep-alive
timeout, a header size cap and a global concurrency cap, set in web/serving.py):

- a header deadline: a connection must deliver a complete request head within
  ``header_timeout_s`` of opening, or of its previous response. uvicorn arms no timer until a
  first response, so a connection that sends nothing, or one byte now and then (slowloris),
  stays open for ever;
- a cap on the connections one client address holds open: past it, a new connection is closed
  as soon as it is accepted, so one client cannot hold every file descriptor and connection
  slot. Behind a reverse proxy every client is the proxy: set it to 0 (off) there and let the
  proxy limit clients.

Both are read from :class:`GuardedConfig`, which the workers receive pickled, so the class is
named in the config as an import string."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("tmrag.connections")


class GuardedConfig(uvicorn.Config):
    def __init__(self, *args: object, header_timeout_s: float, max_client_connections: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.header_timeout_s, self.max_client_connections = header_timeout_s, max_client_connections


def _open_by_client(protocol: H11Protocol) -> Counter[str]:
    """Open connections per client address, shared by the protocols of one server (one process)."""
    state = protocol.server_state
    if not hasattr(state, "open_by_client"):
        state.open_by_client = Counter()  # type: ignore[attr-defined]
    return state.open_by_client  # type: ignore[attr-defined]


class GuardedH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._address = self.client[0] if self.client else "unknown"
        counts = _open_by_client(self)
        counts[self._address] += 1
        cap = getattr(self.config, "max_client_connections", 0)
        if cap and counts[self._address] > cap:
            log.warning("closed a connection from %s: it already holds %d (the per-client cap)", self._address, cap)
            transport.close()
            return
        self._arm()

    def _arm(self) -> None:
        timeout = getattr(self.config, "header_timeout_s", None)
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(timeout, self._head_overdue) if timeout else None

    def _head_overdue(self) -> None:
        self._deadline = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered: its head came in time (BodyDeadline times the body)
        if not self.transport.is_closing():
            log.warning("closed a connection from %s: no complete request head within %g s", self._address,
                        self.config.header_timeout_s)
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request's head has the same time to arrive

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        counts = _open_by_client(self)
        counts[self._address] -= 1
        if counts[self._address] <= 0:
            del counts[self._address]
