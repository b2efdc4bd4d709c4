"""One client opens thousands of connections and sends nothing (or half a request head) while
another client keeps using the service: does /healthz still answer fast, is /ask served, how
much do the server's memory and log grow? Loopback only, bounded in count and time.

    .venv/bin/python bench/bench_stalled.py [--connections 10000] [--hold 15] [--partial] [--cap 64]

The stalling client connects from 127.0.0.2 (Linux routes all of 127.0.0.0/8 to loopback), the
well-behaved one from 127.0.0.1, so the per-client connection cap tells them apart as it would
two hosts. --cap 0 turns that cap off to show what the header deadline and uvicorn's
limit_concurrency do alone. The bench raises its own soft open-files limit to the hard limit."""

from __future__ import annotations

import argparse
import contextlib
import errno
import resource
import socket
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serverproc import rss_mb, tmrag_serve  # noqa: E402

from tmrag.evaluation.metrics import percentile  # noqa: E402

PROBE_EVERY_S = 0.5
PARTIAL_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"  # never finished


def raise_fd_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def open_stalled(port: int, n: int, partial: bool) -> tuple[list[socket.socket], int]:
    socks, failed = [], 0
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind(("127.0.0.2", 0))
            err = s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            failed += 1
            continue
        if err not in (0, errno.EINPROGRESS):
            s.close()
            failed += 1
            continue
        socks.append(s)
    if partial:
        time.sleep(0.5)  # let the handshakes finish
        for s in socks:
            with contextlib.suppress(OSError):  # closed by the server already
                s.send(PARTIAL_HEAD)
    return socks, failed


def closed_by_server(socks: list[socket.socket]) -> int:
    closed = 0
    for s in socks:
        try:
            closed += s.recv(1) == b""
        except BlockingIOError:
            pass  # still open, nothing to read
        except OSError:
            closed += 1  # reset
    return closed


def probe(base: str, hold_s: float) -> tuple[list[float], list[float], dict[str, int]]:
    health, asks, statuses = [], [], {}
    deadline = time.monotonic() + hold_s
    with httpx.Client(base_url=base, timeout=10) as client:
        while time.monotonic() < deadline:
            for path, sink in (("/healthz", health), ("/ask", asks)):
                t = time.perf_counter()
                try:
                    resp = client.get(path) if path == "/healthz" else client.post(
                        path, json={"question": "How much memory does the KV cache need?"})
                    key = f"{path} {resp.status_code}"
                except httpx.HTTPError as exc:
                    key = f"{path} {exc.__class__.__name__}"
                statuses[key] = statuses.get(key, 0) + 1
                sink.append((time.perf_counter() - t) * 1000)
            time.sleep(PROBE_EVERY_S)
    return health, asks, statuses


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connections", type=int, default=10_000)
    p.add_argument("--hold", type=float, default=15.0, help="seconds the stalled connections are held (max 120)")
    p.add_argument("--partial", action="store_true", help="send half a request head on each")
    p.add_argument("--cap", type=int, default=None, help="TMRAG_MAX_CLIENT_CONNECTIONS for the server (default: its own)")
    args = p.parse_args()
    limit = raise_fd_limit(args.connections + 512)
    env = {} if args.cap is None else {"TMRAG_MAX_CLIENT_CONNECTIONS": str(args.cap)}
    with tmrag_serve(1, env=env) as (base, proc, log):
        port = int(base.rsplit(":", 1)[1])
        rss0, lines0 = rss_mb(proc.pid), len(log.read_text().splitlines())
        t = time.perf_counter()
        socks, failed = open_stalled(port, args.connections, args.partial)
        opened_s = time.perf_counter() - t
        health, asks, statuses = probe(base, min(args.hold, 120.0))
        closed = closed_by_server(socks)
        rss1, lines1 = rss_mb(proc.pid), len(log.read_text().splitlines())
        for s in socks:
            s.close()
    print(f"open-files limit {limit}; {len(socks)} stalled connections opened in {opened_s:.1f} s ({failed} failed to "
          f"open){' with half a request head' if args.partial else ''}, held {args.hold:g} s")
    print(f"closed by the server by the end: {closed} of {len(socks)}")
    print(f"/healthz from another client: n={len(health)} p50 {percentile(health, 50):.1f} ms  "
          f"max {max(health, default=0):.1f} ms")
    print(f"/ask from another client:     n={len(asks)} p50 {percentile(asks, 50):.1f} ms  max {max(asks, default=0):.1f} ms")
    print(f"statuses {statuses}")
    print(f"server RSS {rss0:.0f} -> {rss1:.0f} MB; log lines during the run: {lines1 - lines0}")
    ok = all(k.endswith(" 200") for k in statuses) and max(health, default=1e9) < 1000
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
