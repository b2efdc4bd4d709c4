"""Shared fixtures: small corpora written on the fly, a deterministic fake embedder for
unit tests of single stages (both from fakes.py), and (session-scoped) a real index of the
real corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tmrag.config import Settings

from .fakes import FakeEmbedder, write_corpus

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def tiny_settings(tiny_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "indexes", chunk_tokens=60)


@pytest.fixture(scope="session")
def real_settings() -> Settings:
    """Settings for the real corpus with its index in .cache/test-index (built once, then
    incremental: a no-change rebuild takes about a second)."""
    from tmrag.build.indexer import build_index

    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=ROOT / ".cache" / "test-index")
    build_index(settings)
    return settings


@pytest.fixture(scope="session")
def real_engine(real_settings: Settings):  # noqa: ANN201
    from tmrag.engine import Engine

    return Engine.open(real_settings)
