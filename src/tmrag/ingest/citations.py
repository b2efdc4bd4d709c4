"""Citations as published, mapped to the corpus's ``[@id]`` when they name a bibliography entry.

A note can cite in several forms: ``[@id]`` already, a link whose URL is an entry's URL, a link
or a bracket whose text is an entry's citation label ("Vaswani et al. 2017") or title, or a
footnote whose definition is one of those. A form that names exactly one entry becomes
``[@id]`` (a link keeps its text before the marker); anything else is left as published, and an
``[@id]`` that names no entry is escaped so it reads the same but is not a broken citation.
Code blocks, code spans and math are never touched."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from ..corpus.markdown import CITATION_RE, CODE_SPAN_RE, scan_body
from ..corpus.model import Source

LINK_RE = re.compile(r"(?<![!\\])\[(?P<text>[^\]\n]+)\]\((?P<url><[^>\n]+>|[^)\s]+)(?:[ \t]+\"[^\"\n]*\")?\)")
BRACKET_RE = re.compile(r"(?<![\\!\]])\[(?P<text>[^\]\[\n@^]{3,200})\](?![(\[])")
FOOTNOTE_DEF_RE = re.compile(r"^\[\^(?P<label>[^\]\s]+)\]:[ \t]*(?P<text>.+)$", re.M)
FOOTNOTE_REF_RE = re.compile(r"\[\^(?P<label>[^\]\s]+)\](?!:)")
ARXIV_RE = re.compile(r"^arxiv\.org/(?:abs|pdf)/(?P<id>\d{4}\.\d{4,5}|[a-z.-]+/\d{7})(?:v\d+)?(?:\.pdf)?$")
INLINE_MATH_RE = re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$(?!\d)")


def normalize_url(url: str) -> str:
    """One spelling per page: no scheme, www., fragment or trailing slash; arXiv pdf/abs and versions alike."""
    url = url.strip("<>").split("#", 1)[0].strip()
    url = re.sub(r"^[a-z]+://", "", url, flags=re.I)
    host, _, path = url.partition("/")
    url = f"{host.lower().removeprefix('www.')}/{path}".rstrip("/")
    m = ARXIV_RE.match(url)
    return f"arxiv.org/abs/{m.group('id')}" if m else url


def normalize_label(text: str) -> str:
    """"Vaswani et al., 2017", "(Vaswani et al. 2017)" and "vaswani et al 2017" read alike."""
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


class CitationResolver:
    def __init__(self, sources: Iterable[Source]) -> None:
        self.ids: set[str] = set()
        by_url, by_label = defaultdict(set), defaultdict(set)
        for s in sources:
            self.ids.add(s.id)
            if s.url:
                by_url[normalize_url(s.url)].add(s.id)
            for label in (s.citation, s.title):
                if label and normalize_label(label):
                    by_label[normalize_label(label)].add(s.id)
        # A label two entries share ("Anthropic 2024") names neither: left as published.
        self.by_url = {k: next(iter(v)) for k, v in by_url.items() if len(v) == 1}
        self.by_label = {k: next(iter(v)) for k, v in by_label.items() if len(v) == 1}

    def url(self, url: str) -> str | None:
        return self.by_url.get(normalize_url(url)) if re.match(r"<?[a-z]+://", url, re.I) else None

    def label(self, text: str) -> str | None:
        return self.by_label.get(normalize_label(text))

    def labels(self, text: str) -> list[str] | None:
        """Ids for "A et al. 2020; B 2021" when every part names an entry, else None."""
        parts = [p for p in re.split(r"[;]", text) if p.strip()]
        ids = [self.label(p) for p in parts]
        return [i for i in ids if i] if parts and all(ids) else None

    def link(self, text: str, url: str) -> str | None:
        return self.url(url) or self.label(text)


def _protected(text: str) -> list[tuple[int, int]]:
    """Spans never rewritten: fenced code, $$ math, code spans and inline math."""
    _sections, _unclosed, blocks = scan_body(text, 0)
    spans = list(blocks)
    spans += [m.span() for m in CODE_SPAN_RE.finditer(text)]
    spans += [m.span() for m in INLINE_MATH_RE.finditer(text)]
    return sorted(spans)


def rewrite_outside(text: str, pattern: re.Pattern, repl: Callable[[re.Match], str]) -> str:
    spans = _protected(text)
    out, pos = [], 0
    for m in pattern.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        out += [text[pos : m.start()], repl(m)]
        pos = m.end()
    return "".join(out) + text[pos:]


def map_citations(body: str, resolver: CitationResolver) -> str:
    """The body with every citation that resolves written as ``[@id]``."""
    def at(m: re.Match) -> str:
        return m.group(0) if m.group(1) in resolver.ids else f"\\[@{m.group(1)}\\]"

    def link(m: re.Match) -> str:
        sid = resolver.link(m.group("text"), m.group("url"))
        return f"{m.group('text')} [@{sid}]" if sid else m.group(0)

    def bracket(m: re.Match) -> str:
        at_line_start = m.start() == 0 or m.string[m.start() - 1] == "\n"
        if at_line_start and m.string.startswith(":", m.end()):
            return m.group(0)  # a link reference definition, not a citation
        ids = resolver.labels(m.group("text"))
        return " ".join(f"[@{i}]" for i in ids) if ids else m.group(0)

    footnotes = {}
    for m in FOOTNOTE_DEF_RE.finditer(body):
        inner = LINK_RE.search(m.group("text"))
        sid = resolver.link(inner.group("text"), inner.group("url")) if inner else resolver.label(m.group("text"))
        if sid:
            footnotes[m.group("label")] = sid

    def footnote(m: re.Match) -> str:
        sid = footnotes.get(m.group("label"))
        return f"[@{sid}]" if sid else m.group(0)

    body = rewrite_outside(body, CITATION_RE, at)
    body = rewrite_outside(body, FOOTNOTE_REF_RE, footnote)
    body = rewrite_outside(body, LINK_RE, link)
    return rewrite_outside(body, BRACKET_RE, bracket)


def cited_ids(body: str) -> list[str]:
    """Source ids the body cites outside code, in order of first citation."""
    spans = _protected(body)
    seen: dict[str, None] = {}
    for m in CITATION_RE.finditer(body):
        if not any(a <= m.start() < b for a, b in spans):
            seen.setdefault(m.group(1))
    return list(seen)
