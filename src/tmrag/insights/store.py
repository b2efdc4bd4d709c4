"""The owner's loop on disk: one SQLite file (``data_dir/insights.sqlite3``) holding the question
log and the feedback, in WAL mode so readers never block the writer and a killed process loses at
most the transaction it had not committed. The schema carries its version; migrations run in
order, each in its own transaction, when a store is opened."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_random_exponential

from ..errors import ConfigError, StorageError
from .records import Feedback, LoggedQuestion, now

DB_NAME = "insights.sqlite3"
BUSY_TIMEOUT_MS = 5000  # another process (tmrag chat, a second server) holding the write lock: wait, don't fail
VECTOR_DTYPE = np.float32  # the engine's query vectors, stored as raw little-endian bytes (never pickle)

# Migration n takes the schema from version n to n + 1. Never edit one that has shipped: append.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        asked_at TEXT NOT NULL,
        question TEXT NOT NULL,
        resolved_question TEXT NOT NULL,
        coverage TEXT NOT NULL,
        abstained INTEGER NOT NULL,
        top_modules TEXT NOT NULL,
        evidence REAL NOT NULL,
        latency_ms REAL NOT NULL,
        build_id TEXT NOT NULL,
        vector BLOB
    );
    CREATE INDEX questions_asked_at ON questions (asked_at);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        rated_at TEXT NOT NULL,
        question TEXT NOT NULL,
        resolved_question TEXT NOT NULL,
        answer TEXT NOT NULL,
        citations TEXT NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
        comment TEXT NOT NULL,
        build_id TEXT NOT NULL
    );
    CREATE INDEX feedback_rated_at ON feedback (rated_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="microseconds")  # fixed width: text order is time order


class InsightsStore:
    """Opens (and creates on first write) the database; every call uses its own short-lived
    connection, so threads and processes can share one store."""

    def __init__(self, data_dir: Path, retention_days: int = 0) -> None:
        self.path = Path(data_dir) / DB_NAME
        self.retention_days = retention_days
        self._migrated = False
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        with self._lock:  # the question log's thread and a feedback write may both open a new file
            if not self._migrated:
                _set_wal(conn)
                migrate(conn)
                self._migrated = True
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a killed process loses nothing committed
        return conn

    def exists(self) -> bool:
        return self.path.exists()

    def add_questions(self, rows: Iterable[LoggedQuestion]) -> int:
        values = [(_iso(r.asked_at), r.question, r.resolved_question, r.coverage, int(r.abstained),
                   json.dumps(r.top_modules), r.evidence, r.latency_ms, r.build_id,
                   None if r.vector is None else np.asarray(r.vector, VECTOR_DTYPE).tobytes()) for r in rows]
        with self._storage(), self._transaction() as conn:
            conn.executemany("INSERT INTO questions (asked_at, question, resolved_question, coverage, abstained, "
                             "top_modules, evidence, latency_ms, build_id, vector) VALUES (?,?,?,?,?,?,?,?,?,?)", values)
        return len(values)

    def add_feedback(self, fb: Feedback) -> None:
        with self._storage(), self._transaction() as conn:
            conn.execute("INSERT INTO feedback (rated_at, question, resolved_question, answer, citations, rating, "
                         "comment, build_id) VALUES (?,?,?,?,?,?,?,?)",
                         (_iso(fb.rated_at), fb.question, fb.resolved_question, fb.answer, json.dumps(fb.citations),
                          fb.rating, fb.comment, fb.build_id))

    def prune(self) -> int:
        """Deletes what is older than the retention setting; the number of rows deleted."""
        if not self.retention_days or not self.exists():
            return 0
        cutoff = _iso(now() - timedelta(days=self.retention_days))
        with self._storage(), self._transaction() as conn:
            deleted = conn.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount
            deleted += conn.execute("DELETE FROM feedback WHERE rated_at < ?", (cutoff,)).rowcount
        return deleted

    def questions(self, since: datetime | None = None) -> list[LoggedQuestion]:
        rows = self._select("SELECT asked_at, question, resolved_question, coverage, abstained, top_modules, evidence, "
                            "latency_ms, build_id, vector FROM questions WHERE asked_at >= ? ORDER BY id", since)
        return [LoggedQuestion(asked_at=datetime.fromisoformat(r[0]), question=r[1], resolved_question=r[2],
                               coverage=r[3], abstained=bool(r[4]), top_modules=json.loads(r[5]), evidence=r[6],
                               latency_ms=r[7], build_id=r[8],
                               vector=None if r[9] is None else np.frombuffer(r[9], VECTOR_DTYPE)) for r in rows]

    def feedback(self, since: datetime | None = None) -> list[Feedback]:
        rows = self._select("SELECT rated_at, question, resolved_question, answer, citations, rating, comment, build_id "
                            "FROM feedback WHERE rated_at >= ? ORDER BY id", since)
        return [Feedback(rated_at=datetime.fromisoformat(r[0]), question=r[1], resolved_question=r[2], answer=r[3],
                         citations=json.loads(r[4]), rating=r[5], comment=r[6], build_id=r[7]) for r in rows]

    def _select(self, sql: str, since: datetime | None) -> list[tuple]:
        if not self.exists():  # reading never creates the file: with the log off and no feedback, nothing is written
            return []
        with self._storage():
            conn = self._connect()
            try:
                return conn.execute(sql, (_iso(since) if since else "",)).fetchall()
            finally:
                conn.close()

    @contextmanager
    def _storage(self) -> Iterator[None]:
        """SQLite and file-system failures as one domain error naming the file (the HTTP edge: a 503)."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"insights database {self.path}: {exc}") from exc

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connect())


@retry(retry=retry_if_exception_type(sqlite3.OperationalError), stop=stop_after_delay(BUSY_TIMEOUT_MS / 1000),
       wait=wait_random_exponential(multiplier=0.01, max=0.2), reraise=True)
def _set_wal(conn: sqlite3.Connection) -> None:
    """WAL mode is kept in the file. Switching a new file to it needs the file to itself, and SQLite
    answers "database is locked" at once, without its busy wait, while another process opens it."""
    conn.execute("PRAGMA journal_mode=WAL")


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error), then close: the write lock is taken up
    front, so two writers wait for each other instead of failing on a lock upgrade."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.conn.close()


def schema_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return row[0] if row else 0


def migrate(conn: sqlite3.Connection) -> int:
    """Brings the database to :data:`SCHEMA_VERSION`; refuses one written by a newer tmrag."""
    conn.execute("BEGIN IMMEDIATE")  # two processes opening a new file at once: one migrates, the other waits
    try:
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise ConfigError(f"insights database has schema version {version}; this tmrag knows up to "
                              f"{SCHEMA_VERSION} (upgrade tmrag, or point TMRAG_DATA_DIR elsewhere)")
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (step + 1,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION
