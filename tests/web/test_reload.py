"""A running server picks up a new build by itself, and keeps serving the old one until the
new one has loaded (fake embedder: this is about the swap, not the model)."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from tmrag.build.indexer import build_index
from tmrag.build.store import IndexStore
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.web import deps
from tmrag.web.app import create_app


def _client(settings: Settings, embedder, monkeypatch) -> TestClient:  # noqa: ANN001
    monkeypatch.setattr(deps, "RELOAD_CHECK_S", 0.0)  # look on every request
    app = create_app(settings, engine_factory=lambda s: Engine.open(s, embedder=embedder),
                         load_in_background=False)
    return TestClient(app, raise_server_exceptions=False)


def _ready_build(client: TestClient, want: str, timeout: float = 20.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = client.get("/readyz").json()
        if body.get("index", {}).get("build_id") == want:
            return body
        time.sleep(0.05)
    raise AssertionError(f"never served build {want}: {body}")


def test_a_new_build_is_served_without_a_restart(tiny_settings: Settings, fake_embedder, monkeypatch) -> None:  # noqa: ANN001
    first = build_index(tiny_settings, embedder=fake_embedder)
    client = _client(tiny_settings, fake_embedder, monkeypatch)
    assert client.get("/readyz").json()["index"]["build_id"] == first.build_id
    path = Path(tiny_settings.corpus_dir) / "modules" / "kv-cache.md"
    path.write_text(path.read_text() + "\nThe zephyrine trick halves the cache for every model.\n")
    second = build_index(tiny_settings, embedder=fake_embedder)
    body = _ready_build(client, second.build_id)
    assert body["reload_error"] is None
    answer = client.post("/ask", json={"question": "What does the zephyrine trick do?"}).json()
    assert "zephyrine" in answer["answer"]


def test_a_build_that_fails_to_load_leaves_the_old_one_serving(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                                monkeypatch) -> None:
    first = build_index(tiny_settings, embedder=fake_embedder)
    client = _client(tiny_settings, fake_embedder, monkeypatch)
    store = IndexStore(tiny_settings.index_dir)
    (store.root / "CURRENT").write_text("no-such-build\n")  # a damaged pointer
    deadline = time.time() + 20
    while (body := client.get("/readyz").json()).get("reload_error") is None and time.time() < deadline:
        time.sleep(0.05)
    assert body["index"]["build_id"] == first.build_id and "no-such-build" in body["reload_error"]
    assert client.post("/search", json={"query": "kv cache"}).status_code == 200
