"""The wiki's llms.txt: a title, then one ``## Category`` heading per category followed by
``- [Title](…/raw/<slug>.md): summary`` lines. Links that are not raw modules (the "Optional"
section's full text and sitemap) are not modules and are skipped.

The parser reads the file as served (one entry a line) and as the seed captured it (all on one
line): an entry's summary runs to the end of its line or to the next entry or heading."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import IngestError

TOKEN_RE = re.compile(
    r"(?:^|(?<=\s))##[ \t]+(?P<heading>[^\n]+?)(?=[ \t]+-[ \t]+\[|[ \t]*\n|[ \t]*\Z)"
    r"|(?:^|(?<=\s))-[ \t]+\[(?P<title>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
    r"(?:[ \t]*:[ \t]*(?P<summary>.*?))?(?=[ \t]+-[ \t]+\[|[ \t]+##[ \t]|[ \t]*\n|[ \t]*\Z)",
    re.M)
RAW_PATH_RE = re.compile(r"/raw/(?P<slug>[a-z0-9][a-z0-9.-]*)\.md$")


@dataclass(frozen=True)
class WikiEntry:
    slug: str
    title: str
    summary: str
    category: str


def raw_slug(url: str) -> str | None:
    """``attention`` for ``https://…/raw/attention.md``; None for any other link."""
    m = RAW_PATH_RE.search(urlsplit(url).path)
    return m.group("slug") if m else None


def parse_llms_txt(text: str) -> list[WikiEntry]:
    """The module entries in file order. A module listed twice keeps its first entry."""
    entries: dict[str, WikiEntry] = {}
    category: str | None = None
    for m in TOKEN_RE.finditer(text):
        if m.group("heading"):
            category = m.group("heading").strip()
            continue
        slug = raw_slug(m.group("url"))
        if slug is None or slug in entries:
            continue
        if category is None:
            raise IngestError(f"llms.txt lists module '{slug}' before any '## Category' heading")
        summary = (m.group("summary") or "").strip()
        entries[slug] = WikiEntry(slug, m.group("title").strip(), summary, category)
    if not entries:
        raise IngestError("llms.txt lists no modules (no '- [Title](…/raw/<slug>.md): summary' lines)")
    return list(entries.values())
