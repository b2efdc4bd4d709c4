"""The opt-in question log: answers are handed to a bounded queue and written by one background
thread, so logging never slows or fails an answer. A full queue drops the entry and counts it;
a failing database (disk full, locked too long) counts the entries it could not write."""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable

import numpy as np

from ..answer.types import Answer
from .records import LoggedQuestion
from .store import InsightsStore

log = logging.getLogger(__name__)
BATCH = 256  # entries per transaction when a burst has queued up: one commit instead of hundreds
PRUNE_EVERY_S = 24 * 3600  # retention is in days: a long-running server re-applies it once a day
CLOSE_TIMEOUT_S = 5.0  # at exit, wait this long for the queue to drain; a stuck disk must not hang shutdown
_STOP = object()


class QuestionLog:
    """``submit`` never blocks. ``embed`` (the engine's cached query encoder) is called on the
    writer thread, so even a cache miss costs the answer nothing."""

    def __init__(self, store: InsightsStore, maxsize: int, embed: Callable[[str], np.ndarray] | None = None) -> None:
        self.store, self.embed = store, embed
        self.queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self.dropped = 0  # queue full
        self.failed = 0  # the database refused the write
        self.written = 0
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._pruned = 0.0

    def submit(self, question: str, answer: Answer, embed: Callable[[str], np.ndarray] | None = None) -> bool:
        """Queues one answered question; False (and counted) when the queue is full."""
        self._ensure_started()
        try:
            self.queue.put_nowait((LoggedQuestion.from_answer(question, answer), embed or self.embed))
        except queue.Full:
            with self._start_lock:  # submit runs on many request threads at once
                self.dropped += 1
            return False
        return True

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tmrag-question-log", daemon=True)
                self._thread.start()
                atexit.register(self.close)

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            while len(batch) < BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in batch)
            self._write([item for item in batch if item is not _STOP])
            for _ in batch:
                self.queue.task_done()
            if stop:
                return

    def _write(self, items: list) -> None:
        rows = []
        for row, embed in items:
            if embed is not None:
                try:
                    row.vector = embed(row.resolved_question)
                except Exception:  # noqa: BLE001 - no vector only means the question is not clustered
                    log.warning("question log: could not embed a question", exc_info=True)
            rows.append(row)
        if not rows:
            return
        try:
            if time.monotonic() - self._pruned > PRUNE_EVERY_S or not self._pruned:
                self.store.prune()  # on the writer thread, like the writes: never on an answer's
                self._pruned = time.monotonic()
            self.written += self.store.add_questions(rows)
        except Exception:  # noqa: BLE001 - the log must never take the server down
            self.failed += len(rows)
            log.warning("question log: could not write %d entries", len(rows), exc_info=True)

    def flush(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Waits until everything queued so far is written (tests, the chat on exit)."""
        if self._thread is None:
            return True
        done = threading.Event()
        threading.Thread(target=lambda: (self.queue.join(), done.set()), daemon=True).start()
        return done.wait(timeout)

    def close(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            return
        try:
            self.queue.put(_STOP, timeout=CLOSE_TIMEOUT_S)
        except queue.Full:
            return
        self._thread.join(CLOSE_TIMEOUT_S)
