"""A served index whose manifest has valid hashes but wrongly typed fields: /readyz and every
route that needs the engine answer 503 ``index_corrupt``, never 500."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tmrag.build.indexer import build_index
from tmrag.build.store import IndexStore
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.web.app import create_app


@pytest.mark.parametrize("field, value", [("embedding", "x"), ("counts", None), ("documents", [])])
def test_a_wrongly_typed_manifest_is_503_index_corrupt(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                       field: str, value: object) -> None:
    build_index(tiny_settings, embedder=fake_embedder)
    store = IndexStore(tiny_settings.index_dir)
    path = store.builds / store.current_id() / "manifest.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {field: value}))
    app = create_app(tiny_settings, engine_factory=lambda s: Engine.open(s, embedder=fake_embedder),
                     load_in_background=False)
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/healthz").status_code == 200
    for resp in (client.get("/readyz"), client.post("/ask", json={"question": "What is a KV cache?"}),
                 client.post("/search", json={"query": "kv cache"})):
        assert resp.status_code == 503, resp.text
        assert resp.json()["error"]["code"] == "index_corrupt" and "run `tmrag index`" in resp.json()["error"]["message"]
