"""Load shedding (issue 21, item 3): past the in-flight bound, answering routes get 503
``overloaded`` with Retry-After at once, health and metrics never do, and the slots come back;
and repeated warnings are rate-limited in the log."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from tmrag.engine import Engine
from tmrag.web.app import create_app
from tmrag.web.guards import LoadShed
from tmrag.web.logthrottle import RepeatThrottle

from ..fakes import FakeEmbedder
from .edge import error, tiny_settings


def _blocking_app(release: asyncio.Event, started: list[str]):  # noqa: ANN202
    async def app(scope, receive, send) -> None:  # noqa: ANN001
        started.append(scope["path"])
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
    return app


def test_requests_past_the_bound_are_shed_and_the_slots_come_back() -> None:
    async def run() -> None:
        release, started, shed = asyncio.Event(), [], []
        app = LoadShed(_blocking_app(release, started), max_inflight=2, paths=("/ask", "/mcp/"), on_shed=shed.append)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            held = [asyncio.create_task(c.post("/ask")), asyncio.create_task(c.post("/mcp/x"))]
            while len(started) < 2:
                await asyncio.sleep(0.01)
            third = await c.post("/ask")
            assert third.status_code == 503 and third.headers["retry-after"] == "1"
            assert third.json()["error"]["code"] == "overloaded"
            free = asyncio.create_task(c.get("/healthz"))  # not an answering route: never shed
            while "/healthz" not in started:
                await asyncio.sleep(0.01)
            release.set()
            assert [r.status_code for r in await asyncio.gather(*held, free)] == [200, 200, 200]
            assert (await c.post("/ask")).status_code == 200  # the slots were returned
            assert shed == ["/ask"]
    asyncio.run(run())


def test_the_app_sheds_answering_requests_past_its_bound_and_counts_them(tmp_path) -> None:  # noqa: ANN001
    settings = tiny_settings(tmp_path, max_inflight=1, rate_limit="off")
    embedder = FakeEmbedder()

    def slow_engine(s):  # noqa: ANN001, ANN202 - the real engine, each answer held for 0.3 s
        engine = Engine.open(s, embedder=embedder)
        ask = engine.ask
        engine.ask = lambda *a, **k: (time.sleep(0.3), ask(*a, **k))[1]
        return engine

    app = create_app(settings, engine_factory=slow_engine, load_in_background=False)

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
            asks = [c.post("/ask", json={"question": "Why are attention scores scaled?"}) for _ in range(3)]
            return [*await asyncio.gather(*asks, c.get("/healthz")), await c.get("/metrics")]

    *asks, health, metrics = asyncio.run(run())
    assert sorted(r.status_code for r in asks) == [200, 503, 503]
    for r in asks:
        if r.status_code == 503:
            error(r, 503, "overloaded")
            assert r.headers["retry-after"] == "1"
    assert health.status_code == 200
    assert 'tmrag_shed_total{route="/ask"} 2.0' in metrics.text


def test_repeated_warnings_pass_a_few_times_then_report_the_suppressed_count() -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("tmrag.test.throttle")
    logger.propagate, handler, throttle = False, Keep(), RepeatThrottle("3/1second")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.addFilter(throttle)
    try:
        for i in range(50):
            logger.warning("closed a connection from %s", f"10.0.0.{i}")
        logger.warning("another kind of problem")
        logger.info("info lines are never throttled")
        assert len(records) == 5
        assert records[:3] == [f"closed a connection from 10.0.0.{i}" for i in range(3)]
        assert throttle.suppressed == {"tmrag.test.throttle|30|closed a connection from %s": 47}
        time.sleep(1.1)
        logger.warning("closed a connection from %s", "10.0.0.99")
        assert records[-1] == "closed a connection from 10.0.0.99 (47 more like this suppressed)"
    finally:
        logger.removeHandler(handler)
        logger.removeFilter(throttle)


def test_admitted_requests_run_a_few_at_a_time_in_arrival_order() -> None:
    async def run() -> None:
        running, peak, order = 0, 0, []

        async def app(scope, receive, send) -> None:  # noqa: ANN001
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            order.append(int(scope["path"].rsplit("/", 1)[1]))
            await asyncio.sleep(0.02)
            running -= 1
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        shed = LoadShed(app, max_inflight=10, max_running=2, paths=("/mcp/",))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shed), base_url="http://t") as c:
            calls = []
            for n in range(8):
                calls.append(asyncio.create_task(c.post(f"/mcp/{n}")))
                await asyncio.sleep(0.001)  # arrive in order
            assert {r.status_code for r in await asyncio.gather(*calls)} == {200}
        assert peak == 2
        assert order == list(range(8))
    asyncio.run(run())


def test_a_request_that_waits_too_long_for_its_turn_is_shed() -> None:
    async def run() -> None:
        release = asyncio.Event()

        async def app(scope, receive, send) -> None:  # noqa: ANN001
            await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        shed = LoadShed(app, max_inflight=10, max_running=1, max_wait_s=0.2, paths=("/ask",))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shed), base_url="http://t") as c:
            first = asyncio.create_task(c.post("/ask"))
            await asyncio.sleep(0.05)
            t = time.monotonic()
            second = await c.post("/ask")  # queued behind the first, which does not finish in time
            waited = time.monotonic() - t
            release.set()
            assert (await first).status_code == 200
            assert (await c.post("/ask")).status_code == 200  # the turn was handed back
        assert second.status_code == 503 and second.json()["error"]["code"] == "overloaded"
        assert 0.2 <= waited < 1.0
        assert shed.inflight == 0
    asyncio.run(run())
