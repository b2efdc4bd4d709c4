"""Throughput and latency of `tmrag serve` under concurrent /ask load, 1 worker vs 2, over loopback.

    .venv/bin/python bench/bench_serve.py [--workers 1,2] [--concurrency 16,64] [--requests 400] [--json FILE]
                                          [--client raw|httpx] [--no-backoff]

Each cell (workers x concurrency) starts a fresh server (rate limiting off, so one client may
send everything; the query cache cold), warms it with a few questions not in the set, then sends
``--requests`` distinct golden + review questions as POST /ask from ``concurrency`` closed-loop
clients (each one keep-alive connection on asyncio streams; ``--client httpx`` uses one httpx
pool instead, whose own overhead at c=64 tripled the latencies it reported) and reports req/s,
p50/p99 client-observed latency and statuses. 503 ``overloaded`` (load shedding) and 429 are
deliberate refusals, after which a client waits ``Retry-After`` (as the response asks; a shed
question is not resent); anything else is an error.
Cells run interleaved (1 and 2 workers side by side at each concurrency) and each line carries the
machine's 1-minute load average before and after, because the machine may be shared. Bounded:
at most --requests requests per cell, loopback only."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serverproc import ROOT, tmrag_serve  # noqa: E402

from tmrag.evaluation.golden import load_golden  # noqa: E402
from tmrag.evaluation.metrics import percentile  # noqa: E402

WARM_UP = ["warm up the runtime", "What is attention?", "How big is a KV cache?", "What is LoRA?"]
SEED = 21  # a fixed question order: runs compare like with like


@dataclass
class Cell:
    workers: int
    concurrency: int
    requests: int
    seconds: float
    req_per_s: float  # successful (200) answers per second
    p50_ms: float  # latency of the 200s
    p99_ms: float
    server_p50_ms: float  # the same 200s as the server timed them (its access log): the rest is the
    server_p99_ms: float  # kernel, the event loop before the app, and this client's own queueing
    client_cpu_s: float  # this load client's own CPU time: near the run's seconds, the client was the bottleneck
    statuses: dict[str, int]  # "503" = shed, "429" = rate limited, "error:..." = transport errors
    errors: int  # anything but 200, 503 and 429
    load_before: float
    load_after: float


def questions() -> list[str]:
    qs = [q.question for f in ("golden", "review") for q in load_golden(ROOT / "eval" / f"{f}.jsonl")]
    qs = list(dict.fromkeys(qs))  # distinct: the server's query cache must not flatter the numbers
    random.Random(SEED).shuffle(qs)
    return qs


async def drive(base: str, qs: list[str], concurrency: int, backoff: bool = False,
                client_kind: str = "raw") -> tuple[list[float], Counter, float]:
    latencies: list[float] = []
    statuses: Counter = Counter()
    todo = iter(qs)
    host, port = base.removeprefix("http://").rsplit(":", 1)

    async def worker(post) -> None:  # noqa: ANN001
        for q in todo:
            t = time.perf_counter()
            try:
                status, retry_after = await post(q)
            except (OSError, asyncio.IncompleteReadError, httpx.HTTPError) as exc:
                statuses[f"error:{exc.__class__.__name__}"] += 1
                continue
            statuses[str(status)] += 1
            if status == 200:
                latencies.append((time.perf_counter() - t) * 1000)
            elif backoff and retry_after:  # a client that does what the 503 asks
                await asyncio.sleep(float(retry_after))

    async def raw_worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            await worker(lambda q: _raw_post(reader, writer, host, q))
        finally:
            writer.close()

    t0 = time.perf_counter()
    if client_kind == "raw":
        await asyncio.gather(*(raw_worker() for _ in range(concurrency)))
    else:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            async def post(q: str) -> tuple[int, str | None]:
                resp = await client.post("/ask", json={"question": q})
                return resp.status_code, resp.headers.get("retry-after")
            await asyncio.gather(*(worker(post) for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - t0


async def _raw_post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, q: str) -> tuple[int, str | None]:
    """POST /ask on a kept-alive connection; the server always sends Content-Length."""
    body = json.dumps({"question": q}).encode()
    writer.write(b"POST /ask HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                 % (host.encode(), len(body), body))
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
    headers = {k.lower(): v for k, v in headers.items()}
    await reader.readexactly(int(headers[b"content-length"]))
    retry = headers.get(b"retry-after")
    return int(head.split(b" ", 2)[1]), retry.decode() if retry else None


def server_latencies(log: Path, skip: int) -> list[float]:
    lines = [json.loads(line) for line in log.read_text().splitlines()[skip:] if line.startswith('{"request_id"')]
    return [x["duration_ms"] for x in lines if x["route"] == "/ask" and x["status"] == 200]


def run_cell(workers: int, concurrency: int, qs: list[str], backoff: bool, client_kind: str) -> Cell:
    with tmrag_serve(workers, env={"TMRAG_RATE_LIMIT": "off"}) as (base, _, log):
        for q in WARM_UP * workers:  # each worker gets some: the kernel spreads new connections
            httpx.post(f"{base}/ask", json={"question": q}, timeout=30)
        load_before = os.getloadavg()[0]
        skip = len(log.read_text().splitlines())  # the warm-up's lines
        cpu0 = time.process_time()
        latencies, statuses, seconds = uvloop.run(drive(base, qs, concurrency, backoff, client_kind))
        client_cpu = time.process_time() - cpu0
        load_after = os.getloadavg()[0]
        server = server_latencies(log, skip)
    errors = sum(n for s, n in statuses.items() if s not in ("200", "503", "429"))
    return Cell(workers, concurrency, len(qs), round(seconds, 2), round(statuses["200"] / seconds, 1),
                round(percentile(latencies, 50), 1), round(percentile(latencies, 99), 1),
                round(percentile(server, 50), 1), round(percentile(server, 99), 1), round(client_cpu, 2), dict(statuses),
                errors,
                round(load_before, 2), round(load_after, 2))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", default="1,2")
    p.add_argument("--concurrency", default="16,64")
    p.add_argument("--requests", type=int, default=400, help="per cell (at most the distinct questions, ~860)")
    p.add_argument("--json", help="also write the cells here")
    p.add_argument("--client", choices=["raw", "httpx"], default="raw",
                   help="raw: one asyncio stream per client task; httpx: one AsyncClient pool, whose own overhead at "
                        "c=64 tripled the latencies it reported (docs/decisions.md)")
    p.add_argument("--no-backoff", dest="backoff", action="store_false",
                   help="after a 503/429 send the next question at once (default: wait Retry-After, as the 503 asks)")
    args = p.parse_args()
    qs = questions()[: args.requests]
    print(f"cores {os.cpu_count()}, {len(qs)} distinct questions per cell", flush=True)
    cells = []
    for concurrency in map(int, args.concurrency.split(",")):
        for workers in map(int, args.workers.split(",")):
            cell = run_cell(workers, concurrency, qs, args.backoff, args.client)
            cells.append(cell)
            print(f"workers {cell.workers}  c={cell.concurrency:<3} {cell.req_per_s:6.1f} req/s  p50 {cell.p50_ms:7.1f} ms  "
                  f"p99 {cell.p99_ms:7.1f} ms  (server p50 {cell.server_p50_ms:.0f} p99 {cell.server_p99_ms:.0f})  "
                  f"client CPU {cell.client_cpu_s:.1f} s of {cell.seconds:.1f}  statuses {cell.statuses}  errors {cell.errors}  "
                  f"load {cell.load_before:.2f} -> {cell.load_after:.2f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(c) for c in cells], indent=2))
    return 1 if any(c.errors for c in cells) else 0


if __name__ == "__main__":
    raise SystemExit(main())
