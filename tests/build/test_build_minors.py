"""Two build-side faults an operator sees: a read-only embedding cache failing a build that
was already published, and a build without a terminal printing nothing for minutes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tmrag.build import embedding_cache
from tmrag.build.indexer import build_index
from tmrag.build.store import IndexStore
from tmrag.config import Settings
from tmrag.engine import Engine


def _read_only(path: Path, data: object) -> None:
    raise PermissionError(13, "Permission denied", str(path))  # what a read-only cache/ gives a non-root user


def test_a_cache_that_cannot_be_written_is_a_warning_not_a_failure(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_index(tiny_settings, embedder=fake_embedder)
    path = tiny_settings.corpus_dir / "modules" / "kv-cache.md"
    path.write_text(path.read_text().replace("past tokens", "earlier tokens"))
    monkeypatch.setattr(embedding_cache, "atomic_write_bytes", _read_only)
    report = build_index(tiny_settings, embedder=fake_embedder)  # raised after publishing: `tmrag index` exit 1
    assert report.build_id != first.build_id and report.embedded > 0
    assert IndexStore(tiny_settings.index_dir).current_id() == report.build_id
    assert "warning: the embedding cache" in report.summary() and "Permission denied" in report.summary()
    Engine.open(tiny_settings, embedder=fake_embedder)
    monkeypatch.undo()
    assert build_index(tiny_settings, embedder=fake_embedder).up_to_date


def test_a_build_without_a_terminal_logs_its_stages(tiny_settings: Settings, fake_embedder,  # noqa: ANN001
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    report = build_index(tiny_settings, embedder=fake_embedder, progress=False)  # what `tmrag index 2>log` passes
    err = capsys.readouterr().err
    for stage in ("corpus", "chunking", "embedding", "writing", "published"):
        assert f" {stage}: " in err, err
    assert f"{report.chunks} chunks" in err and report.build_id in err
    assert "\r" not in err  # lines, not a redrawn bar


def test_progress_lines_are_rate_limited_per_stage() -> None:
    from tmrag.build.progress import Progress

    now = [0.0]
    out = io.StringIO()
    progress = Progress(stream=out, every_s=5.0, clock=lambda: now[0])
    for _ in progress.iterate(range(1000), "embedding", total=1000, unit="batches"):
        now[0] += 0.02  # 1000 steps over 20 s: one line every 5 s, not one per step
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("embedding: 0/1000 batches") and "1000/1000 batches done in 20.0 s" in lines[-1]
    assert len(lines) == 2 + 3, lines  # start, at 5 s, 10 s and 15 s (20 s is the end line)
    assert all(" embedding: " in line for line in lines)
