"""`tmrag import`: Obsidian and MkDocs folders into a corpus that passes the loader's check."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tmrag.cli import main
from tmrag.corpus.categories import CATEGORIES_FILE
from tmrag.corpus.loading import load_corpus
from tmrag.errors import IngestError
from tmrag.ingest.importer import import_notes

from ..fakes import write_corpus
from .notes_folders import MKDOCS, VAULT, write_folder


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_an_obsidian_vault_becomes_a_valid_corpus(tmp_path: Path) -> None:
    vault = write_folder(tmp_path / "vault", VAULT)
    report = import_notes(vault, tmp_path / "corpus")
    assert report.added == ["attention-basics", "cafe-batching-draft", "kv-cache-notes"]
    assert report.unresolved_links == {"attention-basics": ["Missing note"]}
    corpus = load_corpus(tmp_path / "corpus")  # strict: no errors
    att, kv, cafe = (corpus.modules[m] for m in ("attention-basics", "kv-cache-notes", "cafe-batching-draft"))
    assert (att.title, att.category, att.related) == ("Attention basics", "Notes", ["kv-cache-notes"])
    assert att.summary == "Attention weighs every token against every other token."
    assert "See [the cache](/modules/kv-cache-notes) and Missing note." in att.body
    assert "diagram.png" not in att.body and "## Scores (2)" in att.body
    assert "Scaling follows [Vaswani et al. 2017]." in att.body  # no bibliography here: left as written
    assert (kv.category, kv.related) == ("Serving", ["attention-basics"])  # the alias Attn resolved
    assert "[Attn › Scores](/modules/attention-basics#scores)" in kv.body
    assert kv.body.rstrip().endswith("```")  # the fence left open is closed where the note ends
    assert (cafe.title, cafe.summary) == ("Café batching (draft)", "Continuous batching admits new requests between "
                                                                   "decode steps.")
    assert corpus.categories == ("Notes", "Serving")
    assert yaml.safe_load((tmp_path / "corpus" / CATEGORIES_FILE).read_text()) == ["Notes", "Serving"]


def test_an_mkdocs_project_imports_its_docs_folder(tmp_path: Path) -> None:
    project = write_folder(tmp_path / "project", MKDOCS)
    report = import_notes(project, tmp_path / "corpus", category="Handbook")
    assert sorted(report.added) == ["guide", "index", "rollback"]  # site/ (the built site) is not read
    corpus = load_corpus(tmp_path / "corpus")
    home = corpus.modules["index"]
    assert (home.title, home.summary, home.category) == ("Team handbook", "How the team ships models.", "Handbook")
    assert corpus.modules["guide"].title == "Deployment guide"
    rollback = corpus.modules["rollback"]
    assert "see the [guide](/modules/guide)." in rollback.body and rollback.related == ["guide"]
    assert corpus.categories == ("Handbook",)


def test_import_into_an_existing_corpus_keeps_it_and_cites_its_bibliography(tmp_path: Path) -> None:
    corpus_dir = write_corpus(tmp_path / "corpus")
    vault = write_folder(tmp_path / "vault", VAULT)
    report = import_notes(vault, corpus_dir, category="Training")  # one of the wiki's nine: no categories.yml
    corpus = load_corpus(corpus_dir)
    assert {"attention", "kv-cache"} < set(corpus.modules) and len(report.added) == 3
    assert not (corpus_dir / CATEGORIES_FILE).exists()
    assert "Scaling follows [@vaswani-2017]." in corpus.modules["attention-basics"].body
    assert corpus.modules["attention-basics"].sources == ["vaswani-2017"]
    again = import_notes(vault, corpus_dir, category="Training")
    assert again.added == again.changed == [] and len(again.unchanged) == 3


def test_a_new_category_extends_the_wiki_list(tmp_path: Path) -> None:
    corpus_dir = write_corpus(tmp_path / "corpus")
    import_notes(write_folder(tmp_path / "vault", VAULT), corpus_dir, category="My notes")
    corpus = load_corpus(corpus_dir)
    assert corpus.categories[-1] == "My notes" and corpus.categories[0] == "The Transformer"


def test_a_note_that_is_not_utf8_fails_and_writes_nothing(tmp_path: Path) -> None:
    corpus_dir = write_corpus(tmp_path / "corpus")
    vault = write_folder(tmp_path / "vault", VAULT)
    (vault / "Bad.md").write_bytes(b"# Bad\n\ncaf\xe9\n")
    before = _snapshot(corpus_dir)
    with pytest.raises(IngestError, match=r"Bad\.md:3: not valid UTF-8"):
        import_notes(vault, corpus_dir)
    assert _snapshot(corpus_dir) == before


def test_duplicate_ids_are_renamed_and_reported(tmp_path: Path) -> None:
    vault = write_folder(tmp_path / "vault", {"A/Plan.md": "# Plan A\n\nOne.\n", "B/plan.md": "# Plan B\n\nTwo.\n"})
    report = import_notes(vault, tmp_path / "corpus")
    assert report.added == ["plan", "plan-2"] and report.renamed == {"B/plan.md": "plan-2"}


def test_cli_import_dry_run_then_import_then_check(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    vault = write_folder(tmp_path / "vault", VAULT)
    target = tmp_path / "corpus"
    assert main(["import", str(vault), "--into", str(target), "--dry-run"]) == 0
    assert "would change" in capsys.readouterr().out and not target.exists()
    assert main(["import", str(vault), "--into", str(target)]) == 0
    out = capsys.readouterr().out
    assert "  added       3  attention-basics, cafe-batching-draft, kv-cache-notes\n" in out
    assert main(["corpus", "check", "--corpus", str(target)]) == 0
    assert main(["import", str(tmp_path / "nowhere"), "--into", str(target)]) == 1
    assert "nowhere: not a folder" in capsys.readouterr().err
    assert main(["import", str(vault), "--into", str(target), "--category", " "]) == 1
    assert "a category is 1-100 characters" in capsys.readouterr().err
