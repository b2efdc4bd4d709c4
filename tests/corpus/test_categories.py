"""A corpus's own category list (categories.yml), where its modules are published (site.yml), and the loader's checks."""

from __future__ import annotations

from pathlib import Path

from tmrag.config import CATEGORIES, WIKI_URL
from tmrag.corpus.categories import CATEGORIES_FILE, load_categories, write_categories
from tmrag.corpus.loading import load_corpus
from tmrag.corpus.site import write_module_url


def test_without_a_file_the_wikis_categories_apply(tiny_corpus: Path) -> None:
    assert load_corpus(tiny_corpus).categories == CATEGORIES


def test_a_corpus_with_its_own_categories(tiny_corpus: Path) -> None:
    write_categories(tiny_corpus, ["The Transformer", "Cooking"])
    path = tiny_corpus / "modules" / "attention.md"
    path.write_text(path.read_text().replace("category: The Transformer", "category: Cooking"))
    corpus = load_corpus(tiny_corpus)
    assert corpus.categories == ("The Transformer", "Cooking") and corpus.modules["attention"].category == "Cooking"
    path.write_text(path.read_text().replace("category: Cooking", "category: Training"))  # one of the nine, not listed
    assert [p.message for p in load_corpus(tiny_corpus, strict=False).errors] == ["unknown category 'Training'"]


def test_a_broken_list_is_one_error_not_one_per_module(tiny_corpus: Path) -> None:
    (tiny_corpus / CATEGORIES_FILE).write_text("- Cooking\n- Cooking\n")
    names, problems = load_categories(tiny_corpus)
    assert names is None and [(p.line, p.message) for p in problems] == [(2, "duplicate category 'Cooking'")]
    errors = load_corpus(tiny_corpus, strict=False).errors
    assert len(errors) == 1 and errors[0].path.endswith(CATEGORIES_FILE)


def test_where_modules_are_published(tiny_corpus: Path) -> None:
    assert load_corpus(tiny_corpus).module_url == WIKI_URL
    write_module_url(tiny_corpus, None)
    assert load_corpus(tiny_corpus).module_url is None
    write_module_url(tiny_corpus, "https://notes.example/m/")
    assert load_corpus(tiny_corpus).module_url == "https://notes.example/m"
    write_module_url(tiny_corpus, "javascript:alert(1)")
    assert [p.message for p in load_corpus(tiny_corpus, strict=False).errors] == [
        "module_url must be an http(s) URL or null, not 'javascript:alert(1)'"]
