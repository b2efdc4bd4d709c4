"""A restart with a broken module in the live corpus is not an outage: the last good build is
served from its own corpus snapshot, and /readyz and the log say what is wrong with the corpus.
Fixing the corpus and rebuilding is picked up by the running server's hot reload."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tmrag import engine as engine_module
from tmrag.build.indexer import build_index
from tmrag.build.store import IndexStore
from tmrag.cli import main
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.errors import CorpusError, IndexCorruptError
from tmrag.web import deps
from tmrag.web.app import create_app

BROKEN = "---\nid: kv-cache\ntitle: [unclosed\n---\nbody\n"  # bad YAML in the front matter


def _client(settings: Settings, embedder, monkeypatch) -> TestClient:  # noqa: ANN001
    monkeypatch.setattr(deps, "RELOAD_CHECK_S", 0.0)  # look for a new build on every request
    app = create_app(settings, engine_factory=lambda s: Engine.open(s, embedder=embedder), load_in_background=False)
    return TestClient(app, raise_server_exceptions=False)


def _module(settings: Settings, name: str = "kv-cache") -> Path:
    return Path(settings.corpus_dir) / "modules" / f"{name}.md"


def test_a_broken_module_at_start_up_serves_the_last_good_build(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                                  monkeypatch, caplog) -> None:
    good = build_index(tiny_settings, embedder=fake_embedder)
    _module(tiny_settings).write_text(BROKEN)
    with caplog.at_level(logging.WARNING, logger="tmrag.serving"):
        client = _client(tiny_settings, fake_embedder, monkeypatch)
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and body["index"]["build_id"] == good.build_id and body["reload_error"] is None
    corpus = body["corpus"]
    assert corpus["ok"] is False and corpus["source"] == "build" and corpus["error_count"] == 1
    assert any("kv-cache.md" in e for e in corpus["errors"])
    assert any("kv-cache.md" in r.getMessage() and good.build_id in r.getMessage() for r in caplog.records)
    answer = client.post("/ask", json={"question": "What does the KV cache keep?"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["citations"] and "keys and values" in answer.json()["answer"]
    page = client.get("/modules/kv-cache")  # the module page comes from the build's copy too
    assert page.status_code == 200 and "keys and values" in page.text


def test_a_healthy_corpus_reports_ok_and_the_fix_is_picked_up_by_hot_reload(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                                             monkeypatch) -> None:
    build_index(tiny_settings, embedder=fake_embedder)
    original = _module(tiny_settings).read_text()
    _module(tiny_settings).write_text(BROKEN)
    client = _client(tiny_settings, fake_embedder, monkeypatch)
    assert client.get("/readyz").json()["corpus"]["ok"] is False
    _module(tiny_settings).write_text(original + "\nThe zephyrine trick halves the cache for every model.\n")
    fixed = build_index(tiny_settings, embedder=fake_embedder)
    deadline = time.time() + 20
    while (body := client.get("/readyz").json())["index"]["build_id"] != fixed.build_id and time.time() < deadline:
        time.sleep(0.05)
    assert body["index"]["build_id"] == fixed.build_id
    assert body["corpus"] == {"ok": True, "errors": [], "error_count": 0, "source": "live"}
    assert "zephyrine" in client.post("/ask", json={"question": "What does the zephyrine trick do?"}).json()["answer"]


def test_the_snapshot_is_covered_by_the_manifest_hashes(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    store = IndexStore(tiny_settings.index_dir)
    build = store.builds / store.current_id()
    manifest = json.loads((build / "manifest.json").read_text())
    assert set(manifest["snapshot"]) == {"modules/attention.md", "modules/kv-cache.md", "bibliography.jsonl",
                                         "glossary.jsonl"}
    copy = build / "corpus" / "modules" / "kv-cache.md"
    copy.write_text(copy.read_text().replace("keys and values", "nothing at all"))
    with pytest.raises(IndexCorruptError, match="kv-cache.md"):
        store.open_current()


def test_the_cli_answers_from_the_last_good_build_with_a_warning(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                                 monkeypatch, capsys) -> None:
    good = build_index(tiny_settings, embedder=fake_embedder)
    _module(tiny_settings).write_text(BROKEN)
    monkeypatch.setattr(engine_module, "Embedder", lambda settings: fake_embedder)  # this is about the corpus
    monkeypatch.setenv("TMRAG_CHUNK_TOKENS", str(tiny_settings.chunk_tokens))
    monkeypatch.setenv("TMRAG_RETRIEVAL_PROFILE", tiny_settings.retrieval_profile)
    args = ["--corpus", str(tiny_settings.corpus_dir), "--out", str(tiny_settings.index_dir), "--json"]
    assert main(["ask", "What does the KV cache keep?", *args]) == 0
    out, err = capsys.readouterr()
    assert "keys and values" in json.loads(out)["answer"] and json.loads(out)["index"]["build_id"] == good.build_id
    assert "kv-cache.md:4: error: bad YAML" in err and f"answering from build {good.build_id}" in err


def test_replicas_serve_from_the_build_without_a_corpus(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    good = build_index(tiny_settings, embedder=fake_embedder)
    replica = tiny_settings.model_copy(update={"corpus_dir": tiny_settings.corpus_dir.parent / "absent",
                                               "corpus_source": "build"})
    engine = Engine.open(replica, embedder=fake_embedder)
    assert engine.index_info.build_id == good.build_id and engine.corpus_status.source == "build"
    assert "keys and values" in engine.ask("What does the KV cache keep?").answer


def test_without_a_usable_build_a_broken_corpus_is_still_a_corpus_error(tiny_settings: Settings,  # noqa: ANN001
                                                                        fake_embedder) -> None:
    build_index(tiny_settings, embedder=fake_embedder)
    store = IndexStore(tiny_settings.index_dir)
    manifest_path = store.builds / store.current_id() / "manifest.json"
    manifest_path.write_text(json.dumps(json.loads(manifest_path.read_text()) | {"snapshot": None}))
    _module(tiny_settings).write_text(BROKEN)
    with pytest.raises(CorpusError, match="1 corpus error"):
        Engine.open(tiny_settings, embedder=fake_embedder)


@pytest.mark.parametrize("name", ["modules/../../../etc/passwd.md", "../manifest.json", "/abs.md", "modules/.hidden.md"])
def test_a_snapshot_entry_outside_the_copy_is_a_corrupt_manifest(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                                  name: str) -> None:
    build_index(tiny_settings, embedder=fake_embedder)
    store = IndexStore(tiny_settings.index_dir)
    manifest_path = store.builds / store.current_id() / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps(manifest | {"snapshot": manifest["snapshot"] | {name: "0" * 64}}))
    with pytest.raises(IndexCorruptError, match="snapshot"):
        store.open_current()


def test_tmrag_index_gives_a_build_without_a_copy_one(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    old = build_index(tiny_settings, embedder=fake_embedder)
    store = IndexStore(tiny_settings.index_dir)
    manifest_path = store.builds / old.build_id / "manifest.json"
    manifest_path.write_text(json.dumps({k: v for k, v in json.loads(manifest_path.read_text()).items() if k != "snapshot"}))
    new = build_index(tiny_settings, embedder=fake_embedder)
    assert not new.up_to_date and new.embedded == 0 and store.open_current()[1]["snapshot"]
    assert build_index(tiny_settings, embedder=fake_embedder).up_to_date
