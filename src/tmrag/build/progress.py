"""Build progress on stderr, so a slow build never looks hung.

On a terminal, a tqdm bar for the long loop (embedding). Anywhere else (a log file, CI, a
container), plain lines: one when a stage starts and ends, and within a long stage at most one
every ``every_s`` seconds, so a log shows the build is alive without a line per batch."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

EVERY_S = 5.0  # a line this often shows a slow stage is alive; more would flood a CI log

T = TypeVar("T")


class Progress:
    def __init__(self, bar: bool = False, stream: TextIO | None = None, every_s: float = EVERY_S,
                 clock: Callable[[], float] = time.monotonic, task: str = "index") -> None:
        self.bar, self.every_s, self.clock, self.task = bar, every_s, clock, task
        self._stream = stream  # None: sys.stderr as it is when a line is written (tests capture it)

    def note(self, stage: str, message: str) -> None:
        """One line about a stage; on a terminal the bar is enough."""
        if self.bar:
            return
        stream = self._stream or sys.stderr
        stream.write(f"{time.strftime('%H:%M:%S')} {self.task} {stage}: {message}\n")
        stream.flush()

    def iterate(self, items: Iterable[T], stage: str, total: int, unit: str) -> Iterator[T]:
        if self.bar:
            from tqdm import tqdm

            yield from tqdm(items, desc=stage, total=total, unit=unit)
            return
        start = last = self.clock()
        done = 0
        self.note(stage, f"0/{total} {unit}")
        for item in items:
            yield item
            done += 1
            now = self.clock()
            if now - last >= self.every_s and done < total:
                last = now
                self.note(stage, f"{done}/{total} {unit} ({100 * done / max(total, 1):.0f}%, {now - start:.0f} s)")
        self.note(stage, f"{done}/{total} {unit} done in {self.clock() - start:.1f} s")
