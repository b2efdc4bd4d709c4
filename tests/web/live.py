"""A live server for the connection-level tests: the real app (tiny index, fake embedder) on the
real uvicorn configuration `tmrag serve` uses (web/protocol.py's guards included), in a thread,
on an ephemeral loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.serving import uvicorn_config
from tmrag.web.app import create_app

from ..fakes import FakeEmbedder

START_TIMEOUT_S = 20


@contextmanager
def live_server(settings: Settings) -> Iterator[tuple[str, int]]:
    embedder = FakeEmbedder()
    app = create_app(settings, engine_factory=lambda s: Engine.open(s, embedder=embedder), load_in_background=False,
                     bind_host="127.0.0.1")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn_config(settings, app, factory=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield "127.0.0.1", sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def connect(port: int, source: str = "127.0.0.1", timeout: float = 5.0) -> socket.socket:
    """A raw connection; ``source`` another loopback address plays another client."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_all(s: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or the socket's timeout)."""
    out = b""
    while chunk := s.recv(65536):
        out += chunk
    return out
