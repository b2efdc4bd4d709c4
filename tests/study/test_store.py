"""The learner store: WAL, schema migrations, concurrent writers, nothing committed lost on kill -9."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from tmrag.study.store import MIGRATIONS, SCHEMA_VERSION, StudyStore

WRITERS, REVIEWS_EACH = 4, 25  # enough overlapping transactions to lose updates if locking were wrong


def _bump(state: str | None, at):  # noqa: ANN001, ANN202 - a counter as the "state": lost updates show
    return str(int(state or 0) + 1), at + timedelta(days=1)


def _write_many(path: str, learner: str) -> None:
    store = StudyStore(Path(path))
    for _ in range(REVIEWS_EACH):
        store.record(learner, "card-a", 0.5, 3, _bump)


def test_wal_and_schema_version(tmp_path: Path) -> None:
    store = StudyStore(tmp_path / "s.sqlite3")
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.version() == SCHEMA_VERSION


def test_an_older_file_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # a version-1 file, as the first release wrote it
        db.executescript(MIGRATIONS[0] + "; CREATE TABLE schema_version (version INTEGER NOT NULL);"
                         "INSERT INTO schema_version VALUES (1);"
                         "INSERT INTO reviews (learner, card_id, at, score, rating) "
                         "VALUES ('ann', 'c', '2026-01-01T00:00:00+00:00', 0.7, 3);")
    store = StudyStore(path)
    assert store.version() == SCHEMA_VERSION == 2
    assert len(store.history("ann", "c")) == 1
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM cards").fetchone()[0] == 0  # the table migration 2 adds


def test_a_newer_file_is_refused(tmp_path: Path) -> None:
    store = StudyStore(tmp_path / "s.sqlite3")
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(RuntimeError, match="schema 99"):
        StudyStore(store.path)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    StudyStore(path)
    # spawned, as `tmrag serve --workers` starts its workers: a forked writer inherits the parent's
    # SQLite state, which SQLite does not support (under load, a fork lost a writer's commits)
    with ProcessPoolExecutor(WRITERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_write_many, [str(path)] * WRITERS, ["ann"] * WRITERS))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM reviews").fetchone()[0] == WRITERS * REVIEWS_EACH
        # every read-modify-write saw the previous one: the counter is exact
        assert db.execute("SELECT state FROM schedule").fetchone()[0] == str(WRITERS * REVIEWS_EACH)


KILL_SCRIPT = """
import sys, time
from datetime import timedelta
from pathlib import Path
from tmrag.study.store import StudyStore
store = StudyStore(Path(sys.argv[1]))
n = 0
while True:
    store.record("ann", "card", 0.5, 3, lambda s, at: (str(int(s or 0) + 1), at + timedelta(days=1)))
    n += 1
    print(n, flush=True)
"""


@pytest.mark.slow  # a subprocess importing tmrag: seconds, not milliseconds
def test_committed_reviews_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    done = 0
    deadline = time.monotonic() + 30
    while done < 20 and time.monotonic() < deadline:  # printed only after its commit returned
        done = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = db.execute("SELECT count(*) FROM reviews").fetchone()[0]
        state = int(db.execute("SELECT state FROM schedule").fetchone()[0])
    assert count >= done and state == count  # every acknowledged review is there, schedule and log agree
