"""`tmrag insights`, without the printing: read the store, compute the report, write the files
asked for (HTML report, PNG chart, golden candidates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..corpus.loading import load_corpus
from ..files import atomic_write_bytes, atomic_write_text
from .export import candidates, write_candidates
from .render import chart_png, html_report
from .report import Insights, compute, parse_since
from .store import InsightsStore


@dataclass
class InsightsRun:
    report: Insights
    exported: int | None = None  # golden candidates written, when asked
    written: list[Path] = field(default_factory=list)


def run_insights(settings: Settings, since: str, html: Path | None = None, chart: Path | None = None,
                 export_golden: Path | None = None) -> InsightsRun:
    start = parse_since(since)  # a bad --since fails before anything is read
    store = InsightsStore(settings.data_dir, settings.log_retention_days)
    store.prune()
    rows, feedback = store.questions(start), store.feedback(start)
    modules = sorted(load_corpus(settings.corpus_dir, strict=False).modules)
    run = InsightsRun(report=compute(rows, feedback, modules, start))
    if html:
        atomic_write_text(html, html_report(run.report))
        run.written.append(html)
    if chart:
        atomic_write_bytes(chart, chart_png(run.report))
        run.written.append(chart)
    if export_golden:
        items = candidates(rows, feedback)
        write_candidates(export_golden, items)
        run.exported = len(items)
        run.written.append(export_golden)
    return run
