"""Loader and validator: one broken fixture per error class, with exact path:line messages."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tmrag.cli import main
from tmrag.corpus.loading import display_path, load_corpus
from tmrag.corpus.markdown import slugify
from tmrag.errors import CorpusError

from ..conftest import ROOT
from ..fakes import write_corpus


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Problem paths are relative to the working directory, as the user would type them:
    # from tmp_path the tiny corpus reads "corpus/modules/x.md", like the real one from the repo.
    monkeypatch.chdir(tmp_path)


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


@pytest.mark.parametrize(("newline", "bom"), [("\r\n", True), ("\r\n", False), ("\r", False), ("\n", True)])
def test_crlf_and_bom_files_load_exactly_like_lf(tiny_corpus: Path, newline: str, bom: bool) -> None:
    before = load_corpus(tiny_corpus).modules["attention"]
    path = tiny_corpus / "modules" / "attention.md"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + path.read_text().replace("\n", newline).encode())
    corpus = load_corpus(tiny_corpus, strict=False)
    after = corpus.modules["attention"]
    assert not corpus.problems
    # Offsets and the hash are over the normalised text, so spans, quotes and chunks agree.
    assert after.text == before.text and after.body_start == before.body_start
    assert after.sections == before.sections and after.citations == before.citations
    assert after.content_hash == before.content_hash


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('sources: ["shazeer-2019"]', "sources: shazeer-2019", "8: error: sources must be a list of source ids"),
    ('sources: ["shazeer-2019"]', "sources: [1, 2]", "8: error: sources must be a list of source ids"),
    ('related: ["attention"]', "related: attention", "9: error: related must be a list of module ids"),
    ("number: null", "number: three", "3: error: number must be an integer or null"),
    ("number: null", "number: yes", "3: error: number must be an integer or null"),
    ("summary: A summary.", "summary:", "6: error: summary must be a string"),
])
def test_wrong_field_type_is_one_error_at_its_line(tiny_corpus: Path, old: str, new: str, expected: str) -> None:
    _edit(tiny_corpus, "kv-cache", old, new)
    assert problems(tiny_corpus) == [f"corpus/modules/kv-cache.md:{expected}"]


@pytest.mark.parametrize(("content", "expected"), [
    ("---\n- a\n- b\n---\nBody.\n", "2: error: front matter must be a YAML mapping"),
    ("", "1: error: file is empty"),
    ("\n  \n", "1: error: file is empty"),
    ("---\nid: zz\n", "1: error: front matter is not closed by a '---' line"),
    (None, "1: error: cannot read file: "),  # a directory named zz.md
])
def test_malformed_module_file_is_one_error(tiny_corpus: Path, content: str | None, expected: str) -> None:
    path = tiny_corpus / "modules" / "zz.md"
    path.mkdir() if content is None else path.write_text(content)
    found = problems(tiny_corpus)
    assert len(found) == 1 and found[0].startswith(f"corpus/modules/zz.md:{expected}")


def test_front_matter_closed_at_end_of_file_loads(tiny_corpus: Path) -> None:
    path = tiny_corpus / "modules" / "attention.md"
    path.write_text(path.read_text().split("---\n\n")[0] + "---")
    corpus = load_corpus(tiny_corpus, strict=False)
    assert not corpus.errors and corpus.modules["attention"].body == ""


@pytest.mark.parametrize(("entry", "expected"), [
    ({"aliases": "GQA"}, ["aliases must be a list of strings"]),
    ({"modules": "attention"}, ["modules must be a list of module ids"]),
    ({"aliases": ["GQA", 3], "term": None}, ["term must be a string", "aliases must be a list of strings"]),
])
def test_glossary_field_types(tiny_corpus: Path, entry: dict, expected: list[str]) -> None:
    good = {"term": "KV cache", "aliases": ["KV"], "definition": "Stored keys.", "modules": ["kv-cache"]}
    write_corpus(tiny_corpus, glossary=[{**good, "term": "GQA", **entry}, good])
    corpus = load_corpus(tiny_corpus, strict=False)
    assert [str(p) for p in corpus.errors] == [f"corpus/glossary.jsonl:1: error: {m}" for m in expected]
    assert [t.term for t in corpus.glossary] == ["KV cache"]


def test_bibliography_field_types(tiny_corpus: Path) -> None:
    bad = {"id": ["x"], "kind": "paper", "citation": None, "title": None, "year": "2019", "url": None, "annotation": "a"}
    with (tiny_corpus / "bibliography.jsonl").open("a") as f:
        f.write(json.dumps(bad) + "\n")
    assert problems(tiny_corpus) == ["corpus/bibliography.jsonl:3: error: id must be a string",
                                     "corpus/bibliography.jsonl:3: error: year must be an integer or null"]


def _add_bad_byte(path: Path, after: bytes) -> None:
    path.write_bytes(path.read_bytes().replace(after, after + b"\xff", 1))


def test_bad_byte_in_bibliography_costs_one_line(tiny_corpus: Path) -> None:
    _add_bad_byte(tiny_corpus / "bibliography.jsonl", b"multi-query")
    corpus = load_corpus(tiny_corpus, strict=False)
    # The id on the broken line is still readable, so its citations are not "unknown" too.
    assert [str(p) for p in corpus.errors] == ["corpus/bibliography.jsonl:2: error: invalid UTF-8"]
    assert set(corpus.sources) == {"vaswani-2017"}


def test_bad_byte_in_a_bibliography_id_reports_only_that_ids_citations(tiny_corpus: Path) -> None:
    _add_bad_byte(tiny_corpus / "bibliography.jsonl", b'"shazeer-2019')
    assert problems(tiny_corpus) == [
        "corpus/bibliography.jsonl:2: error: invalid UTF-8",
        "corpus/modules/kv-cache.md:14: error: citation [@shazeer-2019] is not in the bibliography",
        "corpus/modules/kv-cache.md:8: error: sources lists unknown id 'shazeer-2019'"]


def test_bad_byte_in_glossary_costs_one_line(tiny_corpus: Path) -> None:
    _add_bad_byte(tiny_corpus / "glossary.jsonl", b"Shares KV")
    corpus = load_corpus(tiny_corpus, strict=False)
    assert [str(p) for p in corpus.errors] == ["corpus/glossary.jsonl:2: error: invalid UTF-8"]
    assert [t.term for t in corpus.glossary] == ["KV cache"]


def test_missing_bibliography_is_one_error(tiny_corpus: Path) -> None:
    (tiny_corpus / "bibliography.jsonl").unlink()
    assert problems(tiny_corpus) == ["corpus/bibliography.jsonl:1: error: file is missing"]


def test_problem_paths_are_as_typed_from_the_working_directory(tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture) -> None:
    _edit(tiny_corpus, "attention", "category: The Transformer", "category: Cooking")
    assert main(["corpus", "check", "--corpus", "corpus"]) == 1
    assert capsys.readouterr().out.startswith("corpus/modules/attention.md:5: error: unknown category")
    (tiny_corpus.parent / "elsewhere").mkdir()
    monkeypatch.chdir(tiny_corpus.parent / "elsewhere")  # the corpus is not under it: absolute paths
    assert problems(tiny_corpus)[0].startswith(f"{tiny_corpus}/modules/attention.md:5:")
    monkeypatch.chdir(ROOT)
    assert display_path(ROOT / "corpus" / "modules" / "attention.md") == "corpus/modules/attention.md"
    assert display_path(Path("corpus/modules/../modules/attention.md")) == "corpus/modules/attention.md"


def test_module_that_fails_to_load_is_not_unknown_elsewhere(tiny_corpus: Path) -> None:
    # attention lists kv-cache in related:, and the glossary names it: neither is reported.
    _edit(tiny_corpus, "kv-cache", "---\nid: kv-cache", "id: kv-cache")
    assert problems(tiny_corpus) == [
        "corpus/modules/kv-cache.md:1: error: missing YAML front matter (file must start with '---')"]


def test_citations_in_code_are_ignored(tiny_corpus: Path) -> None:
    _edit(tiny_corpus, "attention", "## Worked numbers\n", "## Worked numbers\n\nType `[@nobody]` or ``a ` [@nobody-2]``;"
          " `x` then [@vaswani-2017].\n\n~~~md\nSee [@nobody-3].\n~~~\n")
    corpus = load_corpus(tiny_corpus, strict=False)
    assert not corpus.problems
    assert [sid for sid, _ in corpus.modules["attention"].citations] == ["vaswani-2017", "vaswani-2017"]


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
