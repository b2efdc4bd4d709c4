"""The report's pieces on hand-made rows: --since parsing, counts by day and coverage, citations
(abstentions' suggestions are not citations), and topics from vectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tmrag.errors import ConfigError
from tmrag.insights.records import Feedback, LoggedQuestion
from tmrag.insights.render import markdown
from tmrag.insights.report import compute, parse_since

AT = datetime(2026, 12, 3, 12, tzinfo=UTC)


def row(question: str, coverage: str, top: list[str], vector: list[float] | None, day: int = 3) -> LoggedQuestion:
    return LoggedQuestion(question=question, resolved_question=question, coverage=coverage,
                          abstained=coverage == "not_covered", top_modules=top, evidence=0.5, latency_ms=10.0,
                          build_id="b", asked_at=datetime(2026, 12, day, 9, tzinfo=UTC),
                          vector=None if vector is None else np.asarray(vector, np.float32))


def test_since_takes_spans_and_dates_and_names_the_mistake() -> None:
    assert parse_since("30d", AT) == AT - timedelta(days=30)
    assert parse_since("12h", AT) == AT - timedelta(hours=12)
    assert parse_since("2w", AT) == AT - timedelta(weeks=2)
    assert parse_since("2026-11-01", AT) == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ConfigError, match="--since 'last month'"):
        parse_since("last month", AT)


def test_compute_counts_citations_days_and_topics() -> None:
    rows = [row("What is attention?", "answered", ["attention#overview", "source:vaswani-2017"], [1, 0, 0]),
            row("Mamba vs attention?", "not_covered", ["attention#overview"], [0, 1, 0], day=2),
            row("How does Mamba scale?", "not_covered", ["attention#scaling"], [0, 0.99, 0.14]),
            row("Hiking in spring?", "partial", ["kv-cache#sizing"], [0, 0, 1])]
    feedback = [Feedback(question="What is attention?", answer="A [1].", rating="down", comment="too short",
                         citations=["attention#overview"]), Feedback(question="q", answer="a", rating="up")]
    r = compute(rows, feedback, ["attention", "kv-cache", "moe"], since=AT - timedelta(days=7), until=AT)
    assert r.by_coverage == {"answered": 1, "partial": 1, "not_covered": 2}
    assert [(d.day.day, d.answered, d.partial, d.not_covered) for d in r.per_day] == [(2, 0, 0, 1), (3, 1, 1, 1)]
    # The abstentions' suggested sections do not count as citations; the partial answer's do.
    assert [(c.name, c.count) for c in r.most_cited_modules] == [("attention", 1), ("kv-cache", 1)]
    assert r.never_cited_modules == ["moe"]
    mamba, hiking = r.topics
    assert (mamba.asked, mamba.not_covered, mamba.nearest_module, mamba.terms[0]) == (2, 2, "attention", "mamba")
    assert (hiking.asked, hiking.partial, hiking.nearest_module) == (1, 1, "kv-cache")
    assert [d.comment for d in r.down_rated] == ["too short"] and (r.feedback_up, r.feedback_down) == (1, 1)
    text = markdown(r)
    assert "**mamba" in text and "too short" in text and "## Never cited (1 modules)" in text
