"""Plain-text rendering of search results and answers for the terminal."""

from __future__ import annotations

import textwrap

from .answer.types import Answer
from .query.results import Location, SearchResults

ANSWER_WIDTH = 100  # columns: readable in an 80-120 column terminal
SNIPPET_CHARS = 240  # a passage preview of about three lines
ANNOTATION_CHARS = 140  # a bibliography annotation preview of about one line


def _where(item: Location) -> str:
    if item.kind == "module":
        return f"{item.title} § {item.section}" if item.section else item.title
    if item.kind == "source":
        return f"Bibliography: {item.title}"
    return f"Glossary: {item.title}"


def format_search(result: SearchResults) -> str:
    lines = []
    for n, r in enumerate(result.results, 1):
        lines.append(f"{n:>2}. [{r.score:.3f}] {_where(r)}")
        if r.url:
            lines.append(f"    {r.url}")
        snippet = " ".join(r.text.split())
        lines.append(textwrap.indent(textwrap.shorten(snippet, SNIPPET_CHARS, placeholder=" …"), "    "))
    lines.append(f"({result.timings_ms.get('total', 0):.0f} ms)")
    return "\n".join(lines)


def format_answer(result: Answer) -> str:
    lines = [textwrap.fill(result.answer, ANSWER_WIDTH), ""]
    if result.abstained:
        if result.suggestions:
            lines.append("Nearest sections:")
            lines += [f"  - {_where(s)}  {s.url or ''}" for s in result.suggestions]
    else:
        lines.append("Citations:")
        for c in result.citations:
            lines.append(f"  [{c.marker}] {_where(c)}" + (f"  {c.url}" if c.url else ""))
        if result.unmentioned_terms and result.coverage != "partial":  # a partial answer says it itself
            lines.append(f"\nNote: the cited passages never mention {', '.join(result.unmentioned_terms)}; "
                         "the answer may be about something nearby.")
    if result.sources:
        lines += ["", "Sources:"]
        for s in result.sources:
            label = s.citation or s.title or s.id
            lines.append(f"  - {label} ({s.id}): {textwrap.shorten(s.annotation, ANNOTATION_CHARS, placeholder=' …')}")
    lines.append(f"\n({result.timings_ms.get('total', 0):.0f} ms, index {result.index.build_id})")
    return "\n".join(lines)
