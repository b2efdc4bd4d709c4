"""The interface every stage uses to embed text. The real model (build/embedding.Embedder) and
the test suite's fake both satisfy it; tests/build/test_protocol.py checks the two agree."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from .progress import Progress


@runtime_checkable
class TextEmbedder(Protocol):
    name: str  # the configured model name or path
    sha256: str  # of the weights: part of the fingerprint every build records

    @property
    def fingerprint(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_seq_length(self) -> int: ...

    def wordpieces(self, text: str) -> int: ...

    def wordpieces_many(self, texts: list[str]) -> list[int]: ...

    def prepare_queries(self) -> None:
        """Ready the query runtime (an edit's build never imports the bulk one)."""

    def describe(self, n_texts: int) -> str:
        """Which runtime encodes a batch of this size, for build reports."""

    def encode_query(self, text: str) -> np.ndarray: ...

    def encode_in_context(self, texts: list[str], spans: list[list[tuple[int, int]]],
                          progress: Progress | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
        """A unit vector per text and, from the same forward pass, one per character span
        (``progress``, when given, is told about each batch)."""
