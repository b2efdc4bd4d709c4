"""A bounded loopback load smoke test (issue 21, CI): 400 requests from 16 concurrent clients to the
live app, mixed /ask, /search and /healthz; every one is answered 200 (no error, no shedding at
this concurrency, which the in-flight bound admits), and /metrics counted them all."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from .edge import ANSWERED, tiny_settings
from .live import live_server

REQUESTS = 400
CONCURRENCY = 16  # = the default in-flight bound: nothing is shed

pytestmark = pytest.mark.slow


async def _load(base: str) -> Counter:
    statuses: Counter = Counter()
    todo = iter(range(REQUESTS))
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        async def worker() -> None:
            for n in todo:
                if n % 3 == 0:
                    resp = await client.post("/ask", json={"question": f"{ANSWERED} ({n})"})
                elif n % 3 == 1:
                    resp = await client.post("/search", json={"query": f"attention scores {n}", "k": 5})
                else:
                    resp = await client.get("/healthz")
                statuses[resp.status_code] += 1
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return statuses


def test_concurrent_load_is_served_without_errors(tmp_path) -> None:  # noqa: ANN001
    settings = tiny_settings(tmp_path, rate_limit="off")
    assert settings.max_inflight >= CONCURRENCY
    with live_server(settings) as (host, port):
        base = f"http://{host}:{port}"
        statuses = asyncio.run(_load(base))
        metrics = httpx.get(f"{base}/metrics", timeout=10).text
    assert statuses == Counter({200: REQUESTS})
    counted = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                  if line.startswith("tmrag_http_requests_total{") and 'status="200"' in line and "/metrics" not in line)
    assert counted == REQUESTS
