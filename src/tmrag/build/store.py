"""Index store: one directory per build, a manifest written last, and a CURRENT pointer
switched with ``os.replace`` so readers see the old build or the new one, never a mix.

Layout::

    indexes/CURRENT                 -> build id (text)
    indexes/builds/<id>/manifest.json, chunks.jsonl, dense.faiss, sentences.npy, bm25.json
    indexes/builds/<id>/corpus/modules/*.md, bibliography.jsonl, glossary.jsonl  (the corpus it was built from)
    indexes/cache/<model fingerprint>/keys.json, vectors.npy
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import IndexBusyError, IndexCorruptError, IndexMissingError
from ..files import atomic_write_text, fsync_dir, sha256_file
from .manifest import BUILD_ID, DATA_FILES, SNAPSHOT_DIR, Manifest, validate_manifest

BUILD_ID_RE = re.compile(BUILD_ID)


@dataclass
class BuildDir:
    """A build being written. Nothing points at it until :meth:`IndexStore.publish`."""

    path: Path
    build_id: str

    def write_bytes(self, name: str, data: bytes) -> None:
        with (self.path / name).open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


class IndexStore:
    def __init__(self, root: Path, keep: int = 3) -> None:
        self.root = Path(root)
        self.keep = keep

    @property
    def builds(self) -> Path:
        return self.root / "builds"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def pointer(self) -> bytes | None:
        """CURRENT's raw bytes, cheap enough to poll: a change means a new build was published."""
        try:
            return (self.root / "CURRENT").read_bytes()
        except OSError:
            return None

    def current_id(self) -> str | None:
        """The build CURRENT names; a pointer that is not a plain build id is damage, not a path."""
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        try:
            bid = pointer.read_bytes().decode("utf-8").strip()
        except UnicodeDecodeError:
            bid = "<undecodable bytes>"
        if not BUILD_ID_RE.fullmatch(bid):
            raise IndexCorruptError(f"{pointer} does not name a build ({bid[:60]!r}): run `tmrag index`")
        return bid

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One writer per index folder: a second `tmrag index` fails fast instead of racing the first
        (the last publish would win and both would rewrite the embedding cache)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released by the kernel if we die
            except BlockingIOError:
                f.seek(0)
                holder = f.read().strip() or "?"
                raise IndexBusyError(f"another `tmrag index` (pid {holder}) is building {self.root}; "
                                     "try again when it has finished") from None
            f.truncate(0)
            f.write(str(os.getpid()))
            f.flush()
            yield

    def new_build(self) -> BuildDir:
        self.builds.mkdir(parents=True, exist_ok=True)
        # Sortable by name = chronological (microseconds), pid for the partial-folder liveness check.
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}"
        path = self.builds / f".partial-{build_id}"
        path.mkdir()
        return BuildDir(path, build_id)

    def publish(self, build: BuildDir, manifest: dict) -> Path:
        """Manifest last (with file hashes), rename the folder, then switch the pointer."""
        manifest["files"] = {n: sha256_file(build.path / n) for n in DATA_FILES}
        Manifest.model_validate(manifest)  # what is written is what every reader will accept
        build.write_bytes("manifest.json", json.dumps(manifest, indent=2, sort_keys=True).encode())
        fsync_dir(build.path)
        final = self.builds / build.build_id
        os.replace(build.path, final)
        fsync_dir(self.builds)
        atomic_write_text(self.root / "CURRENT", build.build_id + "\n")
        self.prune()
        return final

    def prune(self) -> None:
        """Keep the newest ``keep`` builds (always the current one) and drop partial leftovers."""
        current = self.current_id()
        finished = sorted((p for p in self.builds.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)
        for old in finished[: max(0, len(finished) - self.keep)]:
            if old.name != current:
                shutil.rmtree(old, ignore_errors=True)
        for partial in self.builds.glob(".partial-*"):
            pid = partial.name.rsplit("-", 1)[-1]
            if not pid.isdigit() or not _alive(int(pid)):
                shutil.rmtree(partial, ignore_errors=True)

    def open_current(self) -> tuple[Path, dict]:
        """Return the current build folder and its verified manifest."""
        bid = self.current_id()
        if not bid:
            raise IndexMissingError(f"no index in {self.root}: run `tmrag index`")
        path = self.builds / bid
        manifest = read_manifest(path, bid)
        for name, digest in manifest["files"].items():
            file = path / name
            if not file.is_file() or sha256_file(file) != digest:
                raise IndexCorruptError(f"index file {name} in build {bid} is missing or altered: run `tmrag index`")
        for name, digest in (manifest.get("snapshot") or {}).items():
            file = path / SNAPSHOT_DIR / name
            if not file.is_file() or sha256_file(file) != digest:
                raise IndexCorruptError(f"corpus copy {name} in build {bid} is missing or altered: run `tmrag index`")
        return path, manifest


def read_manifest(path: Path, bid: str) -> dict:
    """A build's manifest, validated against the schema (hashes are checked by the caller)."""
    file = path / "manifest.json"
    if not path.is_dir():
        raise IndexCorruptError(f"CURRENT names build {bid}, which is not in {path.parent}: run `tmrag index`")
    if not file.is_file():
        raise IndexCorruptError(f"index build {bid} has no manifest: run `tmrag index`")
    try:
        manifest = json.loads(file.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"manifest of index build {bid} is not valid JSON ({exc}): run `tmrag index`") from None
    return validate_manifest(manifest, bid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


