"""Replicas sharing one index folder (docker-compose.yml's setup, with the fake embedder): each
serves the build alone, with no corpus of its own, and each picks up a build the indexer publishes."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from tmrag.build.indexer import build_index
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.web import deps
from tmrag.web.app import create_app

REPLICAS = 3  # as in docker-compose.yml


def test_replicas_without_a_corpus_all_pick_up_a_new_build(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                            monkeypatch) -> None:
    monkeypatch.setattr(deps, "RELOAD_CHECK_S", 0.0)  # look for a new build on every request
    first = build_index(tiny_settings, embedder=fake_embedder)
    replica = tiny_settings.model_copy(update={"corpus_dir": Path("/nonexistent/corpus"), "corpus_source": "build"})
    clients = [TestClient(create_app(replica, engine_factory=lambda s: Engine.open(s, embedder=fake_embedder),
                                     load_in_background=False)) for _ in range(REPLICAS)]
    for client in clients:
        body = client.get("/readyz").json()
        assert body["index"]["build_id"] == first.build_id and body["corpus"]["source"] == "build"
    module = Path(tiny_settings.corpus_dir) / "modules" / "kv-cache.md"
    module.write_text(module.read_text() + "\nThe zephyrine trick halves the cache for every model.\n")
    second = build_index(tiny_settings, embedder=fake_embedder)  # the one-shot indexer
    deadline = time.time() + 20
    for client in clients:
        while client.get("/readyz").json()["index"]["build_id"] != second.build_id and time.time() < deadline:
            time.sleep(0.05)
        assert client.get("/readyz").json()["index"]["build_id"] == second.build_id
        assert "zephyrine" in client.post("/ask", json={"question": "What does the zephyrine trick do?"}).json()["answer"]
