"""Obsidian-style wiki links: ``[[Note]]``, ``[[Note|alias]]``, ``[[Note#Heading]]``,
``[[Folder/Note]]`` and embeds ``![[Note]]`` / ``![[image.png]]``.

A link to a note in the corpus becomes a Markdown link to its page (``/modules/<id>``, the web
app's module page) and counts as a related module; a link to nothing known becomes its text,
and an embedded file that is not a note (an image, a PDF) is dropped, as its text is not prose."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from ..corpus.markdown import slugify
from .citations import LINK_RE, rewrite_outside

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


def convert_relative_links(linked: LinkedBody, note_rel: str, by_path: dict[str, str], self_id: str) -> LinkedBody:
    """MkDocs-style ``[text](../other.md#part)`` links to imported notes point at module pages and
    count as related; other links stay as written."""
    def replace(m: re.Match) -> str:
        url = m.group("url").strip("<>")
        path, _, anchor = url.partition("#")
        if re.match(r"^[a-z][a-z0-9+.-]*:|^/", url, re.I) or not path.lower().endswith(".md"):
            return m.group(0)
        mid = by_path.get(posixpath.normpath(posixpath.join(posixpath.dirname(note_rel), unquote(path))))
        if mid is None:
            return m.group(0)
        if mid != self_id and mid not in linked.related:
            linked.related.append(mid)
        return f"[{m.group('text')}](/modules/{mid}{'#' + anchor if anchor else ''})"

    linked.body = rewrite_outside(linked.body, LINK_RE, replace)
    return linked
