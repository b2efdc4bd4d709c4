"""`tmrag corpus stats`: the wiki's declared bibliography counts are compared only with the wiki's own bibliography."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tmrag.cli import main
from tmrag.corpus.stats import CAPTURED_KIND_COUNTS, DECLARED_KIND_COUNTS, is_wiki_bibliography

from ..conftest import ROOT


def test_declared_counts_apply_only_to_the_wiki_bibliography_captured_or_completed() -> None:
    assert is_wiki_bibliography(Counter(CAPTURED_KIND_COUNTS)) and is_wiki_bibliography(Counter(DECLARED_KIND_COUNTS))
    assert not is_wiki_bibliography(Counter(paper=2))
    assert not is_wiki_bibliography(Counter({**DECLARED_KIND_COUNTS, "paper": 138}))  # more than the wiki has
    assert not is_wiki_bibliography(Counter({**CAPTURED_KIND_COUNTS, "podcast": 1}))  # a kind the wiki lacks


def test_stats_of_another_corpus_make_no_claim_about_the_wiki(tiny_corpus: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["corpus", "stats", "--corpus", str(tiny_corpus)]) == 0
    out = capsys.readouterr().out
    assert "sources: 2 (by kind: paper 2); cited 2, uncited 0" in out
    assert "declared" not in out and "/137" not in out
    assert main(["corpus", "stats", "--corpus", str(tiny_corpus), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["sources_by_kind"] == {"paper": 2} and stats["sources_declared_by_kind"] is None


def test_stats_of_the_wiki_show_what_the_capture_lacks(capsys: pytest.CaptureFixture) -> None:
    assert main(["corpus", "stats", "--corpus", str(ROOT / "corpus")]) == 0
    assert "captured/declared by kind: paper 129/137, blog 28/35, video 12/15" in capsys.readouterr().out
    assert main(["corpus", "stats", "--corpus", str(ROOT / "corpus"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sources_declared_by_kind"] == DECLARED_KIND_COUNTS
