"""Table rows read as statements: each data row with its header's names for its cells."""

from __future__ import annotations

from tmrag.corpus.tables import cells, data_rows, header_of, row_statement

TABLE = """Intro line.

| Failure | Detect | Roll back |
|---|:--|---|
| Int8 kernel bug | perplexity canary | revert kernel version |
| Cache \\| router | hit rate drops |  |

After."""


def rows(text: str = TABLE) -> list[str]:
    start = text.index("| Failure")
    return [text[a:b] for a, b in data_rows(text, start, text.index("\n\nAfter"))]


def test_data_rows_skip_the_header_and_its_separator() -> None:
    assert rows() == ["| Int8 kernel bug | perplexity canary | revert kernel version |",
                      "| Cache \\| router | hit rate drops |  |"]
    headerless = "| a | b |\n| c | d |"
    assert data_rows(headerless, 0, len(headerless)) == []  # no separator: no header to read the cells by


def test_cells_keep_escaped_pipes_and_empty_cells() -> None:
    assert cells("| Cache \\| router | hit rate drops |  |") == ["Cache | router", "hit rate drops", ""]


def test_a_row_reads_with_its_header() -> None:
    at = TABLE.index("| Int8")
    assert header_of(TABLE, at) == ["Failure", "Detect", "Roll back"]
    end = TABLE.index("\n", at)
    assert row_statement(TABLE, at, end) == "Int8 kernel bug — Detect: perplexity canary; Roll back: revert kernel version."
    second = TABLE.index("| Cache")
    assert row_statement(TABLE, second, TABLE.index("\n", second)) == "Cache | router — Detect: hit rate drops."
    assert row_statement(TABLE, 0, len("Intro line.")) is None  # not a table row


def test_a_counting_first_cell_is_named_by_its_header() -> None:
    text = "| Step | Count |\n|---|---|\n| 2 | 9 |"
    assert row_statement(text, text.index("| 2"), len(text)) == "Step 2 — Count: 9."
