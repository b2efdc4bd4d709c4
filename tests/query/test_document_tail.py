"""The candidate list past its reranked head follows fused document-level scores: it keeps the
head, adds modules the legs never reached, keeps everything the legs found, and is on only for
hybrid retrieval under the passages profile."""

from __future__ import annotations

import numpy as np
import pytest

from tmrag.config import Settings
from tmrag.query.document_tail import DocumentTail, rank_of
from tmrag.query.documents import DocumentEvidence
from tmrag.query.profile import profiled
from tmrag.query.retrieval import Candidate

from .test_passages import _index, _unit


def test_rank_of_is_one_based_best_first_with_ties_in_index_order() -> None:
    assert list(rank_of(np.array([0.2, 0.9, 0.2, 0.5]))) == [3, 1, 4, 2]


def test_the_tail_keeps_the_head_then_lists_unreached_modules_then_the_rest() -> None:
    index = _index()
    tail = DocumentTail(DocumentEvidence(index, 1.5, 0.75, stem=False))
    q = _unit(1, 0.1, 0)
    head = [Candidate(0, 5.0)]  # module a
    rest = [Candidate(1, 1.0), Candidate(3, 0.9), Candidate(4, 0.8)]  # a again, the source, other-0
    out = tail.extend(head, rest, ["optimizer", "warmup"], q, index.best_sentences(q), None)
    rows = [c.row for c in out]
    assert rows[0] == 0
    # rest reaches one module beyond the head (other-0): the tail lists one, the best by document
    # scores, which is module b (row 2: "optimizer warmup", its vector near the question), not a leg's pick
    assert rows[1] == 2
    assert sorted(rows[2:]) == [1, 3, 4] and len(rows) == len(set(rows))  # nothing the legs found is lost
    assert out[1].score < head[-1].score


def test_the_tail_respects_the_category_filter() -> None:
    index = _index()
    tail = DocumentTail(DocumentEvidence(index, 1.5, 0.75, stem=False))
    q = _unit(1, 0.1, 0)
    mask = np.array([True, True, False, True, True, True, True, True])  # module b filtered out
    out = tail.extend([Candidate(0, 5.0)], [Candidate(4, 0.8)], ["optimizer", "warmup"], q,
                      index.best_sentences(q), mask)
    assert 2 not in [c.row for c in out]


@pytest.mark.parametrize(("median_chunks", "expected"), [(1, 20), (22, 0)])
def test_the_tail_is_part_of_the_passages_profile_only(median_chunks: int, expected: int) -> None:
    from types import SimpleNamespace

    chunks = [SimpleNamespace(kind="module", doc_id=f"m{i}") for i in range(3) for _ in range(median_chunks)]
    assert profiled(Settings(), SimpleNamespace(chunks=chunks)).document_tail_after == expected  # type: ignore[arg-type]
    assert profiled(Settings(document_tail_after=5), SimpleNamespace(chunks=chunks)).document_tail_after == 5  # type: ignore[arg-type]


def test_a_corpus_without_modules_keeps_the_fused_order() -> None:
    from types import SimpleNamespace

    from tmrag.build.lexical import LexicalIndex

    chunks = [SimpleNamespace(kind="source", doc_id=f"s{i}", sentences=[0]) for i in range(3)]
    index = SimpleNamespace(chunks=chunks, lexical=LexicalIndex([["a"], ["b"], ["c"]], 1.5, 0.75),
                            chunk_vectors=np.eye(3, dtype=np.float32), sentence_vectors=np.eye(3, dtype=np.float32),
                            sent_rows=[0, 1, 2])
    tail = DocumentTail(DocumentEvidence(index, 1.5, 0.75, stem=False))  # type: ignore[arg-type]
    out = tail.extend([Candidate(0, 1.0)], [Candidate(2, 0.5), Candidate(1, 0.4)], ["a"], _unit(1, 0, 0),
                      np.ones(3, dtype=np.float32), None)
    assert [c.row for c in out] == [0, 2, 1]
