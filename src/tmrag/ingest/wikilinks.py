"""Obsidian-style wiki links: ``[[Note]]``, ``[[Note|alias]]``, ``[[Note#Heading]]``,
``[[Folder/Note]]`` and embeds ``![[Note]]`` / ``![[image.png]]``.

A link to a note in the corpus becomes a Markdown link to its page (``/modules/<id>``, the web
app's module page) and counts as a related module; a link to nothing known becomes its text,
and an embedded file that is not a note (an image, a PDF) is dropped, as its text is not prose."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..corpus.markdown import slugify
from .citations import rewrite_outside

WIKILINK_RE = re.compile(r"(?P<embed>!?)\[\[(?P<target>[^\]|#\n]*)(?:#(?P<heading>[^\]|\n]*))?(?:\|(?P<alias>[^\]\n]*))?\]\]")
NOTE_SUFFIX_RE = re.compile(r"\.md$", re.I)


def link_key(name: str) -> str:
    """How a link names a note: case, the folder and a .md suffix do not matter."""
    return " ".join(NOTE_SUFFIX_RE.sub("", name.strip().rsplit("/", 1)[-1]).lower().split())


@dataclass
class LinkedBody:
    body: str
    related: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def convert_wikilinks(body: str, names: dict[str, str], self_id: str) -> LinkedBody:
    """``names``: link key -> module id (titles, file names and aliases of every note)."""
    out = LinkedBody(body)

    def replace(m: re.Match) -> str:
        target, heading, alias = m.group("target").strip(), (m.group("heading") or "").strip(), m.group("alias")
        mid = names.get(link_key(target)) if target else self_id
        text = (alias or "").strip() or (f"{target} › {heading}" if target and heading else target or heading)
        if mid is None:
            if m.group("embed"):
                return ""
            out.unresolved.append(target)
            return text
        if mid != self_id and mid not in out.related:
            out.related.append(mid)
        return f"[{text}](/modules/{mid}{'#' + slugify(heading) if heading else ''})"

    out.body = rewrite_outside(body, WIKILINK_RE, replace)
    return out
