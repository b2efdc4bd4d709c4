"""The insights store on real SQLite: schema version and migrations, retention, concurrent
writers (threads and processes), and a writer killed mid-stream (WAL) losing nothing committed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from tmrag.errors import ConfigError
from tmrag.insights.records import Feedback, LoggedQuestion, now
from tmrag.insights.store import DB_NAME, SCHEMA_VERSION, InsightsStore

ROOT = Path(__file__).resolve().parents[2]


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


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    """Threads here and another process write at once; every row arrives."""
    threads, per_thread, per_process = 4, 25, 50
    script = (f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r}); from insights.test_store import row; "
              f"from tmrag.insights.store import InsightsStore; s = InsightsStore({str(tmp_path)!r}); "
              f"[s.add_questions([row(f'p{{i}}')]) for i in range({per_process})]")
    proc = subprocess.Popen([sys.executable, "-c", script])
    store = InsightsStore(tmp_path)

    def write(t: int) -> None:
        for i in range(per_thread):
            store.add_feedback(Feedback(question=f"t{t}-{i}", answer="a", rating="up"))

    workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert proc.wait(timeout=60) == 0
    assert len(store.feedback()) == threads * per_thread
    assert len(store.questions()) == per_process


KILL_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from insights.test_store import row
from tmrag.insights.store import InsightsStore
store = InsightsStore({data!r})
i = 0
while True:
    store.add_questions([row(f"q{{i}}-{{j}}") for j in range(10)])
    i += 1
    print(i, flush=True)  # after the commit: this many batches are durable
"""


def test_a_killed_writer_loses_nothing_it_committed(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT.format(tests=str(ROOT / "tests"), data=str(tmp_path))],
                            stdout=subprocess.PIPE, text=True)
    committed, deadline = 0, time.monotonic() + 30
    while committed < 20 and time.monotonic() < deadline:  # let it write a while, then kill it mid-stream
        committed = int(proc.stdout.readline() or committed)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert committed >= 20
    conn = sqlite3.connect(tmp_path / DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count = conn.execute("SELECT count(*) FROM questions").fetchone()[0]
    assert count >= committed * 10 and count % 10 == 0  # whole batches only: no half-written transaction
