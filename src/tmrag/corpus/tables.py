"""Markdown tables read row by row: each data row is a statement in its own right once its cells
are named by the header ("Int8 kernel numerical bug — Detect: perplexity canary …; Roll back:
revert kernel version."), so a row can be embedded, quoted and cited like a sentence."""

from __future__ import annotations

import re

ROW = re.compile(r"[ \t]*\|[^\n]*")  # a table line: it opens with a pipe
SEPARATOR = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")  # |---|:-:|
CELL_SPLIT = re.compile(r"(?<!\\)\|")  # a pipe escaped inside a cell (\|) divides nothing
# A first cell this short, or a number, only counts its row ("| 250 | 0.524 | …", "| A | 1 | 5 |"):
# read with its header ("Step t 250"), it says which row it is.
SHORT_KEY = 3


def cells(line: str) -> list[str]:
    """A row's cells, stripped, without the empty ones its outer pipes make."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [c.strip().replace("\\|", "|") for c in CELL_SPLIT.split(inner)]


def lines_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the lines in [start, end), without their line breaks."""
    out, pos = [], start
    while pos < end:
        stop = text.find("\n", pos, end)
        stop = end if stop < 0 else stop
        out.append((pos, stop))
        pos = stop + 1
    return out


def data_rows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The data rows of the table in [start, end): every row but the header and its separator.
    A table with no separator line has no header, and no row is read as a statement."""
    lines = [(a, b) for a, b in lines_in(text, start, end) if ROW.fullmatch(text, a, b)]
    if len(lines) < 2 or not SEPARATOR.fullmatch(text, *lines[1]):
        return []
    return [(a, b) for a, b in lines[2:] if not SEPARATOR.fullmatch(text, a, b) and any(cells(text[a:b]))]


def header_of(text: str, at: int) -> list[str] | None:
    """The header cells of the table whose row starts at ``at``: the first line of the run of
    table lines above it, when a separator follows that line."""
    lines: list[tuple[int, int]] = []
    pos = at
    while pos > 0:
        a = text.rfind("\n", 0, pos - 1) + 1
        if not ROW.fullmatch(text, a, pos - 1):
            break
        lines.insert(0, (a, pos - 1))
        pos = a
    if len(lines) < 2 or not SEPARATOR.fullmatch(text, *lines[1]):
        return None
    return cells(text[slice(*lines[0])])


def row_statement(text: str, start: int, end: int) -> str | None:
    """The row at [start, end) as a statement: its first cell, then each other cell after its
    header ("Int8 kernel numerical bug — Detect: perplexity canary and output-garbage classifier;
    Escalate: halt rollout; Roll back: revert kernel version."). None for a line that is not a
    data row of a table with a header."""
    if not ROW.fullmatch(text, start, end) or (header := header_of(text, start)) is None:
        return None
    row = cells(text[start:end])
    key, rest = row[0], row[1:]
    if header[0] and (len(key) <= SHORT_KEY or key[:1].isdigit()):
        key = f"{header[0]} {key}"
    said = [f"{h}: {c}" if h else c for h, c in zip(header[1:], rest, strict=False) if c]
    return f"{key} — {'; '.join(said)}." if said else None
