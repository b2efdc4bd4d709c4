"""Corpus model and loader: modules (markdown + YAML front matter), bibliography, glossary.

Loading never raises on content problems; it records each as a :class:`Problem` with the
file and line, so ``tmrag corpus check`` can report all of them at once. :func:`load_corpus`
raises :class:`CorpusError` only when asked to be strict and an error was found.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import CorpusError
from .markdown import Section, line_of, scan_body

MODULE_FIELDS = ("id", "number", "title", "category", "summary", "hook", "sources", "related")
SOURCE_FIELDS = ("id", "kind", "citation", "title", "year", "url", "annotation")
SOURCE_KINDS = ("paper", "blog", "video", "code", "industry", "other")
GLOSSARY_FIELDS = ("term", "aliases", "definition", "modules")
CITATION_RE = re.compile(r"\[@([A-Za-z0-9][A-Za-z0-9_.:-]*)\]")


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
    text: str  # the whole file, exactly as on disk (offsets index into this)
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
        return {k: getattr(self, k) for k in SOURCE_FIELDS}


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

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _split_front_matter(text: str, rel: str) -> tuple[str | None, int, list[Problem]]:
    if not text.startswith("---\n"):
        return None, 0, [Problem(rel, 1, "missing YAML front matter (file must start with '---')")]
    end = text.find("\n---\n", 3)
    if end < 0:
        return None, 0, [Problem(rel, 1, "front matter is not closed by a '---' line")]
    return text[4 : end + 1], end + 5, []


def _parse_front_matter(fm: str, rel: str) -> tuple[dict | None, list[Problem]]:
    try:
        data = yaml.safe_load(fm)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1  # +1 for 1-based, +1 for the opening '---'
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(rel, line, f"bad YAML in front matter: {reason}")]
    if not isinstance(data, dict):
        return None, [Problem(rel, 2, "front matter must be a YAML mapping")]
    return data, []


def _field_line(fm: str, key: str) -> int:
    m = re.search(rf"^{re.escape(key)}\s*:", fm, re.M)
    return line_of(fm, m.start()) + 1 if m else 2


def load_module(path: Path, root: Path) -> tuple[Module | None, list[Problem]]:
    rel = _rel(path, root)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return None, [Problem(rel, line, f"invalid UTF-8 (byte {exc.start})")]
    fm, body_start, problems = _split_front_matter(text, rel)
    if fm is None:
        return None, problems
    data, problems = _parse_front_matter(fm, rel)
    if data is None:
        return None, problems
    problems += [Problem(rel, 2, f"missing field '{k}'") for k in MODULE_FIELDS if k not in data]
    problems += [Problem(rel, _field_line(fm, k), f"unknown field '{k}'") for k in data if k not in MODULE_FIELDS]
    if problems:
        return None, problems
    module = Module(
        id=str(data["id"]), number=data["number"], title=str(data["title"]), category=str(data["category"]),
        summary=str(data["summary"]), hook=data["hook"], sources=list(data["sources"] or []),
        related=list(data["related"] or []), path=path, text=text, body_start=body_start,
    )
    sections, unclosed, blocks = scan_body(text, body_start)
    module.sections = sections
    for _offset, kind, line in unclosed:
        problems.append(Problem(rel, line, f"unclosed {kind}"))
    module.citations = [
        (m.group(1), m.start())
        for m in CITATION_RE.finditer(text, body_start)
        if not any(a <= m.start() < b for a, b in blocks)
    ]
    return module, problems + _module_field_problems(module, fm, rel)


def _module_field_problems(m: Module, fm: str, rel: str) -> list[Problem]:
    from .config import CATEGORIES

    out = []
    if m.id != m.path.stem:
        out.append(Problem(rel, _field_line(fm, "id"), f"id '{m.id}' does not match file name '{m.path.stem}'"))
    if m.category not in CATEGORIES:
        out.append(Problem(rel, _field_line(fm, "category"), f"unknown category '{m.category}'"))
    if m.number is not None and not isinstance(m.number, int):
        out.append(Problem(rel, _field_line(fm, "number"), "number must be an integer or null"))
    seen: dict[str, Section] = {}
    for s in m.sections:
        if s.level > 1 and s.anchor in seen:
            out.append(Problem(rel, s.line, f"duplicate anchor '#{s.anchor}' (first at line {seen[s.anchor].line})"))
        seen.setdefault(s.anchor, s)
    if not m.body.strip():
        out.append(Problem(rel, line_of(m.text, m.body_start), "body is empty: not written yet", "warning"))
    return out


def _read_jsonl(path: Path, root: Path) -> tuple[list[tuple[int, dict]], list[Problem]]:
    rel = _rel(path, root)
    if not path.exists():
        return [], [Problem(rel, 1, "file is missing")]
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [Problem(rel, path.read_bytes()[: exc.start].count(b"\n") + 1, "invalid UTF-8")]
    rows, problems = [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(rel, n, f"bad JSON: {exc.msg}"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(rel, n, "each line must be a JSON object"))
            continue
        rows.append((n, obj))
    return rows, problems


def load_bibliography(path: Path, root: Path) -> tuple[dict[str, Source], list[Problem]]:
    rows, problems = _read_jsonl(path, root)
    rel = _rel(path, root)
    out: dict[str, Source] = {}
    for n, obj in rows:
        missing = [k for k in SOURCE_FIELDS if k not in obj]
        if missing:
            problems.append(Problem(rel, n, f"missing field(s): {', '.join(missing)}"))
            continue
        if obj["kind"] not in SOURCE_KINDS:
            problems.append(Problem(rel, n, f"unknown kind '{obj['kind']}'"))
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", str(obj["id"])):
            problems.append(Problem(rel, n, f"id '{obj['id']}' is not a kebab-case slug"))
        if obj["id"] in out:
            problems.append(Problem(rel, n, f"duplicate source id '{obj['id']}'"))
            continue
        out[obj["id"]] = Source(**{k: obj[k] for k in SOURCE_FIELDS})
    return out, problems


def load_glossary(path: Path, root: Path) -> tuple[list[GlossaryTerm], list[Problem]]:
    rows, problems = _read_jsonl(path, root)
    rel = _rel(path, root)
    terms, seen = [], set()
    for n, obj in rows:
        missing = [k for k in GLOSSARY_FIELDS if k not in obj]
        if missing:
            problems.append(Problem(rel, n, f"missing field(s): {', '.join(missing)}"))
            continue
        key = str(obj["term"]).lower()
        if key in seen:
            problems.append(Problem(rel, n, f"duplicate term '{obj['term']}'"))
            continue
        seen.add(key)
        terms.append(GlossaryTerm(obj["term"], tuple(obj["aliases"]), obj["definition"], tuple(obj["modules"]), n))
    return terms, problems


def load_corpus(root: Path, strict: bool = True) -> Corpus:
    """Load and cross-check a corpus folder. ``strict`` raises if any error was found."""
    root = Path(root)
    if not (root / "modules").is_dir():
        raise CorpusError(f"{root}: not a corpus folder (no modules/ directory)")
    sources, problems = load_bibliography(root / "bibliography.jsonl", root)
    glossary, gproblems = load_glossary(root / "glossary.jsonl", root)
    problems += gproblems
    modules: dict[str, Module] = {}
    for path in sorted((root / "modules").glob("*.md")):
        module, mproblems = load_module(path, root)
        problems += mproblems
        if module is None:
            continue
        if module.id in modules:
            other = modules[module.id].path.name
            problems.append(Problem(_rel(path, root), 2, f"duplicate module id '{module.id}' (also {other})"))
            continue
        modules[module.id] = module
    corpus = Corpus(root, modules, sources, glossary, problems)
    corpus.problems += cross_check(corpus)
    if strict and corpus.errors:
        raise CorpusError(f"{len(corpus.errors)} error(s) in corpus {root}", corpus.errors)
    return corpus


def _rel(path: Path, root: Path) -> str:
    return str(path.relative_to(root.parent) if root.parent in path.parents else path)


def cross_check(corpus: Corpus) -> list[Problem]:
    """References between files: citations, sources, related modules, glossary modules."""
    out = []
    for m in corpus.modules.values():
        rel = _rel(m.path, corpus.root)
        fm = m.text[4 : m.body_start]  # front matter without the opening "---" line
        for sid, offset in m.citations:
            if sid not in corpus.sources:
                out.append(Problem(rel, line_of(m.text, offset), f"citation [@{sid}] is not in the bibliography"))
        for sid in m.sources:
            if sid not in corpus.sources:
                out.append(Problem(rel, _field_line(fm, "sources"), f"sources lists unknown id '{sid}'"))
        for rid in m.related:
            if rid not in corpus.modules:
                out.append(Problem(rel, _field_line(fm, "related"), f"related module '{rid}' does not exist"))
        cited = {sid for sid, _ in m.citations}
        if m.body.strip() and cited != set(m.sources):
            diff = sorted(cited ^ set(m.sources))
            line = _field_line(fm, "sources")
            out.append(Problem(rel, line, f"sources and inline citations differ: {', '.join(diff)}", "warning"))
    gpath = _rel(corpus.root / "glossary.jsonl", corpus.root)
    for term in corpus.glossary:
        for mid in term.modules:
            if mid not in corpus.modules:
                out.append(Problem(gpath, term.line, f"term '{term.term}' names unknown module '{mid}'"))
    return out
