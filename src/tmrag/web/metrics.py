"""Prometheus metrics (prometheus-client), one registry per app so apps built side by side
(tests, several in one process) never share or clash. Request counts and latencies are
recorded by :class:`RequestMetrics`; the index's state is read from the EngineState when
/metrics is scraped, so it is never stale."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .deps import EngineState
from .routelabel import route_label

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's switch to per-process files, read at import
COVERAGES = ("answered", "partial", "not_covered")
# Seconds. /healthz answers in well under 5 ms and /ask in ~20 ms with a warm model; the tail
# buckets show queueing under load (issue 21 measured p99 of 5-7.5 s at concurrency 64).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, state: EngineState) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("tmrag_http_requests", "HTTP requests by route template, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("tmrag_http_request_duration_seconds", "HTTP request latency by route template",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.answers = Counter("tmrag_answers", "Answers by coverage (abstentions are not_covered)",
                               ["coverage"], registry=self.registry)
        self.abstentions = Counter("tmrag_abstentions", "Answers that abstained", registry=self.registry)
        self.rate_limited = Counter("tmrag_rate_limited", "Requests refused with 429, by route template",
                                    ["route"], registry=self.registry)
        self.shed = Counter("tmrag_shed", "Requests refused with 503 overloaded (load shedding), by path",
                            ["route"], registry=self.registry)
        for coverage in COVERAGES:  # every coverage is exported from the start, 0 until seen
            self.answers.labels(coverage)
        self.index_collector = IndexCollector(state)
        self.registry.register(self.index_collector)

    def exposed(self) -> CollectorRegistry:
        """What /metrics shows: this app's registry or, under `tmrag serve --workers N` (prometheus-client's
        multiprocess mode, PROMETHEUS_MULTIPROC_DIR set), the request counters and histograms of all
        workers summed, with the answering worker's view of the index (all serve the same build)."""
        if not os.environ.get(MULTIPROC_ENV):
            return self.registry
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(self.index_collector)
        return registry

    def record_answer(self, coverage: str, abstained: bool) -> None:
        self.answers.labels(coverage).inc()
        if abstained:
            self.abstentions.inc()


class IndexCollector(Collector):
    """The serving build (id, age) and the reload counters, read at scrape time."""

    def __init__(self, state: EngineState) -> None:
        self.state = state

    def collect(self) -> Iterator:
        ready = GaugeMetricFamily("tmrag_index_ready", "1 when an index is loaded and serving")
        engine = self.state.engine
        ready.add_metric([], 0 if engine is None else 1)
        yield ready
        if engine is not None:
            info = engine.index_info
            yield InfoMetricFamily("tmrag_index_build", "The serving index build",
                                   value={"build_id": info.build_id, "embedding_model": info.embedding_model})
            age = GaugeMetricFamily("tmrag_index_build_age_seconds", "Seconds since the serving build was created")
            age.add_metric([], _age_s(info.created))
            yield age
        yield CounterMetricFamily("tmrag_index_reloads", "New builds loaded while serving",
                                  value=self.state.reloads)
        yield CounterMetricFamily("tmrag_index_reload_errors", "New builds that failed to load (the old one kept serving)",
                                  value=self.state.reload_errors)


def _age_s(created: str | datetime) -> float:
    when = created if isinstance(created, datetime) else datetime.fromisoformat(created)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - when).total_seconds())


class RequestMetrics:
    """Counts every HTTP response by route template and status, and times it. An exception that
    escapes the app counts as the 500 the client gets."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Sequence[Sequence[BaseRoute]]) -> None:
        self.app, self.metrics, self.routes = app, metrics, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, start, status = scope["method"], time.perf_counter(), 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = route_label(scope, self.routes)
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)
