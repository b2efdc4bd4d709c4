"""Index store and incremental builds (fake embedder; the real model is in test_real_model)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from tmrag.build.indexer import build_index
from tmrag.build.store import IndexStore
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.errors import IndexCorruptError, IndexMissingError, StaleIndexError

from ..fakes import ATTENTION_BODY, write_corpus


def _chunk_records(settings: Settings) -> list[dict]:
    path, _ = IndexStore(settings.index_dir).open_current()
    return [json.loads(line) for line in (path / "chunks.jsonl").read_text().splitlines()]


def _chunk_ids(settings: Settings) -> set[str]:
    return {r["id"] for r in _chunk_records(settings)}


def test_first_build_then_no_change_is_skipped(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    first = build_index(tiny_settings, embedder=fake_embedder)
    assert not first.up_to_date and first.embedded == first.chunks > 0 and first.reused == 0
    again = build_index(tiny_settings, embedder=fake_embedder)
    assert again.up_to_date and again.build_id == first.build_id


def test_edit_add_delete_reembed_only_what_changed(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    base = build_index(tiny_settings, embedder=fake_embedder)
    path = tiny_settings.corpus_dir / "modules" / "kv-cache.md"
    path.write_text(path.read_text().replace("past tokens", "earlier tokens"))
    edited = build_index(tiny_settings, embedder=fake_embedder)
    assert (edited.embedded, edited.reused, edited.removed) == (1, base.chunks - 1, 0)

    write_corpus(tiny_settings.corpus_dir, {"attention": ATTENTION_BODY, "kv-cache": "\n## Overview\n\nNew text.\n",
                                            "extra": "\n## Only\n\nAn added module about sampling.\n"})
    added = build_index(tiny_settings, embedder=fake_embedder)
    assert added.embedded == 2 and "extra#only:0" in _chunk_ids(tiny_settings)

    (tiny_settings.corpus_dir / "modules" / "extra.md").unlink()
    deleted = build_index(tiny_settings, embedder=fake_embedder)
    assert deleted.removed == 1 and deleted.embedded == 0
    assert not any(i.startswith("extra#") for i in _chunk_ids(tiny_settings))


def test_reused_chunks_equal_a_fresh_chunking(tiny_settings: Settings, fake_embedder, monkeypatch) -> None:  # noqa: ANN001
    import tmrag.build.chunking as chunking

    build_index(tiny_settings, embedder=fake_embedder)
    path = tiny_settings.corpus_dir / "modules" / "kv-cache.md"
    path.write_text(path.read_text() + "\nOne more sentence about the cache.\n")
    chunked: list[str] = []
    real = chunking.chunk_module
    monkeypatch.setattr(chunking, "chunk_module", lambda m, *a, **kw: chunked.append(m.id) or real(m, *a, **kw))
    build_index(tiny_settings, embedder=fake_embedder)
    assert chunked == ["kv-cache"]  # the unchanged module came from the previous build
    incremental = _chunk_records(tiny_settings)
    build_index(tiny_settings, full=True, embedder=fake_embedder)
    assert _chunk_records(tiny_settings) == incremental and len(chunked) == 3


def test_chunks_are_not_reused_across_chunker_settings(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    before = _chunk_records(tiny_settings)
    smaller = tiny_settings.model_copy(update={"chunk_tokens": 40})
    build_index(smaller, embedder=fake_embedder)
    incremental = _chunk_records(smaller)
    assert len(incremental) > len(before)
    build_index(smaller, full=True, embedder=fake_embedder)
    assert _chunk_records(smaller) == incremental


def test_deleted_module_never_appears_in_results(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    (tiny_settings.corpus_dir / "modules" / "kv-cache.md").unlink()
    path = tiny_settings.corpus_dir / "modules" / "attention.md"
    path.write_text(path.read_text().replace('related: ["kv-cache"]', "related: []"))
    glossary = tiny_settings.corpus_dir / "glossary.jsonl"
    glossary.write_text("")
    with pytest.raises(StaleIndexError, match="deleted since the build: modules/kv-cache"):
        Engine.open(tiny_settings, embedder=fake_embedder)
    build_index(tiny_settings, embedder=fake_embedder)
    engine = Engine.open(tiny_settings, embedder=fake_embedder)
    results = engine.search("KV cache keys and values of past tokens", k=10).model_dump(mode="json")["results"]
    assert results and all(r["module_id"] != "kv-cache" for r in results)


def test_manifest_mismatch_raises_stale(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    other = tiny_settings.model_copy(update={"chunk_tokens": 80})
    with pytest.raises(StaleIndexError, match=r"chunker.chunk_tokens: built with 60, configured 80.*run `tmrag index`"):
        Engine.open(other, embedder=fake_embedder)
    bm25 = tiny_settings.model_copy(update={"bm25_k1": 1.2})
    with pytest.raises(StaleIndexError, match="bm25.k1"):
        Engine.open(bm25, embedder=fake_embedder)


def test_missing_and_tampered_index(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    with pytest.raises(IndexMissingError, match="run `tmrag index`"):
        Engine.open(tiny_settings, embedder=fake_embedder)
    build_index(tiny_settings, embedder=fake_embedder)
    path, _ = IndexStore(tiny_settings.index_dir).open_current()
    with (path / "chunks.jsonl").open("a") as f:
        f.write("\n")
    with pytest.raises(IndexCorruptError, match="chunks.jsonl"):
        Engine.open(tiny_settings, embedder=fake_embedder)


def test_failed_build_leaves_previous_build_current(tiny_settings: Settings, fake_embedder, monkeypatch) -> None:  # noqa: ANN001
    first = build_index(tiny_settings, embedder=fake_embedder)
    path = tiny_settings.corpus_dir / "modules" / "kv-cache.md"
    path.write_text(path.read_text().replace("past tokens", "older tokens"))

    def boom(*_a, **_k) -> None:  # noqa: ANN002, ANN003
        raise RuntimeError("disk full")

    monkeypatch.setattr("tmrag.build.store.IndexStore.publish", boom)
    with pytest.raises(RuntimeError):
        build_index(tiny_settings, embedder=fake_embedder)
    store = IndexStore(tiny_settings.index_dir)
    assert store.current_id() == first.build_id
    store.open_current()  # still loadable and verified


def test_keeps_only_the_last_builds(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    settings = tiny_settings.model_copy(update={"keep_builds": 2})
    path = settings.corpus_dir / "modules" / "kv-cache.md"
    for word in ("one", "two", "three"):
        path.write_text(path.read_text() + f"\nMore {word}.\n")
        build_index(settings, embedder=fake_embedder)
    builds = [p for p in (settings.index_dir / "builds").iterdir() if not p.name.startswith(".")]
    assert len(builds) == 2


KILL_SCRIPT = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from fakes import FakeEmbedder
from tmrag.config import Settings
from tmrag.build.indexer import build_index

class Slow(FakeEmbedder):
    def encode_in_context(self, texts, spans, progress=None):
        Path({flag!r}).write_text("embedding")
        time.sleep(60)
        return super().encode_in_context(texts, spans, progress)

build_index(Settings(corpus_dir={corpus!r}, index_dir={index!r}, chunk_tokens=60), full=True, embedder=Slow())
"""


def test_kill_9_midway_leaves_previous_build_serving(tiny_settings: Settings, fake_embedder, tmp_path: Path) -> None:  # noqa: ANN001
    first = build_index(tiny_settings, embedder=fake_embedder)
    flag = tmp_path / "flag"
    script = KILL_SCRIPT.format(tests=str(Path(__file__).resolve().parents[1]), flag=str(flag),
                                corpus=str(tiny_settings.corpus_dir), index=str(tiny_settings.index_dir))
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], env=os.environ.copy())
    deadline = time.time() + 60
    while not flag.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert flag.exists(), "the build never reached the embedding stage"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    store = IndexStore(tiny_settings.index_dir)
    assert store.current_id() == first.build_id
    Engine.open(tiny_settings, embedder=fake_embedder)  # the old build still verifies and serves
    again = build_index(tiny_settings.model_copy(update={"keep_builds": 1}), full=True, embedder=fake_embedder)
    assert again.build_id != first.build_id


def _cache_dir(settings: Settings) -> Path:
    return next(p for p in IndexStore(settings.index_dir).cache_dir.iterdir() if p.is_dir())


@pytest.mark.parametrize("damage", ["mismatched pair", "truncated vectors", "garbled keys"])
def test_a_damaged_embedding_cache_is_rebuilt_not_trusted(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                          damage: str) -> None:
    first = build_index(tiny_settings, embedder=fake_embedder)
    cache = _cache_dir(tiny_settings)
    old_keys = (cache / "keys.json").read_text()
    path = tiny_settings.corpus_dir / "modules" / "kv-cache.md"
    path.write_text(path.read_text().replace("past tokens", "earlier tokens"))
    if damage == "mismatched pair":  # a crash between the two file writes of the next save
        build_index(tiny_settings, embedder=fake_embedder)
        (cache / "keys.json").write_text(old_keys)
        path.write_text(path.read_text().replace("earlier tokens", "prior tokens"))
    elif damage == "truncated vectors":
        (cache / "vectors.npy").write_bytes((cache / "vectors.npy").read_bytes()[:100])
    else:
        (cache / "keys.json").write_text("{x")
    report = build_index(tiny_settings, embedder=fake_embedder)
    assert report.embedded == first.chunks and "embedding cache" in report.summary()
    full = build_index(tiny_settings, full=True, embedder=fake_embedder)  # --full never reads the cache
    assert full.embedded == first.chunks and "embedding cache" not in full.summary()
    assert build_index(tiny_settings, embedder=fake_embedder).up_to_date


def test_an_empty_corpus_is_refused(tmp_path: Path, fake_embedder) -> None:  # noqa: ANN001
    from tmrag.errors import CorpusError

    corpus = tmp_path / "empty"
    (corpus / "modules").mkdir(parents=True)
    (corpus / "bibliography.jsonl").write_text("")
    (corpus / "glossary.jsonl").write_text("")
    with pytest.raises(CorpusError, match="no module files"):
        build_index(Settings(corpus_dir=corpus, index_dir=tmp_path / "idx"), embedder=fake_embedder)


@pytest.mark.parametrize("damage", ["truncated dense.faiss", "deleted sentences.npy", "garbled manifest",
                                    "manifest without hashes", "binary CURRENT", "CURRENT outside builds"])
def test_plain_index_repairs_a_damaged_build_from_the_cache(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                            damage: str) -> None:
    first = build_index(tiny_settings, embedder=fake_embedder)
    store = IndexStore(tiny_settings.index_dir)
    path = store.builds / first.build_id
    if damage == "truncated dense.faiss":
        (path / "dense.faiss").write_bytes((path / "dense.faiss").read_bytes()[:64])
    elif damage == "deleted sentences.npy":
        (path / "sentences.npy").unlink()
    elif damage == "garbled manifest":
        (path / "manifest.json").write_text('{"schema_version": 1,')
    elif damage == "manifest without hashes":
        manifest = json.loads((path / "manifest.json").read_text())
        del manifest["files"]["dense.faiss"]  # would otherwise skip verifying that file
        (path / "manifest.json").write_text(json.dumps(manifest))
    elif damage == "binary CURRENT":
        (store.root / "CURRENT").write_bytes(b"\xff\xfe\x00")
    else:
        (store.root / "CURRENT").write_text("../../../etc\n")
    with pytest.raises(IndexCorruptError, match="run `tmrag index`"):
        Engine.open(tiny_settings, embedder=fake_embedder)  # a clear refusal, not a traceback
    report = build_index(tiny_settings, embedder=fake_embedder)
    assert not report.up_to_date and report.build_id != first.build_id
    assert report.embedded == 0 and report.reused == first.chunks  # repaired from the embedding cache
    assert "replacing the current build" in report.summary()
    Engine.open(tiny_settings, embedder=fake_embedder)
    assert build_index(tiny_settings, embedder=fake_embedder).up_to_date


def test_a_second_build_on_the_same_folder_fails_fast(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    from tmrag.errors import IndexBusyError

    first = build_index(tiny_settings, embedder=fake_embedder)
    store = IndexStore(tiny_settings.index_dir)
    with store.lock(), pytest.raises(IndexBusyError, match=rf"pid {os.getpid()}.*try again"):
        build_index(tiny_settings, full=True, embedder=fake_embedder)
    assert store.current_id() == first.build_id
    assert build_index(tiny_settings, full=True, embedder=fake_embedder).build_id != first.build_id  # lock released


def test_a_new_sentence_split_of_unchanged_text_is_re_embedded(tmp_path: Path, fake_embedder) -> None:  # noqa: ANN001
    """Sentence vectors are cached by span, not by position: a chunker change that splits the
    same text differently must not get the old split's vectors."""
    from tmrag.build.embedding_cache import EmbeddingCache

    text = "One sentence here. Two sentences there. Three at the end."
    old, new = [(0, 18), (19, 57)], [(0, 39), (40, 57)]  # same count, other boundaries
    cache = EmbeddingCache(tmp_path, "fake", fake_embedder.dimension)
    cache.embed_in_context([text], [old], fake_embedder)
    cache.prune_unused()
    cache.save()
    again = EmbeddingCache(tmp_path, "fake", fake_embedder.dimension)
    _, sents, encoded = again.embed_in_context([text], [new], fake_embedder)
    assert encoded == 1
    expected = fake_embedder.encode_in_context([text], [new])[1][0]
    assert np.allclose(sents, expected)
    again.prune_unused()
    assert sorted(again.keys)[1:] == sorted(f"{again.keys[0]}:{a}-{b}" for a, b in new)  # old spans dropped
