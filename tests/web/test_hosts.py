"""DNS rebinding: bound to a loopback address, the server answers only requests addressed to a
loopback name (421 JSON `invalid_host` otherwise); TMRAG_ALLOWED_HOSTS overrides it. Also
through `tmrag serve` itself, with its JSON access line on stderr."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tmrag.config import Settings
from tmrag.web.hosts import allowed_hosts, host_name

from .edge import client, error, tiny_settings


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_settings(tmp_path_factory.mktemp("hosts"))


@pytest.mark.parametrize("bind", ["127.0.0.1", "localhost", "::1"])
def test_on_a_loopback_bind_only_loopback_names_are_answered(settings: Settings, bind: str) -> None:
    c = client(settings, bind_host=bind)
    for host in ("localhost", "localhost:8000", "127.0.0.1", "127.0.0.1:8000", "[::1]:8000", "[::1]", "LOCALHOST"):
        assert c.get("/healthz", headers={"host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil.example", ""):
        resp = c.post("/ask", json={"question": "kv"}, headers={"host": host})
        assert "localhost" in error(resp, 421, "invalid_host")["error"]["message"], host
        assert resp.headers["x-frame-options"] == "DENY" and resp.headers["x-request-id"]
    assert c.get("/healthz", headers={"host": "evil.example"}).status_code == 421  # every route, health too


def test_on_another_bind_any_host_is_answered(settings: Settings) -> None:
    c = client(settings, bind_host="0.0.0.0")
    assert c.get("/healthz", headers={"host": "notes.example.org"}).status_code == 200


def test_allowed_hosts_overrides_the_default(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMRAG_ALLOWED_HOSTS", "notes.example.org, 10.0.0.5")
    configured = Settings().allowed_hosts
    assert configured == ["notes.example.org", "10.0.0.5"]
    c = client(settings.model_copy(update={"allowed_hosts": configured}), bind_host="0.0.0.0")
    assert c.get("/healthz", headers={"host": "notes.example.org:443"}).status_code == 200
    assert c.get("/healthz", headers={"host": "10.0.0.5"}).status_code == 200
    error(c.get("/healthz", headers={"host": "localhost"}), 421, "invalid_host")
    anything = client(settings.model_copy(update={"allowed_hosts": ["*"]}), bind_host="127.0.0.1")
    assert anything.get("/healthz", headers={"host": "evil.example"}).status_code == 200


def test_the_in_process_app_without_a_bind_checks_no_host(settings: Settings) -> None:
    assert client(settings).get("/healthz").status_code == 200  # TestClient's Host is "testserver"


@pytest.mark.parametrize(("header", "name"), [("[::1]:8000", "::1"), ("LocalHost:80", "localhost"), ("a.b", "a.b"),
                                              ("::1", "::1"), ("[::1", "[::1")])
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name


def test_allowed_hosts_rules() -> None:
    assert allowed_hosts(None, None) is None
    assert allowed_hosts(None, "0.0.0.0") is None
    assert allowed_hosts(None, "127.0.0.2") == ["127.0.0.1", "127.0.0.2", "::1", "localhost"]
    assert allowed_hosts(["[::1]", "A.example"], "0.0.0.0") == ["::1", "a.example"]


def test_tmrag_serve_refuses_a_foreign_host_and_logs_json_lines(tmp_path: Path) -> None:
    # No corpus: the engine fails to load at once, so no model loads; /healthz still answers.
    proc = subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--host", "127.0.0.1", "--port", "0",
                             "--corpus", str(tmp_path / "no-corpus"), "--out", str(tmp_path / "no-index")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(30, proc.kill)  # a server that never listens fails the test, not hangs it
    watchdog.start()
    try:
        match = re.fullmatch(r"tmrag serving on http://127\.0\.0\.1:(\d+)/\n", proc.stderr.readline())
        assert match
        statuses = {}
        for host in ("evil.example", f"127.0.0.1:{match[1]}"):
            conn = http.client.HTTPConnection("127.0.0.1", int(match[1]), timeout=10)
            conn.request("GET", "/healthz", headers={"Host": host, "X-Request-ID": f"id-{len(statuses)}"})
            resp = conn.getresponse()
            statuses[host] = (resp.status, json.loads(resp.read()), resp.getheader("x-request-id"))
            conn.close()
        lines = [json.loads(proc.stderr.readline()) for _ in range(2)]
    finally:
        watchdog.cancel()
        proc.terminate()
        proc.communicate(timeout=20)
    assert statuses["evil.example"][0] == 421 and statuses["evil.example"][1]["error"]["code"] == "invalid_host"
    assert statuses[f"127.0.0.1:{match[1]}"] == (200, {"status": "ok"}, "id-1")
    assert [(x["request_id"], x["route"], x["status"]) for x in lines] == [("id-0", "/healthz", 421),
                                                                          ("id-1", "/healthz", 200)]
