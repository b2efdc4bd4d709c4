"""Markdown structure of a module file: sections with GitHub-style anchors, and the code and
math blocks that headings, citations and chunk boundaries must never fall inside."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
CITATION_RE = re.compile(r"\[@([A-Za-z0-9][A-Za-z0-9_.:-]*)\]")
# A CommonMark code span: a backtick run closed by a run of the same length, within a paragraph.
CODE_SPAN_RE = re.compile(r"(?<!`)(`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", re.S)


@dataclass(frozen=True)
class Section:
    level: int  # 1 for the untitled lead before the first heading, else the # count
    title: str
    anchor: str
    line: int  # 1-based line of the heading in the file
    start: int  # char offset of the section's content (after the heading line)
    end: int  # char offset where the next heading starts
    parents: tuple[str, ...] = ()  # titles of enclosing sections, outermost first


def section_at(sections: list[Section], pos: int) -> Section | None:
    """The innermost titled section whose content holds offset ``pos``."""
    return next((s for s in reversed(sections) if s.level >= 2 and s.start <= pos), None)


def siblings(sections: list[Section], section: Section) -> list[Section]:
    """``section`` and the sections beside it (same level, same enclosing sections), in file order."""
    return [s for s in sections if s.level == section.level and s.parents == section.parents]


def title_span(text: str, sections: list[Section], section: Section) -> tuple[int, int]:
    """Where ``section``'s title stands in ``text``: on its heading line, which begins where the
    section before it ends."""
    k = sections.index(section)
    a = text.index(section.title, sections[k - 1].end if k else 0, section.start)
    return a, a + len(section.title)


def slugify(heading: str) -> str:
    """GitHub-style anchor: lower-case, drop punctuation, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def scan_body(text: str, start: int) -> tuple[list[Section], list[tuple[int, str, int]], list[tuple[int, int]]]:
    """Return sections, (offset, kind, line) of unclosed blocks, and code/math block spans."""
    sections: list[Section] = []
    unclosed: list[tuple[int, str, int]] = []
    blocks: list[tuple[int, int]] = []
    fence: str | None = None
    math_open: int | None = None
    block_start = 0
    stack: list[tuple[int, str]] = []
    pos = start
    lead = Section(1, "", "", line_of(text, start), start, len(text))
    for raw in text[start:].splitlines(keepends=True):
        line = raw.rstrip("\n")
        fm = FENCE_RE.match(line)
        if fence is None and math_open is None and fm:
            fence, block_start = fm.group(1), pos
        elif fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
                blocks.append((block_start, pos + len(raw)))
        elif line.count("$$") % 2 == 1:
            if math_open is None:
                math_open = block_start = pos
            else:
                math_open = None
                blocks.append((block_start, pos + len(raw)))
        elif math_open is None and (hm := HEADING_RE.match(line)) and len(hm.group(1)) >= 2:
            level, title = len(hm.group(1)), hm.group(2).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            if sections:
                sections[-1] = replace(sections[-1], end=pos)
            else:
                lead = replace(lead, end=pos)
            sections.append(
                Section(level, title, slugify(title), line_of(text, pos), pos + len(raw), len(text), tuple(t for _, t in stack))
            )
            stack.append((level, title))
        pos += len(raw)
    if fence is not None:
        unclosed.append((block_start, "code fence", line_of(text, block_start)))
    if math_open is not None:
        unclosed.append((math_open, "$$ math block", line_of(text, math_open)))
    if lead.end > lead.start and text[lead.start : lead.end].strip():
        sections.insert(0, lead)
    return sections, unclosed, blocks


def citations_outside_code(text: str, start: int, blocks: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """Inline citations outside code: a `[@x]` in a fence or code span shows syntax, not a source."""
    skip, pos = list(blocks), start
    for a, b in [*sorted(blocks), (len(text), len(text))]:  # code spans live between blocks
        skip += [m.span() for m in CODE_SPAN_RE.finditer(text, pos, a)]
        pos = max(pos, b)
    return [(m.group(1), m.start()) for m in CITATION_RE.finditer(text, start)
            if not any(a <= m.start() < b for a, b in skip)]
