"""`tmrag serve`: the web app on uvicorn, in one process or ``--workers N`` processes.

The CLI binds the socket first (a taken port fails fast, port 0 gets its number); every worker
accepts on that one socket (uvicorn's Multiprocess supervisor spawns them, passes the socket,
and restarts a worker that dies). Each worker builds its own app and engine from the same
settings, which reach the spawned workers through the environment (TMRAG_*), and hot-reloads
the shared, read-only build on its own. /metrics sums the workers' counters through
prometheus-client's multiprocess mode.

The connection limits are uvicorn's own settings plus web/protocol.py's header deadline and
per-client connection cap; web/guards.py adds the body deadline and load shedding."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from contextlib import ExitStack

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from .config import Settings

PROTOCOL = "tmrag.web.protocol:GuardedH11Protocol"  # an import string: the workers unpickle the config
# A request head (request line + headers) larger than this is refused with 400: browsers send
# ~1-2 KiB; h11's own default is 16 KiB, stated here so it is a decision, not an accident.
MAX_HEAD_BYTES = 16 * 1024
# Connections the kernel queues for accept(): uvicorn's default, enough for a burst of 2,000
# new clients while the workers are busy.
BACKLOG = 2048


def build_app(settings: Settings, host: str) -> FastAPI:
    """One worker's app: the web app with MCP mounted, request logs and throttled repeat warnings."""
    from .mcp.http import mount_http
    from .web import logthrottle
    from .web import requestlog as access_log
    from .web.app import create_app

    access_log.configure()
    logthrottle.install()
    app = create_app(settings, bind_host=host)
    state = app.state.engine_state
    mount_http(app, state.require, host, categories=state.startup_categories)  # MCP's streamable HTTP transport at /mcp
    return app


def worker_app() -> FastAPI:
    """The app factory a spawned worker calls: settings and host from the environment."""
    settings = Settings()
    return build_app(settings, settings.host)


def uvicorn_config(settings: Settings, app: object, factory: bool) -> uvicorn.Config:
    from .web.protocol import GuardedConfig

    return GuardedConfig(app, factory=factory, log_level="warning", http=PROTOCOL, workers=settings.workers,
                         limit_concurrency=settings.max_connections, timeout_keep_alive=settings.keep_alive_s,
                         h11_max_incomplete_event_size=MAX_HEAD_BYTES, backlog=BACKLOG,
                         header_timeout_s=settings.header_timeout_s,
                         max_client_connections=settings.max_client_connections)


def serve(settings: Settings, sock: socket.socket, host: str, url: str) -> None:
    def announce() -> None:  # once accepting: the URL printed is one that answers
        print(f"tmrag serving on {url}", file=sys.stderr, flush=True)

    if settings.workers == 1:
        config = uvicorn_config(settings, lambda: build_app(settings, host), factory=True)
        _Server(config, announce).run(sockets=[sock])
        return
    with ExitStack() as stack:
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Before any worker starts: prometheus-client picks per-process files at import time.
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = stack.enter_context(tempfile.TemporaryDirectory(prefix="tmrag-metrics-"))
        os.environ.update({"TMRAG_CORPUS_DIR": str(settings.corpus_dir.resolve()),
                           "TMRAG_INDEX_DIR": str(settings.index_dir.resolve()),
                           "TMRAG_HOST": host, "TMRAG_WORKERS": str(settings.workers)})
        _Supervisor(uvicorn_config(settings, f"{__name__}:worker_app", factory=True), sock, announce).run()


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, announce) -> None:  # noqa: ANN001
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.announce()


class _Supervisor(Multiprocess):
    """uvicorn's supervisor, each worker on its own SO_REUSEPORT socket on the CLI's address: on one
    shared socket, whichever worker woke first accepted every waiting connection (asyncio accepts
    the whole backlog at once), and a client's 16 keep-alive connections all went to one worker
    (measured: 3.2 s of CPU against 0.06 s). The kernel spreads connections across the sockets of a
    reuseport group by their addresses. The CLI's socket reserves the port and never listens."""

    READY_TIMEOUT_S = 60  # a worker imports the app and answers /healthz within seconds; the index loads after

    def __init__(self, config: uvicorn.Config, reserved: socket.socket, announce) -> None:  # noqa: ANN001
        self.address, self.family = reserved.getsockname(), reserved.family
        self._handed: list[socket.socket] = []
        super().__init__(config, [])
        self.announce = announce

    @property
    def sockets(self) -> list[socket.socket]:
        """A new listening socket for each worker uvicorn starts (it reads this once per worker)."""
        self._close_handed()  # the worker started before has its copy (spawn duplicated it at start)
        sock = socket.socket(self.family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(self.address)
        self._handed.append(sock)
        return [sock]

    @sockets.setter
    def sockets(self, _: list[socket.socket]) -> None:  # Multiprocess.__init__ assigns the list it was given
        pass

    def _close_handed(self) -> None:
        # Only the worker may hold its socket: one left open here would stay in the group after the
        # worker died, and the connections hashed to it would wait for ever.
        while self._handed:
            self._handed.pop().close()

    def init_processes(self) -> None:
        super().init_processes()
        self._close_handed()
        if all(p.wait_until_ready(self.READY_TIMEOUT_S, self.should_exit) for p in self.processes):
            self.announce()

    def keep_subprocess_alive(self) -> None:
        super().keep_subprocess_alive()
        self._close_handed()
