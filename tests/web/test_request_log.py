"""Every response carries X-Request-ID (a well-formed incoming one echoed, else a new one), and
each request is one JSON line on the `tmrag.access` logger, with no question text in it."""

from __future__ import annotations

import json
import logging
import re

import pytest

from tmrag.config import Settings
from tmrag.web.limits import MAX_BODY_BYTES

from .edge import ANSWERED, client, error, tiny_settings

GENERATED = re.compile(r"[0-9a-f]{32}")  # uuid4().hex


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_settings(tmp_path_factory.mktemp("reqlog"))


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "tmrag.access"]


def test_every_response_gets_a_request_id(settings: Settings) -> None:
    c = client(settings)
    responses = [c.get("/healthz"), c.get("/nowhere"), c.post("/ask", json={"question": ""}),
                 c.post("/ask", content=b"x" * (MAX_BODY_BYTES + 1), headers={"content-type": "application/json"}),
                 c.get("/static/app.js"), c.head("/healthz")]
    ids = [r.headers.get("x-request-id", "") for r in responses]
    assert [r.status_code for r in responses] == [200, 404, 422, 413, 200, 200]
    assert all(GENERATED.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("incoming", ["abc-123", "0af7651916cd43dd8448eb211c80319c", "trace.id:7_x"])
def test_a_well_formed_incoming_id_is_echoed(settings: Settings, incoming: str) -> None:
    assert client(settings).get("/healthz", headers={"x-request-id": incoming}).headers["x-request-id"] == incoming


@pytest.mark.parametrize("incoming", [b"", b"a" * 129, b"id with spaces", b"<script>", "a\u00e9".encode()])
def test_a_malformed_incoming_id_is_replaced(settings: Settings, incoming: bytes) -> None:
    resp = client(settings).get("/healthz", headers={"x-request-id": incoming})
    assert GENERATED.fullmatch(resp.headers["x-request-id"])
    assert resp.headers.get_list("x-request-id") == [resp.headers["x-request-id"]]  # one, not the client's too


def test_one_json_line_per_request_without_the_question(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    c = client(settings)
    caplog.set_level(logging.INFO, logger="tmrag.access")
    secret = "zebra-walrus-7"
    ask = c.post("/ask?q=" + secret, json={"question": f"{ANSWERED} {secret}"}, headers={"x-request-id": "req-1"})
    page = c.get("/modules/attention")
    missing = c.get(f"/modules/{secret}")
    lines = access_lines(caplog)
    assert len(lines) == 3
    assert lines[0]["request_id"] == "req-1" == ask.headers["x-request-id"]
    assert [(x["method"], x["route"], x["status"]) for x in lines] == [
        ("POST", "/ask", 200), ("GET", "/modules/{module_id}", 200), ("GET", "/modules/{module_id}", 404)]
    assert [x["request_id"] for x in lines[1:]] == [page.headers["x-request-id"], missing.headers["x-request-id"]]
    for line in lines:
        assert set(line) == {"request_id", "method", "route", "status", "duration_ms"}
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert secret not in caplog.text and "square root" not in caplog.text


def test_an_unexpected_error_is_a_json_500_with_an_id_and_logged(settings: Settings,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        index_info = None

        def ask(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("boom")

    c = client(settings, factory=lambda s: Broken())
    caplog.set_level(logging.INFO, logger="tmrag.access")
    resp = c.post("/ask", json={"question": "hi"}, headers={"x-request-id": "req-500"})
    error(resp, 500, "internal_error")
    assert resp.headers["x-request-id"] == "req-500"
    assert resp.headers["x-frame-options"] == "DENY"  # the security headers too
    assert "boom" not in resp.text
    assert [(x["request_id"], x["status"]) for x in access_lines(caplog)] == [("req-500", 500)]
