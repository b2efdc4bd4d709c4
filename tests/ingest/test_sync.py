"""`tmrag sync` against a real local HTTP server: conversion, conditional re-sync, removals,
and failures that must leave the corpus byte-identical."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tmrag.cli import main
from tmrag.config import CATEGORIES, Settings
from tmrag.corpus.loading import load_corpus
from tmrag.errors import CorpusError, IngestError
from tmrag.ingest.llmstxt import parse_llms_txt
from tmrag.ingest.state import STATE_FILE
from tmrag.ingest.sync import sync_wiki

from ..fakes import write_corpus
from .wiki_server import Wiki, serve

LLMS = """# Transformer Math
> Tier-1 ML/AI engineering interview prep.

## The Transformer
- [Self-Attention](https://personal-wiki.pages.dev/raw/attention.md): The core of Transformers

## Inference
- [KV Cache & Memory](https://personal-wiki.pages.dev/raw/kv-cache.md): Why generation is memory-bound
- [Sampling & Decoding](https://personal-wiki.pages.dev/raw/sampling.md): Temperature, top-k, top-p

## Optional
- [Full concatenated text](https://personal-wiki.pages.dev/llms-full.txt): All modules in one file.
"""
ATTENTION = """# Self-Attention

## Overview

Attention compares every token with every other, as in [Vaswani et al. 2017](https://arxiv.org/abs/1706.03762).
Multi-query attention [Shazeer 2019] shares one key/value head. See [a blog post](https://example.org/post).

## Code

```python
label = "[Shazeer 2019]"
```
"""
KV_CACHE = """---
number: 23
hook: Why does a 70B model need 40 GB just to remember a conversation?
tags: [inference]
---
# KV Cache & Memory

## Sizing

Each token stores keys and values for every layer [@shazeer-2019].
"""
SAMPLING = """## Temperature

Temperature divides the logits before the softmax; top-p keeps the smallest set above p.
"""


def _wiki() -> Wiki:
    return Wiki(files={"/llms.txt": LLMS.encode(), "/raw/attention.md": ATTENTION.encode(),
                       "/raw/kv-cache.md": KV_CACHE.encode(), "/raw/sampling.md": SAMPLING.encode()})


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    write_corpus(tmp_path / "corpus")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "idx", sync_timeout_s=0.5,
                    sync_retries=1, sync_backoff_s=0.01)


def test_first_sync_converts_the_wiki_into_a_valid_corpus(settings: Settings) -> None:
    wiki = _wiki()
    with serve(wiki) as url:
        report = sync_wiki(settings, url)
    assert (report.added, sorted(report.changed), report.removed) == (["sampling"], ["attention", "kv-cache"], [])
    assert report.written and report.bytes_received == wiki.body_bytes > 0
    corpus = load_corpus(settings.corpus_dir)  # strict: no errors
    att, kv, smp = (corpus.modules[m] for m in ("attention", "kv-cache", "sampling"))
    assert (att.title, att.category, att.summary) == ("Self-Attention", "The Transformer", "The core of Transformers")
    assert "# Self-Attention" not in att.body  # the title lives in the front matter
    assert "every other, as in Vaswani et al. 2017 [@vaswani-2017]." in att.body  # link resolved by its label
    assert "Multi-query attention [@shazeer-2019] shares" in att.body  # bracket label resolved
    assert "[a blog post](https://example.org/post)" in att.body  # not a bibliography entry: kept as a link
    assert 'label = "[Shazeer 2019]"' in att.body  # code untouched
    assert att.sources == ["vaswani-2017", "shazeer-2019"] and att.hook == "A hook?"  # hook from the existing module
    assert att.related == ["kv-cache"]  # from the existing module
    assert (kv.number, kv.category, kv.hook) == (23, "Inference", "Why does a 70B model need 40 GB just to remember "
                                                                  "a conversation?")
    assert (smp.number, smp.hook, smp.sources, smp.related) == (None, None, [], [])
    assert (settings.corpus_dir / STATE_FILE).exists()


def test_resync_of_an_unchanged_wiki_transfers_no_body_bytes(settings: Settings) -> None:
    wiki = _wiki()
    with serve(wiki) as url:
        sync_wiki(settings, url)
        before, sent = _snapshot(settings.corpus_dir), wiki.body_bytes
        t0 = time.perf_counter()
        report = sync_wiki(settings, url)
        seconds = time.perf_counter() - t0
    assert wiki.body_bytes == sent and report.bytes_received == 0
    assert report.not_modified == report.requests == 4  # llms.txt + 3 modules, every one a 304
    assert not report.written and report.unchanged == ["attention", "kv-cache", "sampling"]
    assert seconds < 2.0
    assert _snapshot(settings.corpus_dir) == before


def test_a_changed_module_and_a_removed_one(settings: Settings) -> None:
    wiki = _wiki()
    with serve(wiki) as url:
        sync_wiki(settings, url)
        wiki.files["/raw/sampling.md"] = SAMPLING.replace("Temperature divides", "Temperature scales").encode()
        wiki.files["/llms.txt"] = LLMS.replace("- [KV Cache & Memory](https://personal-wiki.pages.dev/raw/kv-cache.md): "
                                               "Why generation is memory-bound\n", "").encode()
        del wiki.files["/raw/kv-cache.md"]
        report = sync_wiki(settings, url)
    # attention changes too: its related list named the removed module
    assert (report.added, sorted(report.changed), report.removed) == ([], ["attention", "sampling"], ["kv-cache"])
    corpus = load_corpus(settings.corpus_dir)
    assert "kv-cache" not in corpus.modules and corpus.modules["attention"].related == []
    assert all("kv-cache" not in t.modules for t in corpus.glossary)
    assert "Temperature scales" in corpus.modules["sampling"].body


def test_a_module_llms_txt_omits_but_the_wiki_still_serves_is_kept(settings: Settings) -> None:
    wiki = _wiki()
    wiki.files["/llms.txt"] = LLMS.replace("- [KV Cache & Memory](https://personal-wiki.pages.dev/raw/kv-cache.md): "
                                           "Why generation is memory-bound\n", "").encode()
    with serve(wiki) as url:
        report = sync_wiki(settings, url)
    assert "kv-cache" in report.changed and "kv-cache" not in report.removed
    kv = load_corpus(settings.corpus_dir).modules["kv-cache"]
    assert (kv.title, kv.category) == ("Kv Cache", "The Transformer")  # unlisted: the existing module's fields


def test_dry_run_reports_and_writes_nothing(settings: Settings) -> None:
    before = _snapshot(settings.corpus_dir)
    with serve(_wiki()) as url:
        report = sync_wiki(settings, url, dry_run=True)
    assert report.added == ["sampling"] and not report.written
    assert _snapshot(settings.corpus_dir) == before


def test_a_transient_error_is_retried(settings: Settings) -> None:
    wiki = _wiki()
    wiki.fail_times["/raw/sampling.md"] = 1
    with serve(wiki) as url:
        report = sync_wiki(settings, url)
    assert "sampling" in report.added and wiki.requests.count("/raw/sampling.md") == 2


@pytest.mark.parametrize(("breakage", "message"), [
    (lambda w: w.files.pop("/raw/sampling.md"), "raw/sampling.md: HTTP 404"),
    (lambda w: w.hang.add("/raw/sampling.md"), "raw/sampling.md: timed out (tried 2 times)"),
    (lambda w: w.truncate.add("/raw/attention.md"), "raw/attention.md: connection closed before the whole body"),
    (lambda w: w.files.update({"/raw/kv-cache.md": b"## Sizing\n\ncaf\xe9 au lait\n"}), "raw/kv-cache.md:3: not valid UTF-8"),
    (lambda w: w.fail_times.update({"/raw/sampling.md": 99}), "raw/sampling.md: HTTP 500 (tried 2 times)"),
    (lambda w: w.files.pop("/llms.txt"), "llms.txt: HTTP 404"),
], ids=["404", "timeout", "truncated", "non-utf8", "500s", "no-llms-txt"])
def test_a_failing_sync_leaves_the_corpus_byte_identical(settings: Settings, breakage, message: str) -> None:  # noqa: ANN001
    wiki = _wiki()
    with serve(wiki) as url:
        sync_wiki(settings, url)  # a synced corpus with state: the failure comes on the re-sync
        wiki.files["/raw/attention.md"] = ATTENTION.replace("Overview", "Overview of it").encode()  # a change to lose
        before = _snapshot(settings.corpus_dir)
        breakage(wiki)
        with pytest.raises(IngestError, match=message.replace("(", r"\(").replace(")", r"\)")):
            sync_wiki(settings, url)
    assert _snapshot(settings.corpus_dir) == before
    assert not [p for p in settings.corpus_dir.parent.iterdir() if "staging" in p.name]


def test_a_result_that_fails_the_corpus_check_is_not_written(settings: Settings) -> None:
    wiki = _wiki()
    wiki.files["/raw/sampling.md"] = b"## Code\n\n```python\nprint('never closed')\n"
    before = _snapshot(settings.corpus_dir)
    with serve(wiki) as url, pytest.raises(CorpusError) as caught:
        sync_wiki(settings, url)
    assert [str(p) for p in caught.value.problems] == [
        f"{settings.corpus_dir / 'modules' / 'sampling.md'}:14: error: unclosed code fence"]
    assert _snapshot(settings.corpus_dir) == before


def test_a_locally_edited_module_is_fetched_whole_and_replaced(settings: Settings) -> None:
    wiki = _wiki()
    with serve(wiki) as url:
        sync_wiki(settings, url)
        path = settings.corpus_dir / "modules" / "sampling.md"
        synced = path.read_bytes()
        path.write_bytes(synced.replace(b"top-p keeps", b"top-p drops"))
        report = sync_wiki(settings, url)
    assert report.changed == ["sampling"] and report.not_modified == 3  # llms.txt, attention, kv-cache
    assert path.read_bytes() == synced


def test_the_seed_llms_txt_lists_the_wiki_modules_by_category() -> None:
    seed = next(Path("/work/shared/seeds").glob("000_*.txt"), None)
    if seed is None:
        pytest.skip("the seed captures are not on this machine")
    entries = parse_llms_txt(seed.read_text(encoding="utf-8"))
    assert len(entries) == 83 and "model-merging" not in {e.slug for e in entries}  # as the seed README says
    assert list(dict.fromkeys(e.category for e in entries)) == list(CATEGORIES)  # "Optional" is not a module list
    attention = next(e for e in entries if e.slug == "attention")
    assert (attention.title, attention.summary) == ("Self-Attention", "The core of Transformers — derive this on a "
                                                                      "whiteboard")


def test_cli_sync_prints_the_changes_and_translates_errors(settings: Settings, capsys: pytest.CaptureFixture) -> None:
    wiki = _wiki()
    corpus = str(settings.corpus_dir)
    with serve(wiki) as url:
        assert main(["sync", "--from", url, "--corpus", corpus, "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert "would change" in out and "  added       1  sampling\n" in out and "  changed     2  attention, kv-cache\n" in out
        assert main(["sync", "--from", url, "--corpus", corpus]) == 0
        assert "next: `tmrag index`" in capsys.readouterr().out
        wiki.files["/raw/sampling.md"] = b"## Code\n\n```python\nprint('never closed')\n"
        assert main(["sync", "--from", url, "--corpus", corpus]) == 1
        err = capsys.readouterr().err.splitlines()
        assert err[0].endswith("modules/sampling.md:14: error: unclosed code fence")
        assert err[-1].startswith("tmrag: ") and "nothing was written" in err[-1]
        del wiki.files["/raw/sampling.md"]
        assert main(["sync", "--from", url, "--corpus", corpus]) == 1
        assert capsys.readouterr().err == f"tmrag: {url}/raw/sampling.md: HTTP 404 Not Found\n"


def test_sync_into_a_new_folder_creates_a_corpus(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path / "fresh", sync_retries=0)
    with serve(_wiki()) as url:
        report = sync_wiki(settings, url)
    assert sorted(report.added) == ["attention", "kv-cache", "sampling"]
    corpus = load_corpus(settings.corpus_dir)  # no bibliography: no citation resolves, none is broken
    assert corpus.categories == ("The Transformer", "Inference") and corpus.sources == {}
    assert "Each token stores keys and values for every layer \\[@shazeer-2019\\]." in corpus.modules["kv-cache"].body


def test_a_runaway_response_is_cut_off(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from tmrag.ingest import fetch

    monkeypatch.setattr(fetch, "MAX_FILE_BYTES", 1000)
    wiki = _wiki()
    wiki.files["/raw/sampling.md"] = b"## Big\n\n" + b"word " * 1000
    before = _snapshot(settings.corpus_dir)
    with serve(wiki) as url, pytest.raises(IngestError, match=r"raw/sampling\.md: larger than 1,000 bytes"):
        sync_wiki(settings, url)
    assert _snapshot(settings.corpus_dir) == before
