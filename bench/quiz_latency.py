"""POST /quiz/answer latency over HTTP on loopback: a real `tmrag serve` on the real index, a fresh
learner store in a temporary folder, and the labelled answers (eval/quiz_answers.jsonl) as the
texts graded, each on the next card, one request at a time on a kept-alive connection.

    .venv/bin/python bench/quiz_latency.py [--requests 200]

Prints p50/p90/p99 of the round trip. Target: p50 <= 50 ms."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tmrag.evaluation.metrics import percentile
from tmrag.evaluation.quiz import load_labels

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 10  # first requests build the Study (cards, vectors, SQLite sync) and warm the runtime
READY_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("server not ready")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    answers = [r.answer for r in load_labels(ROOT / "eval" / "quiz_answers.jsonl")]
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = os.environ | {"HF_HUB_OFFLINE": "1", "TMRAG_DATA_DIR": data, "TMRAG_RATE_LIMIT": "off"}
        server = subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                  cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                wait_ready(client)
                took = []
                for n in range(WARM_UP + args.requests):
                    card = client.post("/quiz/next", json={"learner": "bench"}).json()["card"]["id"]  # a new card each time
                    t = time.perf_counter()
                    resp = client.post("/quiz/answer", json={"learner": "bench", "card_id": card,
                                                             "answer": answers[n % len(answers)]})
                    resp.raise_for_status()
                    if n >= WARM_UP:
                        took.append((time.perf_counter() - t) * 1000)
        finally:
            server.terminate()
            server.wait(timeout=15)
    print(f"/quiz/answer over HTTP, {len(took)} requests: p50 {percentile(took, 50):.1f} ms  "
          f"p90 {percentile(took, 90):.1f} ms  p99 {percentile(took, 99):.1f} ms")


if __name__ == "__main__":
    main()
