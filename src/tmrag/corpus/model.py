"""The corpus as typed objects: modules, bibliography sources, glossary terms, and the
problems found while loading them."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import CATEGORIES, WIKI_URL
from .markdown import Section

SOURCE_KINDS = ("paper", "blog", "video", "code", "industry", "other")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"  # "error" fails the check; "warning" is reported only

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass
class Module:
    id: str
    number: int | None
    title: str
    category: str
    summary: str
    hook: str | None
    sources: list[str]
    related: list[str]
    path: Path
    text: str  # the whole file as read by normalize_text (every offset indexes into this)
    body_start: int
    sections: list[Section] = field(default_factory=list)
    citations: list[tuple[str, int]] = field(default_factory=list)  # (source id, char offset)

    @property
    def body(self) -> str:
        return self.text[self.body_start :]

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def section_by_anchor(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.anchor == anchor), None)


@dataclass(frozen=True)
class Source:
    id: str
    kind: str
    citation: str | None
    title: str | None
    year: int | None
    url: str | None
    annotation: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    aliases: tuple[str, ...]
    definition: str
    modules: tuple[str, ...]
    line: int = 0  # line in glossary.jsonl, for error reports


@dataclass
class Corpus:
    root: Path
    modules: dict[str, Module]
    sources: dict[str, Source]
    glossary: list[GlossaryTerm]
    problems: list[Problem] = field(default_factory=list)
    # Ids that exist on disk but did not load. Their own error is reported once; references
    # to them are not, or one broken file would cascade into errors in every file naming it.
    unloaded_modules: set[str] = field(default_factory=set)
    unloaded_sources: set[str] = field(default_factory=set)
    bibliography_unread: bool = False  # missing or unreadable: no citation can be judged
    categories: tuple[str, ...] = CATEGORIES  # categories.yml's names, or the wiki's (corpus/categories.py)
    module_url: str | None = WIKI_URL  # where modules are published (corpus/site.py); None: nowhere

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

