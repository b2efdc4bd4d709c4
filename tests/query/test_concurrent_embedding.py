"""Query embedding runs concurrently when the runtime allows it (issue 21, item 4): with ONNX
Runtime (thread-safe sessions) two requests embed at the same time; with a runtime that is not
re-entrant (PyTorch) they still take turns."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tmrag.build.indexer import build_index
from tmrag.config import Settings
from tmrag.engine import Engine

from ..fakes import FakeEmbedder

MEET_TIMEOUT_S = 5


class MeetingEmbedder(FakeEmbedder):
    """Each query waits until another query is inside encode_query too: only concurrent calls finish."""

    def __init__(self, concurrent: bool) -> None:
        self.concurrent_queries = concurrent
        self.barrier = threading.Barrier(2, timeout=MEET_TIMEOUT_S)
        self.armed = False

    def encode_query(self, text: str) -> np.ndarray:
        if self.armed:
            self.barrier.wait()
        return super().encode_query(text)


def _two_queries_at_once(engine: Engine, embedder: MeetingEmbedder) -> list[np.ndarray]:
    embedder.armed = True
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(engine.embed_query, ["attention scaling", "kv cache size"]))


def test_a_thread_safe_runtime_embeds_two_queries_at_once(tiny_settings: Settings) -> None:
    build_index(tiny_settings, embedder=FakeEmbedder())
    embedder = MeetingEmbedder(concurrent=True)
    vectors = _two_queries_at_once(Engine.open(tiny_settings, embedder=embedder), embedder)
    assert len(vectors) == 2 and not np.allclose(vectors[0], vectors[1])


def test_a_runtime_that_is_not_reentrant_embeds_one_query_at_a_time(tiny_settings: Settings) -> None:
    build_index(tiny_settings, embedder=FakeEmbedder())
    embedder = MeetingEmbedder(concurrent=False)
    with pytest.raises(threading.BrokenBarrierError):  # the second query waited for the first
        _two_queries_at_once(Engine.open(tiny_settings, embedder=embedder), embedder)


@pytest.mark.slow
def test_the_real_query_runtime_is_onnx_and_declared_concurrent(real_settings: Settings) -> None:
    from tmrag.build.embedding import Embedder

    assert Embedder(real_settings).concurrent_queries
    assert not Embedder(real_settings.model_copy(update={"embed_backend": "torch"})).concurrent_queries
