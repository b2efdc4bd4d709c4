"""The question log's queue: writes happen off the answering thread, a full queue drops and
counts instead of waiting, and a failing database is counted, never raised."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import numpy as np

from tmrag.answer.types import Answer
from tmrag.insights.log import QuestionLog
from tmrag.insights.records import LoggedQuestion, now
from tmrag.insights.store import InsightsStore
from tmrag.query.results import IndexInfo

ANSWER = Answer(answer="Not covered.", abstained=True, coverage="not_covered", missing=[], mode="extractive",
                citations=[], sources=[], evidence=0.2, suggestions=[], unknown_terms=[], unmentioned_terms=[],
                index=IndexInfo(build_id="b1", fingerprint="f", created="2026-12-01T00:00:00+00:00",
                                embedding_model="m", chunks=1), resolved_question="Why?", timings_ms={"total": 7.0})


class BlockedStore(InsightsStore):
    """Writes wait until released: the writer thread is stuck, as on a slow disk."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.release = threading.Event()

    def add_questions(self, rows) -> int:  # noqa: ANN001
        self.release.wait(10)
        return super().add_questions(rows)


def test_entries_are_written_with_their_vector(tmp_path: Path) -> None:
    log = QuestionLog(InsightsStore(tmp_path), maxsize=10, embed=lambda text: np.ones(4) * len(text))
    assert log.submit("why?", ANSWER)
    assert log.flush() and log.written == 1
    (row,) = InsightsStore(tmp_path).questions()
    assert (row.question, row.resolved_question, row.coverage, row.latency_ms, row.build_id) == \
        ("why?", "Why?", "not_covered", 7.0, "b1")
    assert row.vector.tolist() == [4.0] * 4  # the resolved question's embedding, computed on the writer thread


def test_a_full_queue_drops_and_counts_without_blocking(tmp_path: Path) -> None:
    store = BlockedStore(tmp_path)
    log = QuestionLog(store, maxsize=2)
    results = [log.submit(f"q{i}", ANSWER) for i in range(10)]  # would hang here if submit waited
    # The writer took at most one entry off the queue before blocking; two more fit in the queue.
    assert results.count(True) in (2, 3) and log.dropped == results.count(False)
    store.release.set()
    assert log.flush()
    assert log.written == results.count(True) == len(InsightsStore(tmp_path).questions())


def test_a_failing_database_is_counted_not_raised(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the data folder should be")
    log = QuestionLog(InsightsStore(tmp_path / "data"), maxsize=10)
    assert log.submit("q", ANSWER)
    assert log.flush() and log.failed == 1 and log.written == 0


def test_the_writer_applies_retention(tmp_path: Path) -> None:
    store = InsightsStore(tmp_path, retention_days=30)
    old = LoggedQuestion.from_answer("old", ANSWER).model_copy(update={"asked_at": now() - timedelta(days=31)})
    store.add_questions([old])
    log = QuestionLog(store, maxsize=10)
    assert log.submit("new", ANSWER) and log.flush()
    assert [r.question for r in store.questions()] == ["new"]
