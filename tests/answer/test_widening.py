"""Numeric questions look through the rest of each top passage's section."""

from tmrag.answer.widening import Neighbour, SectionRows
from tmrag.build.chunking import Chunk


def _chunk(module: str, anchor: str | None, kind: str = "module") -> Chunk:
    return Chunk(id=f"{module}#{anchor}", kind=kind, doc_id=module, title=module, breadcrumb=module, text="x",
                 module_id=module if kind == "module" else None, anchor=anchor)


CHUNKS = [_chunk("kv", "worked-numbers"), _chunk("kv", "overview"), _chunk("kv", "worked-numbers"),
          _chunk("kv", "worked-numbers"), _chunk("rag", "worked-numbers"), _chunk("KV cache", None, "glossary")]


def test_the_other_chunks_of_a_top_passages_section_come_with_its_rank() -> None:
    assert SectionRows(CHUNKS).neighbours([1, 2]) == [Neighbour(1, 0), Neighbour(1, 3)]


def test_same_anchor_in_another_module_and_non_module_passages_bring_nothing() -> None:
    rows = SectionRows(CHUNKS)
    assert rows.neighbours([4, 5]) == []
    assert 4 not in [n.row for n in rows.neighbours([0])]


def test_a_row_already_among_the_top_passages_is_not_repeated() -> None:
    assert [n.row for n in SectionRows(CHUNKS).neighbours([0, 3])] == [2]
