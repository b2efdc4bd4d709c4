"""A real HTTP server (http.server in a thread) standing in for the wiki: llms.txt and
/raw/<slug>.md with ETag / Last-Modified and 304s, plus the failures a sync must survive or
refuse: 404, a hang past the client's timeout, a body cut short, 500s."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LAST_MODIFIED = "Wed, 02 Dec 2026 10:00:00 GMT"


@dataclass
class Wiki:
    files: dict[str, bytes] = field(default_factory=dict)  # path ("/llms.txt") -> body
    hang: set[str] = field(default_factory=set)  # paths that answer after hang_s
    hang_s: float = 1.0  # past the tests' 0.5 s client timeout
    truncate: set[str] = field(default_factory=set)  # paths whose body stops halfway
    fail_times: dict[str, int] = field(default_factory=dict)  # path -> 500s before it works
    body_bytes: int = 0  # body bytes sent, every response
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def etag(self, path: str) -> str:
        return '"' + hashlib.sha256(self.files[path]).hexdigest()[:16] + '"'


def _handler(wiki: Wiki) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                  length: int | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)
            with wiki.lock:
                wiki.body_bytes += len(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path
            with wiki.lock:
                wiki.requests.append(path)
                failing = wiki.fail_times.get(path, 0)
                if failing:
                    wiki.fail_times[path] = failing - 1
            if failing:
                return self._send(500, b"busy")
            if path in wiki.hang:
                time.sleep(wiki.hang_s)
            if path not in wiki.files:
                return self._send(404, b"not found")
            body, etag = wiki.files[path], wiki.etag(path)
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, headers={"ETag": etag})
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, "Content-Type": "text/markdown; charset=utf-8"}
            if path in wiki.truncate:
                self._send(200, body[: len(body) // 2], headers, length=len(body))
                self.close_connection = True
                return None
            return self._send(200, body, headers)

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up mid-response (a failed sync cancels its other requests) is expected here."""


@contextmanager
def serve(wiki: Wiki) -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _handler(wiki))
    server.daemon_threads = True
    server.block_on_close = False  # a handler still sleeping in a hang must not hold up the test
    # shutdown() waits for the loop's next poll: 0.05 s instead of the default 0.5 s per test
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
