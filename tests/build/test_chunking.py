"""Chunker invariants: exact spans, atomic blocks never split, model window respected."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tmrag.build.chunking import chunk_module, cl100k, split_sentences
from tmrag.corpus.loading import load_corpus

from ..fakes import FakeEmbedder, write_corpus

FAKE = FakeEmbedder()


def _chunks(root: Path, budget: int = 40, window: int = 60):  # noqa: ANN202
    corpus = load_corpus(root)
    out = []
    for m in corpus.modules.values():
        out += [(m, c) for c in chunk_module(m, budget, window, cl100k(), FAKE.wordpieces_many)]
    return out


def _atomic_blocks(text: str) -> list[tuple[int, int]]:
    blocks = [(m.start(), m.end()) for m in re.finditer(r"```.*?```", text, re.S)]
    blocks += [(m.start(), m.end()) for m in re.finditer(r"\$\$\n.*?\n\$\$", text, re.S)]
    blocks += [(m.start(), m.end()) for m in re.finditer(r"(?:^\|.*\|\n?)+", text, re.M)]
    return [(a, a + len(text[a:b].rstrip())) for a, b in blocks]


def test_spans_map_back_exactly_and_carry_breadcrumbs(tiny_corpus: Path) -> None:
    for module, chunk in _chunks(tiny_corpus):
        assert module.text[chunk.start : chunk.end] == chunk.text
        assert chunk.breadcrumb.startswith(module.title + " › ")
        assert chunk.breadcrumb not in chunk.text  # breadcrumb is kept apart from the quoted text
        for a, b in chunk.sentences:
            assert chunk.text[a:b].strip() == chunk.text[a:b]


def test_ids_are_stable_and_hashes_change_with_content(tiny_corpus: Path) -> None:
    first = {c.id: c.content_hash for _, c in _chunks(tiny_corpus)}
    assert first == {c.id: c.content_hash for _, c in _chunks(tiny_corpus)}
    assert "attention#overview:0" in first
    path = tiny_corpus / "modules" / "kv-cache.md"
    path.write_text(path.read_text().replace("past tokens", "earlier tokens"))
    second = {c.id: c.content_hash for _, c in _chunks(tiny_corpus)}
    changed = {k for k in first if first[k] != second.get(k)}
    assert changed == {"kv-cache#overview:0"}


def test_code_math_and_tables_are_never_split(tiny_corpus: Path) -> None:
    for module, chunk in _chunks(tiny_corpus, budget=20, window=40):
        for a, b in _atomic_blocks(module.text):
            inside = chunk.start < b and a < chunk.end
            if inside:
                assert chunk.start <= a and b <= chunk.end, f"{chunk.id} cuts block {module.text[a:b]!r}"


def test_a_tables_data_rows_are_its_chunks_sentences(tiny_corpus: Path) -> None:
    """A table is never split, yet each data row is a sentence: it is embedded, quoted and cited."""
    held = [c for _, c in _chunks(tiny_corpus, budget=200, window=300) if "| heads | width |" in c.text]
    assert held
    said = [held[0].text[a:b] for a, b in held[0].sentences]
    assert "| 32 | 128 |" in said and "| heads | width |" not in said and "|---|---|" not in said


def test_chunks_fit_the_window_unless_an_atomic_block_is_larger(tiny_corpus: Path) -> None:
    for _, chunk in _chunks(tiny_corpus, budget=30, window=45):
        if not chunk.oversized:
            assert FAKE.wordpieces(chunk.embed_text) <= 45
        else:
            assert "```" in chunk.text or "$$" in chunk.text or "|" in chunk.text


def test_sentence_split_keeps_abbreviations_and_bold_questions() -> None:
    text = "**Q1. Why scale?**\nBecause e.g. dot products grow. Vaswani et al. 2017 said so! Next one."
    parts = [text[a:b] for a, b in split_sentences(text, 0, len(text))]
    assert parts == ["**Q1. Why scale?**", "Because e.g. dot products grow.", "Vaswani et al. 2017 said so!",
                     "Next one."]


WORDS = st.sampled_from(["the", "cache", "attention", "token", "model", "value", "key", "head", "layer", "softmax", "matrix"])
SENTENCE = st.lists(WORDS, min_size=3, max_size=14).map(lambda ws: " ".join(ws).capitalize() + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=6).map(" ".join)
CODE = st.lists(WORDS, min_size=1, max_size=30).map(lambda ws: "```python\n" + "\n".join(ws) + "\n```")
MATH = st.lists(WORDS, min_size=1, max_size=20).map(lambda ws: "$$\n" + " + ".join(ws) + "\n$$")
TABLE = st.integers(1, 8).map(lambda n: "| a | b |\n|---|---|\n" + "".join(f"| {i} | x |\n" for i in range(n)))
BLOCK = st.one_of(PARAGRAPH, PARAGRAPH, CODE, MATH, TABLE)
SECTION = st.tuples(st.sampled_from(["Alpha", "Beta", "Gamma", "Delta"]), st.lists(BLOCK, min_size=1, max_size=6))


@settings(max_examples=60, deadline=None)
@given(st.lists(SECTION, min_size=1, max_size=4, unique_by=lambda s: s[0]), st.integers(25, 120))
def test_property_random_documents(tmp_path_factory, sections, budget) -> None:  # noqa: ANN001
    body = "\n" + "\n\n".join(f"## {title}\n\n" + "\n\n".join(blocks) for title, blocks in sections) + "\n"
    root = write_corpus(tmp_path_factory.mktemp("c") / "corpus", {"doc": body}, glossary=[])
    window = budget + 20
    for module, chunk in _chunks(root, budget=budget, window=window):
        assert module.text[chunk.start : chunk.end] == chunk.text
        assert chunk.oversized or FAKE.wordpieces(chunk.embed_text) <= window
        for a, b in _atomic_blocks(module.text):
            if chunk.start < b and a < chunk.end:
                assert chunk.start <= a and b <= chunk.end
    # every non-blank line of the body is covered by some chunk
    covered = set()
    for _, chunk in _chunks(root, budget=budget, window=window):
        covered.update(range(chunk.start, chunk.end))
    text = load_corpus(root).modules["doc"].text
    for m in re.finditer(r"^(?!#)\S.*$", text[text.index("\n---\n") + 5 :], re.M):
        start = text.index("\n---\n") + 5 + m.start()
        assert start in covered, f"line not covered: {m.group(0)!r}"


def test_a_formulas_continuation_never_opens_a_chunk_without_its_lead_in(tmp_path: Path) -> None:
    filler = " ".join(f"Sentence {n} pads the section with words." for n in range(6))
    body = (f"## Derivation\n\n{filler} Because rotations are orthogonal, the score becomes\n\n$$\nq^T R k\n$$\n\n"
            "which depends only on the offset. The rest follows.\n")
    root = write_corpus(tmp_path, modules={"attention": body}, glossary=[])
    for budget in range(34, 160, 2):  # wherever the break falls, when lead-in, formula and continuation fit one chunk
        chunks = [c for _, c in _chunks(root, budget=budget, window=200)]
        assert not any(c.text.startswith("which") for c in chunks), budget  # no chunk opens mid-sentence
        holder = next(c for c in chunks if "which depends" in c.text)
        assert "Because rotations" in holder.text and "q^T R k" in holder.text
