"""Each build carries a copy of the corpus it was built from (``builds/<id>/corpus/``), hashed in
the manifest like the index files. So a build is a self-contained, immutable unit: a server
whose live corpus is broken still serves the last good build (and says so), and replicas that
share a build folder need no corpus of their own (``TMRAG_CORPUS_SOURCE=build``)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ..config import Settings
from ..corpus.loading import load_corpus
from ..corpus.model import Corpus
from ..errors import CorpusError, IndexCorruptError, TmragError
from ..files import fsync_dir
from .manifest import SNAPSHOT_DIR
from .store import IndexStore

ERRORS_SHOWN = 20  # corpus problems listed in /readyz and the log; `tmrag corpus check` lists all


class CorpusStatus(BaseModel):
    """What the serving engine found when it loaded: ``ok`` false with the live corpus's errors when
    it did not load (never re-checked until the next load); ``source`` is where served text comes
    from, the live corpus or the build's own copy (``build``; then, by setting, the live one is not read)."""

    ok: bool
    errors: list[str] = []
    error_count: int = 0
    source: Literal["live", "build"] = "live"


@dataclass
class ServingBuild:
    path: Path
    manifest: dict
    corpus: Corpus
    status: CorpusStatus


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return hashlib.sha256(data).hexdigest()


def write_snapshot(build_path: Path, corpus: Corpus, documents: dict[str, str]) -> dict[str, str]:
    """Copy the loaded corpus into the build; returns {path under corpus/: sha256} for the manifest.
    Modules are written as loaded (their content hash is the manifest's document hash); the JSONL
    files are re-read and must still hash as they did when loaded, or the build is refused."""
    root = build_path / SNAPSHOT_DIR
    hashes = {f"modules/{m.path.name}": _write(root / "modules" / m.path.name, m.text.encode("utf-8"))
              for m in corpus.modules.values()}
    for name in ("bibliography.jsonl", "glossary.jsonl"):
        data = (corpus.root / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != documents[name]:
            raise CorpusError(f"{corpus.root / name} changed during the build: run `tmrag index` again")
        hashes[name] = _write(root / name, data)
    fsync_dir(root / "modules")
    fsync_dir(root)
    return hashes


def _build_corpus(path: Path, manifest: dict) -> Corpus:
    if not manifest.get("snapshot"):
        raise IndexCorruptError(f"build {manifest['build_id']} has no corpus copy (built by an older tmrag): "
                                "run `tmrag index`")
    return load_corpus(path / SNAPSHOT_DIR, strict=True)


def _status(exc: CorpusError) -> CorpusStatus:
    errors = [str(p) for p in exc.problems] or [str(exc)]
    return CorpusStatus(ok=False, errors=errors[:ERRORS_SHOWN], error_count=len(errors), source="build")


def open_serving(settings: Settings, store: IndexStore) -> ServingBuild:
    """The current build and the corpus to serve it with: the live corpus when it loads; when it
    does not, the build's own copy (the last good build keeps serving) with the live corpus's
    errors in the status. Without a usable build the corpus error stands, as it always did."""
    if settings.corpus_source == "build":
        path, manifest = store.open_current()
        return ServingBuild(path, manifest, _build_corpus(path, manifest), CorpusStatus(ok=True, source="build"))
    try:
        corpus = load_corpus(settings.corpus_dir, strict=True)
    except CorpusError as exc:
        try:
            path, manifest = store.open_current()
            return ServingBuild(path, manifest, _build_corpus(path, manifest), _status(exc))
        except TmragError:
            raise exc from None
    path, manifest = store.open_current()
    return ServingBuild(path, manifest, corpus, CorpusStatus(ok=True))
