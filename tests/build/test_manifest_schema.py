"""A manifest whose hashes verify but whose fields have the wrong type or shape is damage:
refused as IndexCorruptError by every reader, and repaired by a plain `tmrag index`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tmrag.build.indexer import build_index
from tmrag.build.store import IndexStore
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.errors import IndexCorruptError, StaleIndexError


def _set(key: str, value: object) -> Callable[[dict], object]:
    def damage(m: dict) -> dict:
        m[key] = value
        return m
    return damage


def _nested(section: str, key: str, value: object) -> Callable[[dict], object]:
    def damage(m: dict) -> dict:
        m[section][key] = value
        return m
    return damage


def _extra_file(m: dict) -> dict:
    m["files"]["../../outside"] = "0" * 64  # a name that is a path would be read outside the build
    return m


DAMAGE: dict[str, Callable[[dict], object]] = {
    "embedding is a string": _set("embedding", "x"),
    "counts is null": _set("counts", None),
    "documents is a list": _set("documents", []),
    "chunker is a number": _set("chunker", 3),
    "bm25 is null": _set("bm25", None),
    "files is a list": _set("files", []),
    "build_id is a number": _set("build_id", 7),
    "build_id is another folder": _set("build_id", "../elsewhere"),
    "created is missing": lambda m: {k: v for k, v in m.items() if k != "created"},
    "fingerprint is null": _set("fingerprint", None),
    "schema_version is a string": _set("schema_version", "1"),
    "embedding.model is a number": _nested("embedding", "model", 5),
    "counts.chunks is a string": _nested("counts", "chunks", "many"),
    "a document hash is null": lambda m: m["documents"].update({next(iter(m["documents"])): None}) or m,
    "a file name is a path": _extra_file,
    "the manifest is a list": lambda m: [m],
}


def _damage(settings: Settings, how: Callable[[dict], object]) -> str:
    store = IndexStore(settings.index_dir)
    bid = store.current_id()
    path = store.builds / bid / "manifest.json"
    path.write_text(json.dumps(how(json.loads(path.read_text()))))
    return bid


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_wrongly_typed_manifest_is_refused_and_repaired(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                          damage: str) -> None:
    first = build_index(tiny_settings, embedder=fake_embedder)
    _damage(tiny_settings, DAMAGE[damage])
    with pytest.raises(IndexCorruptError, match=r"manifest of index build .*run `tmrag index`"):
        Engine.open(tiny_settings, embedder=fake_embedder)  # what ask, search and serve open
    report = build_index(tiny_settings, embedder=fake_embedder)
    assert not report.up_to_date and report.build_id != first.build_id
    assert "replacing the current build" in report.summary()
    assert Engine.open(tiny_settings, embedder=fake_embedder).index_info.build_id == report.build_id


def test_a_newer_schema_version_is_stale_not_corrupt(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    _damage(tiny_settings, lambda m: {"schema_version": 99, "build_id": m["build_id"]})  # other fields may differ
    with pytest.raises(StaleIndexError, match="index schema 99"):
        Engine.open(tiny_settings, embedder=fake_embedder)


def test_the_manifest_a_build_writes_passes_its_own_schema(tiny_settings: Settings, fake_embedder) -> None:  # noqa: ANN001
    from tmrag.build.manifest import Manifest

    build_index(tiny_settings, embedder=fake_embedder)
    path, manifest = IndexStore(tiny_settings.index_dir).open_current()
    assert Manifest.model_validate(json.loads((Path(path) / "manifest.json").read_text())).build_id == path.name
    assert {"libraries", "embedding_runtime"} <= set(manifest)  # informational fields are kept
