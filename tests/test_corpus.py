"""Loader and validator: one broken fixture per error class, with exact path:line messages."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tmrag.cli import main
from tmrag.corpus import load_corpus
from tmrag.errors import CorpusError
from tmrag.markdown import slugify

from .conftest import ROOT, write_corpus


def problems(root: Path, errors_only: bool = True) -> list[str]:
    corpus = load_corpus(root, strict=False)
    return [str(p) for p in (corpus.errors if errors_only else corpus.problems)]


def test_valid_corpus_loads_with_sections_offsets_and_citations(tiny_corpus: Path) -> None:
    corpus = load_corpus(tiny_corpus)
    m = corpus.modules["attention"]
    assert [s.anchor for s in m.sections] == ["overview", "worked-numbers", "interview-questions"]
    first = m.sections[0]
    assert m.text[first.start : first.end].lstrip().startswith("Attention lets every token")
    sid, offset = m.citations[0]
    assert sid == "vaswani-2017" and m.text[offset : offset + 15] == "[@vaswani-2017]"
    assert not corpus.problems


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [("Worked numbers", "worked-numbers"), ("Q&A — why?", "qa--why"), ("KV cache: 2·L·H", "kv-cache-2lh"),
     ("The `fp16` trap", "the-fp16-trap"), ("Pre-LN vs. Post-LN", "pre-ln-vs-post-ln")],
)
def test_slugify_matches_github_style(heading: str, anchor: str) -> None:
    assert slugify(heading) == anchor


def _edit(root: Path, mid: str, old: str, new: str) -> None:
    path = root / "modules" / f"{mid}.md"
    path.write_text(path.read_text().replace(old, new, 1))


def test_bad_yaml(tiny_corpus: Path) -> None:
    _edit(tiny_corpus, "attention", "summary: A summary.", "summary: [unclosed")
    assert any(p.startswith("corpus/modules/attention.md:") and "bad YAML" in p for p in problems(tiny_corpus))


def test_missing_and_unknown_fields(tiny_corpus: Path) -> None:
    _edit(tiny_corpus, "attention", "hook: A hook?\n", "colour: blue\n")
    found = problems(tiny_corpus)
    assert "corpus/modules/attention.md:2: error: missing field 'hook'" in found
    assert "corpus/modules/attention.md:7: error: unknown field 'colour'" in found


# One edit to the tiny corpus, one exact `file:line: message` it must produce.
@pytest.mark.parametrize(("module", "old", "new", "expected"), [
    pytest.param("attention", "id: attention", "id: attn",
                 "corpus/modules/attention.md:2: error: id 'attn' does not match file name 'attention'", id="id-vs-file-name"),
    pytest.param("attention", "category: The Transformer", "category: Cooking",
                 "corpus/modules/attention.md:5: error: unknown category 'Cooking'", id="unknown-category"),
    pytest.param("kv-cache", "## Sizing", "## Overview",
                 "corpus/modules/kv-cache.md:16: error: duplicate anchor '#overview' (first at line 12)", id="duplicate-anchor"),
    pytest.param("kv-cache", "[@shazeer-2019]", "[@nobody-2020]",
                 "corpus/modules/kv-cache.md:14: error: citation [@nobody-2020] is not in the bibliography",
                 id="citation-not-in-bibliography"),
    pytest.param("kv-cache", 'related: ["attention"]', 'related: ["missing-module"]',
                 "corpus/modules/kv-cache.md:9: error: related module 'missing-module' does not exist",
                 id="related-pointing-nowhere"),
    pytest.param("kv-cache", "## Sizing", "## Sizing\n\n```python\nx = 1",
                 "corpus/modules/kv-cache.md:18: error: unclosed code fence", id="unclosed-code-fence"),
    pytest.param("kv-cache", "## Sizing", "## Sizing\n\n$$\nx = 1",
                 "corpus/modules/kv-cache.md:18: error: unclosed $$ math block", id="unclosed-math-block"),
])
def test_single_edit_is_reported_at_its_line(tiny_corpus: Path, module: str, old: str, new: str, expected: str) -> None:
    _edit(tiny_corpus, module, old, new)
    assert expected in problems(tiny_corpus)


def test_duplicate_module_ids(tiny_corpus: Path) -> None:
    text = (tiny_corpus / "modules" / "attention.md").read_text()
    (tiny_corpus / "modules" / "zz-copy.md").write_text(text)
    found = problems(tiny_corpus)
    assert "corpus/modules/zz-copy.md:2: error: duplicate module id 'attention' (also attention.md)" in found


def test_invalid_utf8(tiny_corpus: Path) -> None:
    path = tiny_corpus / "modules" / "kv-cache.md"
    path.write_bytes(path.read_bytes().replace(b"The KV cache", b"The \xff cache"))
    assert "corpus/modules/kv-cache.md:14: error: invalid UTF-8 (byte " in problems(tiny_corpus)[0]


def test_bad_bibliography_line(tiny_corpus: Path) -> None:
    with (tiny_corpus / "bibliography.jsonl").open("a") as f:
        f.write('{"id": "x", "kind": "paper"\n')
        f.write(json.dumps({"id": "y", "kind": "podcast", "citation": None, "title": None, "year": None,
                            "url": None, "annotation": "a"}) + "\n")
    found = problems(tiny_corpus)
    assert any(p.startswith("corpus/bibliography.jsonl:3: error: bad JSON") for p in found)
    assert "corpus/bibliography.jsonl:4: error: unknown kind 'podcast'" in found


def test_empty_body_is_a_warning_not_an_error(tiny_corpus: Path) -> None:
    write_corpus(tiny_corpus, {"attention": "\n", "kv-cache": "\n## A\n\nText [@shazeer-2019].\n"})
    corpus = load_corpus(tiny_corpus, strict=False)
    assert not corpus.errors
    assert "corpus/modules/attention.md:11: warning: body is empty: not written yet" in [str(p) for p in corpus.problems]


def test_strict_load_raises_with_all_problems(tiny_corpus: Path) -> None:
    _edit(tiny_corpus, "attention", "category: The Transformer", "category: Cooking")
    with pytest.raises(CorpusError) as err:
        load_corpus(tiny_corpus)
    assert len(err.value.problems) == 1


def test_cli_check_exit_codes(tiny_corpus: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["corpus", "check", "--corpus", str(tiny_corpus)]) == 0
    _edit(tiny_corpus, "attention", "category: The Transformer", "category: Cooking")
    assert main(["corpus", "check", "--corpus", str(tiny_corpus)]) == 1
    assert "unknown category 'Cooking'" in capsys.readouterr().out


def test_real_corpus_is_valid_and_complete() -> None:
    corpus = load_corpus(ROOT / "corpus")
    assert len(corpus.modules) == 84 and not corpus.errors
    # The seed capture holds 307 of the 345 entries its header declares (see docs/decisions.md).
    assert len(corpus.sources) == 307
    assert Counter(s.kind for s in corpus.sources.values()) == {
        "paper": 129, "blog": 28, "video": 12, "code": 15, "industry": 24, "other": 99}
    assert len(corpus.glossary) >= 150
    assert {m.category for m in corpus.modules.values()} >= {"The Transformer", "Design Reviews"}
    assert corpus.modules["model-merging"].category == "Training"


def test_real_corpus_stats(capsys: pytest.CaptureFixture) -> None:
    assert main(["corpus", "stats", "--corpus", str(ROOT / "corpus"), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["modules_total"] == 84 and stats["modules_complete"] == 84
    assert stats["words_min"] >= 1000 and stats["words_median"] >= 1300
    assert stats["sources_uncited"] <= 10
