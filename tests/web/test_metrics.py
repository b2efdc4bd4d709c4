"""GET /metrics: Prometheus text from prometheus-client, with requests by route template and
status, latency per route, answers by coverage, the serving build and its age, reloads and
reload errors, and rate-limit refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.errors import EngineLoadError

from ..fakes import FakeEmbedder
from .edge import ANSWERED, OFF_TOPIC, client, tiny_settings


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_settings(tmp_path_factory.mktemp("metrics"))


def samples(client: TestClient) -> dict[tuple[str, tuple], float]:
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(resp.text) for s in family.samples}


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_template_and_status(settings: Settings) -> None:
    c = client(settings)
    c.get("/modules/attention")
    c.head("/modules/attention")
    c.get("/modules/nope")
    c.get("/no/such/page")
    c.post("/search", json={"query": "kv cache"})
    c.post("/search", json={"query": ""})
    found = samples(c)
    requests = "tmrag_http_requests_total"
    # Templates, never the ids in the path: the label set stays bounded whatever clients send.
    assert value(found, requests, route="/modules/{module_id}", method="GET", status="200") == 1
    assert value(found, requests, route="/modules/{module_id}", method="HEAD", status="200") == 1
    assert value(found, requests, route="/modules/{module_id}", method="GET", status="404") == 1
    assert value(found, requests, route="unmatched", method="GET", status="404") == 1
    assert value(found, requests, route="/search", method="POST", status="200") == 1
    assert value(found, requests, route="/search", method="POST", status="422") == 1
    assert not any("nope" in str(key) or "/no/such" in str(key) for key in found)
    # one latency observation per request, in the route's histogram
    assert value(found, "tmrag_http_request_duration_seconds_count", route="/modules/{module_id}") == 3
    assert value(found, "tmrag_http_request_duration_seconds_bucket", route="/search", le="+Inf") == 2


def test_answers_are_counted_by_coverage(settings: Settings) -> None:
    c = client(settings)
    assert {value(samples(c), "tmrag_answers_total", coverage=k) for k in ("answered", "partial", "not_covered")} == {0}
    assert c.post("/ask", json={"question": ANSWERED}).json()["coverage"] == "answered"
    assert c.post("/ask", json={"question": OFF_TOPIC}).json()["coverage"] == "not_covered"
    with c.stream("POST", "/ask/stream", json={"question": ANSWERED}) as stream:
        assert stream.status_code == 200
        stream.read()
    found = samples(c)
    assert value(found, "tmrag_answers_total", coverage="answered") == 2
    assert value(found, "tmrag_answers_total", coverage="not_covered") == 1
    assert value(found, "tmrag_abstentions_total") == 1


def test_the_serving_build_and_its_age(settings: Settings) -> None:
    c = client(settings)
    build_id = c.get("/readyz").json()["index"]["build_id"]
    found = samples(c)
    assert value(found, "tmrag_index_ready") == 1
    info = [labels for (name, labels) in found if name == "tmrag_index_build_info"]
    assert len(info) == 1 and dict(info[0])["build_id"] == build_id
    assert 0 <= value(found, "tmrag_index_build_age_seconds") < 3600  # built by this test module's fixture


def test_without_an_index_there_is_no_build_and_ready_is_0(tmp_path: Path) -> None:
    c = client(Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "none"))
    found = samples(c)
    assert value(found, "tmrag_index_ready") == 0
    assert not any(name == "tmrag_index_build_info" for name, _ in found)


def test_reloads_and_reload_errors_are_counted(settings: Settings) -> None:
    embedder, fail = FakeEmbedder(), []

    def factory(s: Settings) -> Engine:
        if fail:
            raise EngineLoadError("weights unreadable")
        return Engine.open(s, embedder=embedder)

    c = client(settings, factory=factory)
    state = c.app.state.engine_state
    assert value(samples(c), "tmrag_index_reloads_total") == 0  # the first load is no reload
    state.load()
    fail.append(True)
    state.load()
    found = samples(c)
    assert value(found, "tmrag_index_reloads_total") == 1
    assert value(found, "tmrag_index_reload_errors_total") == 1
    assert value(found, "tmrag_index_ready") == 1  # the old build kept serving


def test_rate_limit_refusals_are_counted(settings: Settings) -> None:
    c = client(settings.model_copy(update={"rate_limit": "2/minute"}))
    statuses = [c.post("/search", json={"query": "kv"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    found = samples(c)
    assert value(found, "tmrag_rate_limited_total", route="/search") == 2
    assert value(found, "tmrag_http_requests_total", route="/search", method="POST", status="429") == 2


def test_apps_side_by_side_keep_their_own_counts(settings: Settings) -> None:
    a, b = client(settings), client(settings)
    a.get("/healthz")
    assert value(samples(a), "tmrag_http_requests_total", route="/healthz", method="GET", status="200") == 1
    assert value(samples(b), "tmrag_http_requests_total", route="/healthz", method="GET", status="200") == 0
