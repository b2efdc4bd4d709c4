"""Shared fixtures: small corpora written on the fly, a deterministic fake embedder for
unit tests of single stages (both from fakes.py), and (session-scoped) a real index of the
real corpus."""

from __future__ import annotations

import fcntl
import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

from tmrag.config import Settings

from .fakes import FakeEmbedder, write_corpus

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def load_script(name: str) -> ModuleType:
    """A script of scripts/ as a module (they are run as files, not installed)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # what the script defines resolves its own module by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def tiny_settings(tiny_corpus: Path, tmp_path: Path) -> Settings:
    # The tiny corpus stands in for the real notes, whose long modules get the modules profile; its
    # own few-chunk modules would otherwise be read as passages (query/profile.py).
    return Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "indexes", chunk_tokens=60,
                    retrieval_profile="modules")


REAL_INDEX_DIR = ROOT / ".cache" / "test-index"


@contextmanager
def real_index_turn() -> Iterator[None]:
    """Held while building the real index. Each pytest-xdist worker builds it in its own session and
    the index's own lock makes a second concurrent builder fail fast, so workers wait here instead:
    the first builds, the others then find it up to date."""
    REAL_INDEX_DIR.parent.mkdir(parents=True, exist_ok=True)
    with (REAL_INDEX_DIR.parent / "test-index.turn").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # released on close, and by the kernel if the worker dies
        yield


@pytest.fixture(scope="session")
def real_settings() -> Settings:
    """Settings for the real corpus with its index in .cache/test-index (built once, then
    incremental: a no-change rebuild takes about a second)."""
    from tmrag.build.indexer import build_index

    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=REAL_INDEX_DIR)
    with real_index_turn():
        build_index(settings)
    return settings


@pytest.fixture(scope="session")
def real_engine(real_settings: Settings):  # noqa: ANN201
    from tmrag.engine import Engine

    return Engine.open(real_settings)
