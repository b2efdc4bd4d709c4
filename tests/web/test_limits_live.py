"""Slow and greedy clients against a live server (issue 21, item 3): a stalled body is answered
408 and its connection closed, a stalled or trickled request head is closed, one client address
cannot hold more than its share of connections, and other clients are served meanwhile."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from .edge import tiny_settings
from .live import connect, live_server, read_all

TIMEOUT_S = 1.0  # the deadlines under test, short so the tests are
CAP = 4  # connections per client address
SLACK_S = 2.0  # the loop's timers fire on time; this covers a loaded test machine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    settings = tiny_settings(tmp_path_factory.mktemp("limits"), header_timeout_s=TIMEOUT_S, body_timeout_s=TIMEOUT_S,
                             max_client_connections=CAP, rate_limit="off")
    with live_server(settings) as address:
        yield address


def _served(port: int) -> bool:
    """Another client's request is answered (how fast is bench/bench_stalled.py's question: this
    machine may be loaded while the tests run)."""
    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200


def test_a_stalled_body_is_answered_408_and_closed_while_others_are_served(server: tuple[str, int]) -> None:
    _, port = server
    s = connect(port, timeout=TIMEOUT_S + SLACK_S + 5)
    s.sendall(b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100\r\n\r\n{\"question\": ")  # 13 of the 100 bytes promised, then nothing
    t0 = time.monotonic()
    assert _served(port)  # another client, while the body is outstanding
    reply = read_all(s)
    waited = time.monotonic() - t0
    s.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), reply[:200]
    assert b"connection: close" in head.lower()
    assert json.loads(body)["error"]["code"] == "request_timeout"
    assert TIMEOUT_S * 0.9 <= waited < TIMEOUT_S + SLACK_S


def test_a_trickled_body_is_timed_as_a_whole(server: tuple[str, int]) -> None:
    _, port = server
    s = connect(port, timeout=TIMEOUT_S + SLACK_S + 5)
    s.sendall(b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
    t0 = time.monotonic()
    for _ in range(int(TIMEOUT_S / 0.2) + 5):  # a byte every 0.2 s: each arrives well within the deadline
        try:
            s.sendall(b" ")
        except OSError:  # closed by the server: the point
            break
        time.sleep(0.2)
    reply = read_all(s)
    s.close()
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert time.monotonic() - t0 < TIMEOUT_S + SLACK_S


@pytest.mark.parametrize("head", [b"", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"])
def test_a_stalled_request_head_is_closed(server: tuple[str, int], head: bytes) -> None:
    _, port = server
    s = connect(port, timeout=TIMEOUT_S + SLACK_S + 5)
    s.sendall(head)
    t0 = time.monotonic()
    assert read_all(s) == b""  # closed without a response: there is no request to answer
    s.close()
    assert TIMEOUT_S * 0.9 <= time.monotonic() - t0 < TIMEOUT_S + SLACK_S


def test_a_slowloris_head_is_closed_though_bytes_keep_coming(server: tuple[str, int]) -> None:
    _, port = server
    s = connect(port, timeout=TIMEOUT_S + SLACK_S + 5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    t0, closed = time.monotonic(), False
    while time.monotonic() - t0 < TIMEOUT_S + SLACK_S:
        try:
            s.sendall(b"X-a: b\r\n")  # a header line every 0.1 s, the head never complete
            time.sleep(0.1)
        except OSError:
            closed = True
            break
    if not closed:
        s.settimeout(0.5)
        try:
            closed = s.recv(1) == b""
        except TimeoutError:  # still open
            closed = False
        except OSError:  # reset by the server
            closed = True
    s.close()
    assert closed


def test_one_client_cannot_hold_more_than_its_share_of_connections(server: tuple[str, int]) -> None:
    _, port = server
    greedy = [connect(port, source="127.0.0.2") for _ in range(CAP)]
    try:
        extra = connect(port, source="127.0.0.2", timeout=SLACK_S)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            refused = read_all(extra) == b""  # closed on accept, never answered
        except ConnectionResetError:
            refused = True
        extra.close()
        assert refused
        assert _served(port)  # another address is served meanwhile
    finally:
        for s in greedy:
            s.close()
    time.sleep(0.2)  # the server sees the closes
    again = connect(port, source="127.0.0.2")
    again.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert read_all(again).startswith(b"HTTP/1.1 200")  # the slots came back
    again.close()


def test_a_normal_request_with_a_body_is_unaffected(server: tuple[str, int]) -> None:
    _, port = server
    resp = httpx.post(f"http://127.0.0.1:{port}/ask", json={"question": "Why are attention scores scaled?"}, timeout=10)
    assert resp.status_code == 200 and resp.json()["answer"]

