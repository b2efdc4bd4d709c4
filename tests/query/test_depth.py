"""Each retrieval leg goes deep enough to cover a number of distinct documents."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from tmrag.config import Settings
from tmrag.query.retrieval import Retriever


def _retriever(doc_of: list[int], top_n: int, min_docs: int) -> Retriever:
    index = SimpleNamespace(doc_of=np.array(doc_of))
    return Retriever(index, Settings(retrieve_top_n=top_n, retrieve_min_docs=min_docs))  # type: ignore[arg-type]


def test_legs_extend_until_enough_distinct_documents() -> None:
    # Chunk rows 0-9 ranked in order; documents 0,0,0,1,1,2,2,2,3,4: the 4th document first appears at row 8.
    retriever = _retriever([0, 0, 0, 1, 1, 2, 2, 2, 3, 4], top_n=5, min_docs=4)
    hits = retriever.deepen(np.arange(10), np.linspace(1, 0.1, 10))
    assert [r for r, _ in hits] == list(range(9))


def test_depth_never_cuts_below_top_n_and_stops_when_hits_run_out() -> None:
    assert len(_retriever([0, 1, 2, 3, 4, 5, 6], top_n=5, min_docs=2).deepen(np.arange(7), np.ones(7))) == 5
    assert len(_retriever([0] * 8, top_n=5, min_docs=3).deepen(np.arange(8), np.ones(8))) == 8
    assert len(_retriever([0] * 8, top_n=5, min_docs=0).deepen(np.arange(8), np.ones(8))) == 5


def test_a_name_written_with_another_dash_is_mentioned() -> None:
    from tmrag.query.ranking import _dash_free

    assert _dash_free("Young-Daly").search("the Young–Daly rule gives 19.7 minutes")
    assert not _dash_free("Flash-Decoding").search("decoding with FlashAttention")
    assert _dash_free("Llama-2-70B").search("Llama 2 70B uses 64 query heads")  # a dash typed for a space
    assert not _dash_free("Llama-2-70B").search("Llama 2 7B uses 32 query heads")
