"""Test doubles: a small corpus written on the fly and a deterministic fake embedder.

Kept out of conftest.py so tests (and subprocess scripts, which put this folder on sys.path)
can import them as plain names; this module imports nothing from the test package."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from tmrag.build.progress import Progress
from tmrag.build.protocol import TextEmbedder

MODULE = """---
id: {id}
number: {number}
title: {title}
category: {category}
summary: A summary.
hook: A hook?
sources: {sources}
related: {related}
---
{body}"""

ATTENTION_BODY = """
## Overview

Attention lets every token look at every other token. The scores are scaled by the square root of the key width [@vaswani-2017].

## Worked numbers

A 4096-wide model with 32 heads uses heads of width 128. The KV cache stores 2 bytes per fp16 element.

```python
scores = q @ k.T / d ** 0.5
```

$$
a = softmax(QK^T / \\sqrt{d})
$$

| heads | width |
|---|---|
| 32 | 128 |

## Interview questions

**Q1. Why scale by the square root of d?**
Because dot products grow with dimension, which saturates the softmax.
"""

CACHE_BODY = """
## Overview

The KV cache keeps keys and values of past tokens so decoding does not recompute them [@shazeer-2019].

## Sizing

Each token costs two times layers times heads times head width times bytes per element.
"""


def write_corpus(root: Path, modules: dict[str, str] | None = None, glossary: list[dict] | None = None) -> Path:
    """A small valid corpus; ``modules`` maps id -> body (default: attention + kv-cache)."""
    (root / "modules").mkdir(parents=True, exist_ok=True)
    bib = [
        {"id": "vaswani-2017", "kind": "paper", "citation": "Vaswani et al. 2017", "title": None, "year": 2017,
         "url": None, "annotation": "Vaswani et al. 2017 — introduced the Transformer and scaled dot-product attention."},
        {"id": "shazeer-2019", "kind": "paper", "citation": "Shazeer 2019", "title": None, "year": 2019, "url": None,
         "annotation": "Shazeer 2019 — multi-query attention shares one key/value head to shrink the KV cache."},
    ]
    (root / "bibliography.jsonl").write_text("".join(json.dumps(b) + "\n" for b in bib))
    glossary = glossary if glossary is not None else [
        {"term": "KV cache", "aliases": ["key-value cache", "KV"], "definition": "Stored keys and values.",
         "modules": ["kv-cache"]},
        {"term": "Grouped-query attention", "aliases": ["GQA"], "definition": "Shares KV heads across query heads.",
         "modules": ["attention"]},
    ]
    (root / "glossary.jsonl").write_text("".join(json.dumps(g) + "\n" for g in glossary))
    bodies = modules if modules is not None else {"attention": ATTENTION_BODY, "kv-cache": CACHE_BODY}
    for mid, body in bodies.items():
        cited = sorted(set(re.findall(r"\[@([\w.-]+)\]", body)))
        related = [m for m in bodies if m != mid][:1]
        (root / "modules" / f"{mid}.md").write_text(MODULE.format(
            id=mid, number="null", title=mid.replace("-", " ").title(), category="The Transformer",
            sources=json.dumps(cited), related=json.dumps(related), body=body))
    return root


def _bag_of_words(text: str, dimension: int) -> np.ndarray:
    v = np.zeros(dimension, np.float32)
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        v[int(hashlib.md5(w.encode()).hexdigest(), 16) % dimension] += 1.0
    n = np.linalg.norm(v)
    return v / n if n else v


class FakeEmbedder(TextEmbedder):
    """Deterministic bag-of-words vectors: same words → same direction. For unit tests only.

    It implements exactly :class:`TextEmbedder` and nothing more (tests/build/test_protocol.py
    checks this), so code that works with the fake uses only what the real model also offers."""

    name = "fake"
    sha256 = "0" * 64

    @property
    def fingerprint(self) -> str:
        return "fake@0000"

    @property
    def dimension(self) -> int:
        return 32

    @property
    def max_seq_length(self) -> int:
        return 96

    def wordpieces(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text)) + 2

    def wordpieces_many(self, texts: list[str]) -> list[int]:
        return [self.wordpieces(t) for t in texts]

    def prepare_queries(self) -> None:
        return None

    def describe(self, n_texts: int) -> str:
        return "fake"

    def encode_query(self, text: str) -> np.ndarray:
        return _bag_of_words(text, self.dimension)

    def encode_in_context(self, texts: list[str], spans: list[list[tuple[int, int]]],
                          progress: Progress | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
        docs = np.array([_bag_of_words(t, self.dimension) for t in texts], np.float32).reshape(len(texts), self.dimension)
        return docs, [np.array([_bag_of_words(t[a:b], self.dimension) for a, b in s], np.float32).reshape(len(s), self.dimension)
                      for t, s in zip(texts, spans, strict=True)]
