"""Query latency benchmark over the golden questions: in-process (models warm) and over HTTP.

    .venv/bin/python bench/bench_query.py [--http] [--rounds 2]

Prints p50/p95 per stage for `ask` and `search`. Targets: ask p50 <= 30 ms, p95 <= 100 ms."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.evaluation.golden import load_golden
from tmrag.evaluation.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent


def table(name: str, timings: list[dict]) -> None:
    stages = sorted({k for t in timings for k in t}, key=lambda s: (s == "total", s))
    print(f"\n{name}: {len(timings)} queries")
    for s in stages:
        vals = [t.get(s, 0.0) for t in timings]
        print(f"  {s:<16} p50 {percentile(vals, 50):7.2f} ms   p95 {percentile(vals, 95):7.2f} ms")


def in_process(questions: list[str], rounds: int) -> None:
    engine = Engine.open(Settings())
    for q in questions[:20]:  # warm caches of the tokenizer and torch kernels, not the query cache
        engine.embedder.encode_query(q)
    asks, searches = [], []
    for _ in range(rounds):
        engine.ranker.clear_cache()  # measure real embedding cost every round
        asks += [engine.ask(q).timings_ms for q in questions]
        engine.ranker.clear_cache()
        searches += [engine.search(q).timings_ms for q in questions]
    table("ask (in-process)", asks)
    table("search (in-process)", searches)


def over_http(questions: list[str]) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=os.environ | {"HF_HUB_OFFLINE": "1"}, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            wall = []
            for q in questions:
                t = time.perf_counter()
                resp = client.post("/ask", json={"question": q})
                resp.raise_for_status()
                wall.append({"http_total": (time.perf_counter() - t) * 1000})
            table("POST /ask over HTTP (loopback, sequential)", wall)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", action="store_true")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    questions = [q.question for q in load_golden(ROOT / "eval" / "golden.jsonl")]
    in_process(questions, args.rounds)
    if args.http:
        over_http(questions)


if __name__ == "__main__":
    main()
