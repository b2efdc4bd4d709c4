"""Learner state in SQLite: each learner's FSRS card state, every review, and the cards' history.

WAL journal with synchronous=NORMAL: a committed review survives kill -9 of any process (the WAL
is in the OS's hands once the commit returns); only a power cut can roll back the last commits,
and FULL's fsync per commit cost ~20 ms of /quiz/answer's 50 ms budget on this disk. Every
write is one ``BEGIN IMMEDIATE`` transaction, so concurrent writers (web workers, a CLI session)
queue on SQLite's lock instead of losing an update. The schema carries its version; opening an
older file applies the missing migrations in order, inside one transaction."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .cards import Card, normalise

SAME_PROMPT_JACCARD = 0.5  # word overlap of a reworded question with its old wording, when its answer changed too
BUSY_TIMEOUT_S = 10.0  # a writer waits this long for another's transaction (each takes milliseconds)
MIGRATIONS: list[str] = [
    # 1: schedules and reviews per learner
    """
    CREATE TABLE schedule (learner TEXT NOT NULL, card_id TEXT NOT NULL, state TEXT NOT NULL, due TEXT NOT NULL,
                           PRIMARY KEY (learner, card_id));
    CREATE INDEX schedule_due ON schedule (learner, due);
    CREATE TABLE reviews (id INTEGER PRIMARY KEY, learner TEXT NOT NULL, card_id TEXT NOT NULL, at TEXT NOT NULL,
                          score REAL NOT NULL, rating INTEGER NOT NULL);
    CREATE INDEX reviews_learner ON reviews (learner, card_id, at);
    """,
    # 2: the cards themselves, so an edited card keeps its history and a deleted one leaves the schedule
    """
    CREATE TABLE cards (id TEXT PRIMARY KEY, slot TEXT NOT NULL, content_hash TEXT NOT NULL,
                        retired INTEGER NOT NULL DEFAULT 0, updated TEXT NOT NULL);
    CREATE INDEX cards_slot ON cards (slot);
    CREATE TABLE card_versions (card_id TEXT NOT NULL, content_hash TEXT NOT NULL, prompt TEXT NOT NULL,
                                reference TEXT NOT NULL, first_seen TEXT NOT NULL, PRIMARY KEY (card_id, content_hash));
    CREATE TABLE card_aliases (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL, at TEXT NOT NULL);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Scheduled:
    card_id: str
    state: str  # fsrs.Card as JSON
    due: datetime


@dataclass(frozen=True)
class Review:
    card_id: str
    at: datetime
    score: float


def now() -> datetime:
    return datetime.now(UTC)


class StudyStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
        self.migrate()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, kept open: closing the last connection to a WAL file checkpoints
        and removes the WAL, which cost ~25 ms per request when every call opened its own."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=True)
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        yield db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that holds the write lock from its start: read-modify-write is atomic."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def version(self) -> int:
        with self.connect() as db:
            return _version(db)

    def migrate(self) -> None:
        with self.write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            have = _version(db)
            if have > SCHEMA_VERSION:
                raise RuntimeError(f"{self.path} has study schema {have}; this tmrag knows {SCHEMA_VERSION}")
            for script in MIGRATIONS[have:]:
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))

    def sync(self, cards: list[Card]) -> None:
        """Record the current cards: new ones, edited ones (a new version; id and history kept), a
        new id in the slot of a vanished card with the same reference or a similar prompt (its
        prompt was edited: the history moves to it), and vanished ones (retired: they leave every
        schedule, their reviews stay)."""
        stamp = now().isoformat()
        with self.write() as db:
            known = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, slot, content_hash FROM cards")}
            current = {c.id for c in cards}
            vanished = {slot: cid for cid, (slot, _) in known.items() if cid not in current}
            for c in cards:
                if c.id not in known and (old := vanished.get(c.slot)) and _same_card(db, old, c):
                    del vanished[c.slot]
                    for table in ("schedule", "reviews"):
                        db.execute(f"UPDATE {table} SET card_id = ? WHERE card_id = ?", (c.id, old))  # noqa: S608
                    db.execute("INSERT OR REPLACE INTO card_aliases VALUES (?, ?, ?)", (old, c.id, stamp))
                db.execute("INSERT INTO cards VALUES (?, ?, ?, 0, ?) ON CONFLICT (id) DO UPDATE SET slot = excluded.slot, "
                           "content_hash = excluded.content_hash, retired = 0, updated = excluded.updated "
                           "WHERE cards.content_hash != excluded.content_hash OR cards.retired",
                           (c.id, c.slot, c.content_hash, stamp))
                db.execute("INSERT OR IGNORE INTO card_versions VALUES (?, ?, ?, ?, ?)",
                           (c.id, c.content_hash, c.prompt, c.reference, stamp))
            gone = [cid for cid in known if cid not in current]
            db.executemany("UPDATE cards SET retired = 1, updated = ? WHERE id = ? AND NOT retired",
                           [(stamp, cid) for cid in gone])

    def schedule(self, learner: str) -> list[Scheduled]:
        """The learner's schedule over live cards (a retired card is not due, nor counted)."""
        with self.connect() as db:
            rows = db.execute("SELECT s.card_id, s.state, s.due FROM schedule s JOIN cards c ON c.id = s.card_id "
                              "WHERE s.learner = ? AND NOT c.retired ORDER BY s.due", (learner,)).fetchall()
        return [Scheduled(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    def latest_scores(self, learner: str) -> dict[str, float]:
        """Each live card's most recent score for this learner."""
        with self.connect() as db:
            rows = db.execute("SELECT r.card_id, r.score FROM reviews r JOIN cards c ON c.id = r.card_id "
                              "WHERE r.learner = ? AND NOT c.retired ORDER BY r.at, r.id", (learner,)).fetchall()
        return dict(rows)

    def record(self, learner: str, card_id: str, score: float, rating: int,
               reschedule: Callable[[str | None, datetime], tuple[str, datetime]]) -> datetime:
        """Store one review and the card's next state, computed from the state read inside the same
        transaction (two answers to one card at once are applied one after the other)."""
        at = now()
        with self.write() as db:
            row = db.execute("SELECT state FROM schedule WHERE learner = ? AND card_id = ?", (learner, card_id)).fetchone()
            state, due = reschedule(row[0] if row else None, at)
            db.execute("INSERT OR REPLACE INTO schedule VALUES (?, ?, ?, ?)", (learner, card_id, state, due.isoformat()))
            db.execute("INSERT INTO reviews (learner, card_id, at, score, rating) VALUES (?, ?, ?, ?, ?)",
                       (learner, card_id, at.isoformat(), score, rating))
        return due

    def versions(self, card_id: str) -> list[str]:
        with self.connect() as db:
            return [r[0] for r in db.execute("SELECT content_hash FROM card_versions WHERE card_id = ? "
                                             "ORDER BY first_seen, rowid", (card_id,))]

    def history(self, learner: str, card_id: str) -> list[Review]:
        with self.connect() as db:
            rows = db.execute("SELECT card_id, at, score FROM reviews WHERE learner = ? AND card_id = ? ORDER BY at, id",
                              (learner, card_id)).fetchall()
        return [Review(r[0], datetime.fromisoformat(r[1]), r[2]) for r in rows]


def _same_card(db: sqlite3.Connection, old_id: str, card: Card) -> bool:
    """A reworded prompt, not another card that happens to take the slot (another corpus in the
    same data folder, or a question replaced by a new one)."""
    row = db.execute("SELECT prompt, reference FROM card_versions WHERE card_id = ? ORDER BY first_seen DESC, rowid DESC "
                     "LIMIT 1", (old_id,)).fetchone()
    if row is None:
        return False
    if row[1] == card.reference:
        return True
    before, after = set(normalise(row[0]).split()), set(normalise(card.prompt).split())
    return len(before & after) / max(len(before | after), 1) >= SAME_PROMPT_JACCARD


def _version(db: sqlite3.Connection) -> int:
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").fetchone()
    row = db.execute("SELECT version FROM schema_version").fetchone() if exists else None
    return row[0] if row else 0
