"""Repeated warnings and errors, rate-limited: under abuse the same line (a refused connection,
an invalid request, asyncio's "accept() out of system resource") can repeat thousands of times
a second and fill the disk and the log pipeline. Each distinct message template (logger, level,
format string) passes at most ``LOG_LIMIT`` times per window; the first line let through after
a suppression says how many were dropped. Counting uses the ``limits`` library, as the
per-client request limits do. Access lines (one per request, by design) are not throttled."""

from __future__ import annotations

import logging

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

# 10 lines of one kind in 10 s are enough to see what is happening and how often; the
# suppressed count carries the rest.
LOG_LIMIT = "10/10seconds"
THROTTLED_LOGGERS = ("uvicorn.error", "asyncio", "tmrag.connections")


class RepeatThrottle(logging.Filter):
    def __init__(self, limit: str = LOG_LIMIT) -> None:
        super().__init__()
        self.item = parse(limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.suppressed: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = f"{record.name}|{record.levelno}|{record.msg}"
        if not self.limiter.hit(self.item, key):
            self.suppressed[key] = self.suppressed.get(key, 0) + 1
            return False
        dropped = self.suppressed.pop(key, 0)
        if dropped:
            record.msg = f"{record.msg} ({dropped} more like this suppressed)"
        return True


def install(limit: str = LOG_LIMIT) -> RepeatThrottle:
    """Adds one shared throttle to the loggers that repeat under load (idempotent per logger)."""
    throttle = RepeatThrottle(limit)
    for name in THROTTLED_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RepeatThrottle)]:
            logger.removeFilter(old)
        logger.addFilter(throttle)
    return throttle
