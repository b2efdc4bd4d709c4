"""The owner's loop at the HTTP edge: the insights store and the question log an app writes to,
their counters in /metrics, and the feedback route."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ..config import Settings
from ..insights.log import QuestionLog
from ..insights.store import InsightsStore
from .routes import feedback


class QuestionLogCollector(Collector):
    """The log's counters, read at scrape time; all zero while the log is off."""

    def __init__(self, log: QuestionLog | None) -> None:
        self.log = log

    def collect(self) -> Iterator:
        log = self.log
        yield GaugeMetricFamily("tmrag_question_log_enabled", "1 when TMRAG_LOG_QUESTIONS is on", value=int(log is not None))
        yield CounterMetricFamily("tmrag_question_log_written", "Logged questions written to the insights database",
                                  value=log.written if log else 0)
        yield CounterMetricFamily("tmrag_question_log_dropped", "Logged questions dropped because the write queue was full",
                                  value=log.dropped if log else 0)
        yield CounterMetricFamily("tmrag_question_log_failed", "Logged questions the database refused (disk full, locked)",
                                  value=log.failed if log else 0)
        yield GaugeMetricFamily("tmrag_question_log_queued", "Logged questions waiting for the writer",
                                value=log.queue.qsize() if log else 0)


def install(app: FastAPI, settings: Settings) -> None:
    """Nothing is opened or written until a question is logged or feedback is given."""
    store = InsightsStore(settings.data_dir, settings.log_retention_days)
    app.state.insights_store = store
    app.state.question_log = QuestionLog(store, settings.log_queue_size) if settings.log_questions else None
    app.state.metrics.registry.register(QuestionLogCollector(app.state.question_log))
    app.include_router(feedback.router)
