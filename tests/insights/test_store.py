"""The insights store on real SQLite: schema version and migrations, retention, concurrent
writers (threads and processes), and a writer killed mid-stream (WAL) losing nothing committed."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from tmrag.errors import ConfigError, StorageError
from tmrag.insights.records import Feedback, LoggedQuestion, now
from tmrag.insights.store import DB_NAME, SCHEMA_VERSION, InsightsStore


def row(question: str = "What is attention?", **kw: object) -> LoggedQuestion:
    fields = {"question": question, "resolved_question": question, "coverage": "not_covered", "abstained": True,
              "top_modules": ["attention#overview"], "evidence": 0.3, "latency_ms": 12.5, "build_id": "b1"}
    return LoggedQuestion(**{**fields, **kw})


def test_reading_creates_nothing_and_first_write_creates_a_versioned_wal_database(tmp_path: Path) -> None:
    store = InsightsStore(tmp_path / "data")
    assert store.questions() == [] and store.feedback() == [] and store.prune() == 0
    assert not (tmp_path / "data").exists()
    vector = np.linspace(-1, 1, 8, dtype=np.float32)
    store.add_questions([row(vector=vector)])
    conn = sqlite3.connect(tmp_path / "data" / DB_NAME)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    (back,) = store.questions()
    assert back.question == "What is attention?" and back.top_modules == ["attention#overview"]
    assert np.array_equal(back.vector, vector) and back.asked_at.tzinfo is not None


def test_a_database_from_a_newer_tmrag_is_refused(tmp_path: Path) -> None:
    InsightsStore(tmp_path).add_feedback(Feedback(question="q", answer="a", rating="up"))
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(ConfigError, match="schema version"):
        InsightsStore(tmp_path).feedback()


def test_retention_deletes_old_rows_and_since_filters(tmp_path: Path) -> None:
    store = InsightsStore(tmp_path, retention_days=30)
    old, recent = now() - timedelta(days=40), now() - timedelta(days=2)
    store.add_questions([row("old", asked_at=old), row("recent", asked_at=recent)])
    store.add_feedback(Feedback(question="old", answer="a", rating="down", rated_at=old))
    assert [r.question for r in store.questions(now() - timedelta(days=1))] == []
    assert store.prune() == 2
    assert [r.question for r in store.questions()] == ["recent"] and store.feedback() == []
    assert InsightsStore(tmp_path, retention_days=0).prune() == 0  # 0 keeps everything


FORK = multiprocessing.get_context("fork")  # a child without re-importing everything: milliseconds, not seconds


def _write_questions(data: Path, n: int) -> None:
    store = InsightsStore(data)
    for i in range(n):
        store.add_questions([row(f"p{i}")])


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    """Threads here and another process write at once; every row arrives."""
    threads, per_thread, per_process = 4, 25, 50
    proc = FORK.Process(target=_write_questions, args=(tmp_path, per_process))
    proc.start()
    store = InsightsStore(tmp_path)

    def write(t: int) -> None:
        for i in range(per_thread):
            store.add_feedback(Feedback(question=f"t{t}-{i}", answer="a", rating="up"))

    workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    proc.join(timeout=60)
    assert proc.exitcode == 0
    assert len(store.feedback()) == threads * per_thread
    assert len(store.questions()) == per_process


def _write_forever(data: Path, batches) -> None:  # noqa: ANN001
    store = InsightsStore(data)
    while True:
        store.add_questions([row(f"q{batches.value}-{j}") for j in range(10)])
        with batches.get_lock():
            batches.value += 1  # after the commit: this many batches are durable


def test_a_killed_writer_loses_nothing_it_committed(tmp_path: Path) -> None:
    batches = FORK.Value("i", 0)
    proc = FORK.Process(target=_write_forever, args=(tmp_path, batches))
    proc.start()
    deadline = time.monotonic() + 30
    while batches.value < 20 and time.monotonic() < deadline:  # let it write a while, then kill it mid-stream
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=10)
    committed = batches.value
    assert committed >= 20
    conn = sqlite3.connect(tmp_path / DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count = conn.execute("SELECT count(*) FROM questions").fetchone()[0]
    assert count >= committed * 10 and count % 10 == 0  # whole batches only: no half-written transaction


def test_an_unwritable_place_is_a_storage_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the data folder should be")
    with pytest.raises(StorageError, match=r"insights database .*data"):
        InsightsStore(tmp_path / "data").add_feedback(Feedback(question="q", answer="a", rating="up"))
