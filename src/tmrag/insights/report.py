"""``tmrag insights``: what readers asked, what the notes lacked, what readers rated down."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from ..errors import ConfigError
from .records import Feedback, LoggedQuestion, now
from .topics import Topic, backlog

SINCE_RE = re.compile(r"(\d{1,5})([hdw])")  # 30d, 12h, 8w; five digits is over a century of weeks
UNITS = {"h": "hours", "d": "days", "w": "weeks"}
TOP_CITED = 15  # modules and sections listed as most cited: the head the owner keeps polished
COVERAGES = ("answered", "partial", "not_covered")


def parse_since(text: str, at: datetime | None = None) -> datetime:
    """``30d`` / ``12h`` / ``8w`` before ``at`` (now), or an ISO date such as ``2026-11-01``."""
    at = at or now()
    m = SINCE_RE.fullmatch(text.strip())
    if m:
        return at - timedelta(**{UNITS[m.group(2)]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--since {text!r}: give a span such as 30d, 12h or 8w, or a date such as 2026-11-01") from None
    return when if when.tzinfo else when.replace(tzinfo=at.tzinfo)


class Count(BaseModel):
    name: str
    count: int


class DayCounts(BaseModel):
    day: date
    answered: int = 0
    partial: int = 0
    not_covered: int = 0


class RatedAnswer(BaseModel):
    question: str
    answer: str
    comment: str
    citations: list[str]
    rated_at: datetime


class Insights(BaseModel):
    since: datetime
    until: datetime
    questions: int
    by_coverage: dict[str, int]
    feedback_up: int
    feedback_down: int
    topics: list[Topic]
    most_cited_modules: list[Count]
    most_cited_sections: list[Count]
    never_cited_modules: list[str]
    down_rated: list[RatedAnswer]
    per_day: list[DayCounts]


def _cited(rows: list[LoggedQuestion]) -> tuple[Counter[str], Counter[str]]:
    """Citations of answers that quoted the notes (an abstention's suggestions are not citations)."""
    modules: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    for r in rows:
        if r.abstained:
            continue
        locations = [loc for loc in r.top_modules if not loc.startswith("source:")]
        modules.update({loc.split("#", 1)[0] for loc in locations})  # a set: an answer counts once per module
        sections.update({loc for loc in locations if "#" in loc})
    return modules, sections


def _top(counts: Counter[str]) -> list[Count]:
    """Most counted first; ties by name, so the same log always gives the same report."""
    return [Count(name=n, count=counts[n]) for n in sorted(counts, key=lambda n: (-counts[n], n))[:TOP_CITED]]


def per_day(rows: list[LoggedQuestion]) -> list[DayCounts]:
    days: dict[date, DayCounts] = {}
    for r in rows:
        day = r.asked_at.date()
        counts = days.setdefault(day, DayCounts(day=day))
        setattr(counts, r.coverage, getattr(counts, r.coverage) + 1)
    return [days[d] for d in sorted(days)]


def down_rated(feedback: list[Feedback]) -> list[RatedAnswer]:
    return [RatedAnswer(question=f.resolved_question or f.question, answer=f.answer, comment=f.comment,
                        citations=f.citations, rated_at=f.rated_at) for f in reversed(feedback) if f.rating == "down"]


def compute(rows: list[LoggedQuestion], feedback: list[Feedback], module_ids: list[str], since: datetime,
            until: datetime | None = None) -> Insights:
    modules, sections = _cited(rows)
    coverage = Counter(r.coverage for r in rows)
    return Insights(
        since=since, until=until or now(), questions=len(rows), by_coverage={c: coverage[c] for c in COVERAGES},
        feedback_up=sum(f.rating == "up" for f in feedback), feedback_down=sum(f.rating == "down" for f in feedback),
        topics=backlog(rows),
        most_cited_modules=_top(modules), most_cited_sections=_top(sections),
        never_cited_modules=sorted(m for m in module_ids if m not in modules),
        down_rated=down_rated(feedback), per_day=per_day(rows))

