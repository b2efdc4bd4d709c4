"""A small corpus with interview questions, worked numbers and glossary terms, indexed with the
fake embedder, and a Study over it with its learner data in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmrag.build.indexer import build_index
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.study.service import Study

from ..fakes import FakeEmbedder, write_corpus

ATTENTION = """
## Overview

Attention lets every token look at every other token. The scores are scaled by the square root of the key width.

## Worked numbers

**Head width for a 4096-wide model:**

- Head width: 4096 / 32 = 128 dimensions per head.
- Setting: a model with many layers and no result here.

## Interview questions

**Q1. Why scale the attention scores by the square root of d?**
Dot products of random vectors grow with the dimension, so unscaled scores get large.
Large scores saturate the softmax and its gradients vanish.

**Q2. What does multi-head attention add over a single head?**
Several heads attend to different positions and subspaces in parallel.
Their outputs are concatenated and projected back to the model width.
"""

CACHE = """
## Overview

The KV cache keeps keys and values of past tokens so decoding does not recompute them.

## Interview questions

**Q1. How big is the KV cache per token?**
Each token stores keys and values for every layer, so the size is 2 times layers times KV heads times head width
times bytes per element.
For Llama-2-7B in fp16 that is 524,288 bytes per token.
"""


def make_corpus(root: Path, attention: str = ATTENTION, cache: str | None = CACHE) -> Path:
    modules = {"attention": attention} | ({"kv-cache": cache} if cache is not None else {})
    glossary = [{"term": "KV cache", "aliases": ["KV"], "definition": "Stored keys and values of past tokens.",
                 "modules": ["kv-cache" if cache is not None else "attention"]}]
    return write_corpus(root, modules, glossary)


def open_study(root: Path, data: Path) -> Study:
    settings = Settings(corpus_dir=root, index_dir=root.parent / "indexes", chunk_tokens=60, data_dir=data)
    embedder = FakeEmbedder()
    build_index(settings, embedder=embedder)
    return Study(Engine.open(settings, embedder=embedder), data)


@pytest.fixture
def study(tmp_path: Path) -> Study:
    return open_study(make_corpus(tmp_path / "corpus"), tmp_path / "data")
