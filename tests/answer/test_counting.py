"""The count check: a count the question asks for that no sentence of its top modules gives."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from tmrag.answer.counting import CountCheck
from tmrag.answer.coverage import GENERIC_HEADS


def chunk(doc_id: str, text: str, kind: str = "module") -> SimpleNamespace:
    ends = [i + 1 for i, ch in enumerate(text) if ch == "."]
    starts = [0] + [e + 1 for e in ends[:-1]]
    return SimpleNamespace(doc_id=doc_id, kind=kind, text=text, sentences=list(zip(starts, ends, strict=True)))


INDEX = SimpleNamespace(chunks=[
    chunk("gpt3", "GPT-3 was trained on 300B tokens. Its filtered Common Crawl held 410B tokens."),
    chunk("gpt3", "The model has 96 layers. It was trained in 2020."),
    chunk("T0", "T0 is a multitask prompted model.", kind="source"),  # 11B parameters, 62 datasets: a source, not the notes
    chunk("Crawl", "Common Crawl: 45 terabytes of raw text.", kind="glossary"),
    chunk("t0", "T0 fine-tunes on many prompted datasets. Its prompts were written by many people."),
    chunk("other", "A different module lists 62 prompted datasets."),
])


def ranking(question: str, rows: list[int]) -> SimpleNamespace:
    return SimpleNamespace(query=SimpleNamespace(text=question), results=[SimpleNamespace(row=r) for r in rows])


def documents(index: SimpleNamespace) -> SimpleNamespace:
    """DocumentEvidence's grouping of module chunks (glossary entries and sources belong to none)."""
    position: dict[str, int] = {}
    module_of = np.array([position.setdefault(c.doc_id, len(position)) if c.kind == "module" else -1
                          for c in index.chunks], dtype=np.int64)
    chunk_rows = [np.flatnonzero(module_of == m) for m in range(len(position))]
    return SimpleNamespace(index=index, module_of=module_of, chunk_rows=chunk_rows)


def check() -> CountCheck:
    return CountCheck(documents(INDEX), GENERIC_HEADS)


def test_a_count_no_sentence_of_the_top_modules_gives_is_missing() -> None:
    # the glossary entry's "45 terabytes" and the source are passed over: the modules never count them
    assert check().uncounted(ranking("How many terabytes of raw crawl did GPT-3 start from?", [3, 0, 1])) == \
        ["the number of terabytes"]
    assert check().uncounted(ranking("How many prompted datasets was T0 trained on?", [2, 4])) == \
        ["the number of prompted datasets"]


def test_a_count_stated_in_a_top_module_is_not_missing() -> None:
    assert check().uncounted(ranking("How many layers does GPT-3 have?", [0])) == []
    # the runner-up module counts it too
    assert check().uncounted(ranking("How many prompted datasets was T0 trained on?", [4, 5])) == []


def test_only_plural_nouns_of_no_generic_head_are_checked() -> None:
    assert check().uncounted(ranking("How many times bigger is GPT-3?", [0])) == []
    assert check().uncounted(ranking("How many does each token go to?", [0])) == []


def test_a_worked_case_derives_its_count_and_is_never_checked() -> None:
    assert check().uncounted(ranking("With 8 GPUs and 4 replicas, how many requests fit?", [0])) == []
