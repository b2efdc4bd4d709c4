"""Per-client rate limits on /ask, /ask/stream and /search: 429 JSON `rate_limited` with
Retry-After, per client address, configurable through TMRAG_RATE_LIMIT ("off" disables)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tmrag.config import Settings
from tmrag.web.ratelimit import parse

from .edge import ANSWERED, client, error, tiny_settings


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_settings(tmp_path_factory.mktemp("ratelimit"))


def limited(settings: Settings, spec: str, **kwargs: object):  # noqa: ANN201
    return client(settings.model_copy(update={"rate_limit": spec}), **kwargs)


@pytest.mark.parametrize(("method", "path", "body"), [("POST", "/ask", {"question": ANSWERED}),
                                                      ("POST", "/ask/stream", {"question": ANSWERED}),
                                                      ("POST", "/search", {"query": "kv cache"})])
def test_over_the_limit_is_429_rate_limited_with_retry_after(settings: Settings, method: str, path: str,
                                                              body: dict) -> None:
    # An hour's window: the sliding-window counter weighs the previous window's hits down as the new
    # one begins, so four requests that straddle a minute's edge could all pass (~1 run in 100)
    c = limited(settings, "3/hour")
    assert [c.request(method, path, json=body).status_code for _ in range(3)] == [200] * 3
    resp = c.request(method, path, json=body)
    message = error(resp, 429, "rate_limited")["error"]["message"]
    assert "3 per 1 hour" in message
    assert 1 <= int(resp.headers["retry-after"]) <= 3600  # when a slot in the hour frees, in whole seconds
    assert resp.headers["x-frame-options"] == "DENY" and resp.headers["x-request-id"]


def test_limits_are_per_client_and_only_on_the_engine_routes(settings: Settings) -> None:
    app = limited(settings, "2/hour").app  # an hour: no window edge inside the test (above)
    a = TestClient(app, client=("192.0.2.1", 1000))
    b = TestClient(app, client=("192.0.2.2", 1000))
    assert [a.post("/search", json={"query": "kv"}).status_code for _ in range(3)] == [200, 200, 429]
    assert b.post("/search", json={"query": "kv"}).status_code == 200  # another client is still served
    assert a.post("/ask", json={"question": "kv"}).status_code == 429  # the limit spans the limited routes
    assert [a.get(p).status_code for p in ("/healthz", "/readyz", "/modules/attention", "/")] == [200] * 4


def test_the_shortest_window_refuses_a_burst_and_retry_after_names_the_longest_refusal(settings: Settings) -> None:
    # A 10-second shortest window: four requests fit in it even on a loaded machine (at "2/second"
    # they sometimes spanned more than a second and the third passed). The sliding-window counter
    # weighs the previous fixed window by how much of it still overlaps, so a burst that straddles
    # a window edge may let a third through (2 × 0.99 < 2); never a fourth.
    c = limited(settings, "2/10 seconds;100/hour")
    statuses = [c.post("/search", json={"query": "kv"}).status_code for _ in range(4)]
    assert statuses[:2] == [200, 200] and statuses[3] == 429 and statuses[2] in (200, 429)
    assert int(c.post("/search", json={"query": "kv"}).headers["retry-after"]) <= 11


def test_off_disables_it(settings: Settings) -> None:
    c = limited(settings, "off")
    # 120: more than the default's per-second burst allowance, so a limiter would refuse some
    assert {c.post("/search", json={"query": "kv"}).status_code for _ in range(120)} == {200}


def test_the_default_is_generous_and_the_setting_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    default = {str(item) for item in parse(Settings().rate_limit)}
    assert default == {"100 per 1 second", "1200 per 1 minute"}
    monkeypatch.setenv("TMRAG_RATE_LIMIT", "5/second;60/minute")
    assert [str(i) for i in parse(Settings().rate_limit)] == ["5 per 1 second", "60 per 1 minute"]
    monkeypatch.setenv("TMRAG_RATE_LIMIT", "OFF")
    assert parse(Settings().rate_limit) == []
    monkeypatch.setenv("TMRAG_RATE_LIMIT", "20/fortnight")
    with pytest.raises(ValidationError, match="rate_limit"):
        Settings()


def test_openapi_documents_the_429(settings: Settings) -> None:
    spec = client(settings).get("/openapi.json").json()
    for path in ("/ask", "/ask/stream", "/search"):
        doc = spec["paths"][path]["post"]["responses"]["429"]
        assert doc["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse"), path
        assert doc["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert "429" not in spec["paths"]["/healthz"]["get"]["responses"]
