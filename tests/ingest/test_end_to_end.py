"""An imported corpus with its own categories, used everywhere: index, engine, HTTP API, chat
page, OpenAPI and MCP (fake embedder: this is about the corpus flowing through, not the model);
and the same through the real CLI with the real model (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient

from tmrag.build.indexer import build_index
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.errors import InvalidQueryError
from tmrag.ingest.importer import import_notes
from tmrag.ingest.sync import sync_wiki
from tmrag.mcp.server import NotesServer
from tmrag.web.app import create_app

from ..fakes import FakeEmbedder, write_corpus
from .notes_folders import VAULT, write_folder
from .test_sync import _wiki
from .wiki_server import serve

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def imported(tmp_path: Path, fake_embedder: FakeEmbedder) -> tuple[Settings, Engine]:
    import_notes(write_folder(tmp_path / "vault", VAULT), tmp_path / "notes")
    settings = Settings(corpus_dir=tmp_path / "notes", index_dir=tmp_path / "idx", chunk_tokens=60, rate_limit="off")
    build_index(settings, embedder=fake_embedder)
    return settings, Engine.open(settings, embedder=fake_embedder)


def test_engine_filters_by_the_imported_categories(imported: tuple[Settings, Engine]) -> None:
    _settings, engine = imported
    hits = engine.search("keys and values of past tokens", k=5, categories=["Serving"]).results
    assert hits and {h.module_id for h in hits} <= {"kv-cache-notes", "cafe-batching-draft"}
    assert {h.url for h in hits} == {None}  # site.yml: these notes are published nowhere, not on the wiki
    assert engine.ask("What does the cache keep?", categories=["Serving"]).citations
    with pytest.raises(InvalidQueryError, match="choose from \\['Notes', 'Serving'\\]"):
        engine.search("cache", categories=["Inference"])  # one of the wiki's, not this corpus's


def test_http_api_page_and_openapi_use_the_imported_categories(imported: tuple[Settings, Engine],
                                                               fake_embedder: FakeEmbedder) -> None:
    settings, _engine = imported
    app = create_app(settings, engine_factory=lambda s: Engine.open(s, embedder=fake_embedder), load_in_background=False)
    client = TestClient(app)
    ok = client.post("/search", json={"query": "continuous batching", "k": 3, "categories": ["Serving"]})
    assert ok.status_code == 200 and ok.json()["results"][0]["module_id"] == "cafe-batching-draft"
    bad = client.post("/ask", json={"question": "cache", "categories": ["Inference"]})
    assert bad.status_code == 422 and bad.json()["error"] == {
        "code": "invalid_request", "message": "categories: unknown categories ['Inference']"}
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["AskRequest"]["properties"]["categories"]["anyOf"][0]["items"]["enum"] == ["Notes", "Serving"]
    page = client.get("/").text
    assert 'value="Serving"' in page and 'value="Notes"' in page and "The Transformer" not in page
    assert client.get("/modules/kv-cache-notes").status_code == 200
    assert client.post("/ask", json={"question": "What does the cache keep?"}).status_code == 200


def test_mcp_tools_list_and_check_the_imported_categories(imported: tuple[Settings, Engine]) -> None:
    _settings, engine = imported
    server = NotesServer(lambda: engine, engine.corpus.categories)
    tools = {t.name: t for t in anyio.run(server.list_tools)}
    assert tools["search_notes"].input_schema["properties"]["categories"]["anyOf"][0]["items"]["enum"] == [
        "Notes", "Serving"]
    bad = anyio.run(server.call_tool, "search_notes", {"query": "cache", "categories": ["Inference"]})
    assert bad.is_error and bad.structured_content["error"]["code"] == "invalid_request"
    good = anyio.run(server.call_tool, "search_notes", {"query": "cache", "categories": ["Serving"]})
    assert not good.is_error and good.structured_content["results"]
    module = anyio.run(server.call_tool, "read_module", {"module_id": "kv-cache-notes"})
    assert not module.is_error and module.structured_content["url"] is None


def test_a_synced_corpus_indexes_and_answers(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    write_corpus(tmp_path / "corpus")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "idx", chunk_tokens=60)
    with serve(_wiki()) as url:
        sync_wiki(settings, url)
    build_index(settings, embedder=fake_embedder)
    answer = Engine.open(settings, embedder=fake_embedder).ask("What does temperature do to the logits?")
    assert any(c.module_id == "sampling" for c in answer.citations)


@pytest.mark.slow
def test_cli_import_index_search_ask_with_the_real_model(tmp_path: Path) -> None:
    vault = write_folder(tmp_path / "vault", VAULT)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    def tmrag(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "tmrag", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    tmrag("import", str(vault), "--into", "notes")
    tmrag("index", "--corpus", "notes", "--out", "idx")
    found = json.loads(tmrag("search", "--corpus", "notes", "--out", "idx", "--category", "Serving", "--json",
                             "how are new requests admitted between decode steps"))
    assert found["results"][0]["module_id"] == "cafe-batching-draft"
    answer = json.loads(tmrag("ask", "--corpus", "notes", "--out", "idx", "--json", "What does the KV cache keep?"))
    assert not answer["abstained"] and answer["citations"][0]["module_id"] == "kv-cache-notes"
