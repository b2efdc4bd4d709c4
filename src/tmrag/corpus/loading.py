"""Corpus loader: modules (markdown + YAML front matter), bibliography, glossary.

Loading never raises on content problems; it records each as a :class:`Problem` with the
file and line, so ``tmrag corpus check`` can report all of them at once. :func:`load_corpus`
raises :class:`CorpusError` only when asked to be strict and an error was found.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import yaml

from ..config import CATEGORIES
from ..errors import CorpusError
from .categories import CATEGORIES_FILE, load_categories
from .markdown import Section, citations_outside_code, line_of, scan_body
from .model import SOURCE_KINDS, Corpus, GlossaryTerm, Module, Problem, Source
from .site import SITE_FILE, load_module_url

FM_CLOSE_RE = re.compile(r"^---[ \t]*(?:\n|\Z)", re.M)
JSON_ID_RE = re.compile(r'"id"\s*:\s*"([^"\\]*)"')  # salvages the id of a line that does not parse

Rule = tuple[Callable[[object], bool], str]


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)  # YAML reads `yes` as True, an int


def _list_of(what: str, nullable: bool = False) -> Rule:
    return (lambda v: (nullable and v is None) or (isinstance(v, list) and all(isinstance(x, str) for x in v)),
            f"must be a list of {what}")


TEXT: Rule = (lambda v: isinstance(v, str), "must be a string")
TEXT_OR_NULL: Rule = (lambda v: v is None or isinstance(v, str), "must be a string or null")
INT_OR_NULL: Rule = (lambda v: v is None or _is_int(v), "must be an integer or null")
MODULE_TYPES: dict[str, Rule] = {
    "id": TEXT, "number": INT_OR_NULL, "title": TEXT, "category": TEXT, "summary": TEXT, "hook": TEXT_OR_NULL,
    "sources": _list_of("source ids", nullable=True), "related": _list_of("module ids", nullable=True)}
SOURCE_TYPES: dict[str, Rule] = {
    "id": TEXT, "kind": TEXT, "citation": TEXT_OR_NULL, "title": TEXT_OR_NULL, "year": INT_OR_NULL,
    "url": TEXT_OR_NULL, "annotation": TEXT}
GLOSSARY_TYPES: dict[str, Rule] = {
    "term": TEXT, "aliases": _list_of("strings"), "definition": TEXT, "modules": _list_of("module ids")}
MODULE_FIELDS, SOURCE_FIELDS, GLOSSARY_FIELDS = tuple(MODULE_TYPES), tuple(SOURCE_TYPES), tuple(GLOSSARY_TYPES)


def normalize_text(text: str) -> str:
    """The one text form all offsets refer to: no leading BOM, LF line ends. Editors on
    Windows save CRLF and BOMs; normalising once at read time keeps spans, line numbers and
    the chunker's exact-span invariant consistent for such files."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def display_path(path: Path) -> str:
    """The path as the user would type it to open the file: relative to the working directory
    when the file is under it, absolute otherwise."""
    try:
        absolute, cwd = Path(os.path.abspath(path)), Path.cwd()
    except OSError:  # the working directory was removed
        return str(path)
    return str(absolute.relative_to(cwd)) if cwd in absolute.parents else str(absolute)


def _read_bytes(path: Path, rel: str) -> tuple[bytes | None, list[Problem]]:
    try:
        return path.read_bytes(), []
    except OSError as exc:  # a directory named x.md, a dangling link, no permission
        return None, [Problem(rel, 1, f"cannot read file: {exc.strerror or exc}")]


def _type_problems(obj: dict, rules: dict[str, Rule]) -> list[tuple[str, str]]:
    """(field, message) for each present field whose value has the wrong shape."""
    return [(k, f"{k} {msg}") for k, (ok, msg) in rules.items() if k in obj and not ok(obj[k])]


def _split_front_matter(text: str, rel: str) -> tuple[str | None, int, list[Problem]]:
    if not text.strip():
        return None, 0, [Problem(rel, 1, "file is empty")]
    if not text.startswith("---\n"):
        return None, 0, [Problem(rel, 1, "missing YAML front matter (file must start with '---')")]
    close = FM_CLOSE_RE.search(text, 4)
    if close is None:
        return None, 0, [Problem(rel, 1, "front matter is not closed by a '---' line")]
    return text[4 : close.start()], close.end(), []


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


def _front_matter_problems(data: dict, fm: str, rel: str) -> list[Problem]:
    out = [Problem(rel, 2, f"missing field '{k}'") for k in MODULE_FIELDS if k not in data]
    out += [Problem(rel, _field_line(fm, str(k)), f"unknown field '{k}'") for k in data if k not in MODULE_FIELDS]
    return out + [Problem(rel, _field_line(fm, k), msg) for k, msg in _type_problems(data, MODULE_TYPES)]


def _read_module(path: Path, rel: str) -> tuple[str | None, list[Problem]]:
    raw, problems = _read_bytes(path, rel)
    if raw is None:
        return None, problems
    try:
        return normalize_text(raw.decode("utf-8")), []
    except UnicodeDecodeError as exc:
        return None, [Problem(rel, raw[: exc.start].count(b"\n") + 1, f"invalid UTF-8 (byte {exc.start})")]


def load_module(path: Path, categories: tuple[str, ...] | None = CATEGORIES) -> tuple[Module | None, list[Problem]]:
    """``categories``: the corpus's names (None: its list is broken, so categories go unchecked)."""
    rel = display_path(path)
    text, problems = _read_module(path, rel)
    if text is None:
        return None, problems
    fm, body_start, problems = _split_front_matter(text, rel)
    if fm is None:
        return None, problems
    data, problems = _parse_front_matter(fm, rel)
    if data is None:
        return None, problems
    problems = _front_matter_problems(data, fm, rel)
    if problems:
        return None, problems
    module = Module(**{k: data[k] for k in ("id", "number", "title", "category", "summary", "hook")},
                    sources=list(data["sources"] or []), related=list(data["related"] or []),
                    path=path, text=text, body_start=body_start)
    sections, unclosed, blocks = scan_body(text, body_start)
    module.sections = sections
    problems += [Problem(rel, line, f"unclosed {kind}") for _offset, kind, line in unclosed]
    module.citations = citations_outside_code(text, body_start, blocks)
    return module, problems + _module_field_problems(module, fm, rel, categories)


def _module_field_problems(m: Module, fm: str, rel: str, categories: tuple[str, ...] | None) -> list[Problem]:
    out = []
    if m.id != m.path.stem:
        out.append(Problem(rel, _field_line(fm, "id"), f"id '{m.id}' does not match file name '{m.path.stem}'"))
    if categories is not None and m.category not in categories:
        out.append(Problem(rel, _field_line(fm, "category"), f"unknown category '{m.category}'"))
    seen: dict[str, Section] = {}
    for s in m.sections:
        if s.level > 1 and s.anchor in seen:
            out.append(Problem(rel, s.line, f"duplicate anchor '#{s.anchor}' (first at line {seen[s.anchor].line})"))
        seen.setdefault(s.anchor, s)
    if not m.body.strip():
        out.append(Problem(rel, line_of(m.text, m.body_start), "body is empty: not written yet", "warning"))
    return out


def _read_jsonl(path: Path) -> tuple[list[tuple[int, dict]] | None, list[Problem], set[str]]:
    """Rows (line, object) or None if the file cannot be read, problems, and ids salvaged from
    lines that did not parse. Lines are decoded one by one so a bad byte costs one entry."""
    rel = display_path(path)
    if not path.exists():
        return None, [Problem(rel, 1, "file is missing")], set()
    raw, problems = _read_bytes(path, rel)
    if raw is None:
        return None, problems, set()
    rows, broken = [], set()
    for n, data in enumerate(raw.removeprefix(codecs.BOM_UTF8).split(b"\n"), 1):
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(rel, n, "invalid UTF-8"))
            broken.update(JSON_ID_RE.findall(data.decode("utf-8", "replace")))
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(rel, n, f"bad JSON: {exc.msg}"))
            broken.update(JSON_ID_RE.findall(line))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(rel, n, "each line must be a JSON object"))
            continue
        rows.append((n, obj))
    return rows, problems, broken


def _entry_problems(obj: dict, rules: dict[str, Rule], rel: str, n: int) -> list[Problem]:
    missing = [k for k in rules if k not in obj]
    out = [Problem(rel, n, f"missing field(s): {', '.join(missing)}")] if missing else []
    return out + [Problem(rel, n, msg) for _k, msg in _type_problems(obj, rules)]


def load_bibliography(path: Path) -> tuple[dict[str, Source], list[Problem], set[str] | None]:
    """Sources by id, problems, and ids of entries that are present but broken (None: the
    file could not be read at all)."""
    rows, problems, broken = _read_jsonl(path)
    rel = display_path(path)
    out: dict[str, Source] = {}
    for n, obj in rows or []:
        if bad := _entry_problems(obj, SOURCE_TYPES, rel, n):
            problems += bad
            broken.update([obj["id"]] if isinstance(obj.get("id"), str) else [])
            continue
        if obj["kind"] not in SOURCE_KINDS:
            problems.append(Problem(rel, n, f"unknown kind '{obj['kind']}'"))
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", obj["id"]):
            problems.append(Problem(rel, n, f"id '{obj['id']}' is not a kebab-case slug"))
        if obj["id"] in out:
            problems.append(Problem(rel, n, f"duplicate source id '{obj['id']}'"))
            continue
        out[obj["id"]] = Source(**{k: obj[k] for k in SOURCE_FIELDS})
    return out, problems, None if rows is None else broken - out.keys()


def load_glossary(path: Path) -> tuple[list[GlossaryTerm], list[Problem]]:
    rows, problems, _ = _read_jsonl(path)
    rel = display_path(path)
    terms, seen = [], set()
    for n, obj in rows or []:
        if bad := _entry_problems(obj, GLOSSARY_TYPES, rel, n):
            problems += bad
            continue
        key = obj["term"].lower()
        if key in seen:
            problems.append(Problem(rel, n, f"duplicate term '{obj['term']}'"))
            continue
        seen.add(key)
        terms.append(GlossaryTerm(obj["term"], tuple(obj["aliases"]), obj["definition"], tuple(obj["modules"]), n))
    return terms, problems


def _load_modules(folder: Path, categories: tuple[str, ...] | None) -> tuple[dict[str, Module], list[Problem], set[str]]:
    """Modules by id, problems, and the ids (file names) of module files that did not load."""
    modules: dict[str, Module] = {}
    problems: list[Problem] = []
    paths = sorted(folder.glob("*.md"))
    for path in paths:
        module, found = load_module(path, categories)
        problems += found
        if module is None:
            continue
        if module.id in modules:
            other = modules[module.id].path.name
            problems.append(Problem(display_path(path), 2, f"duplicate module id '{module.id}' (also {other})"))
            continue
        modules[module.id] = module
    return modules, problems, {p.stem for p in paths} - modules.keys()


def load_corpus(root: Path, strict: bool = True) -> Corpus:
    """Load and cross-check a corpus folder. ``strict`` raises if any error was found."""
    root = Path(root)
    if not (root / "modules").is_dir():
        raise CorpusError(f"{root}: not a corpus folder (no modules/ directory)")
    sources, problems, broken_sources = load_bibliography(root / "bibliography.jsonl")
    glossary, gproblems = load_glossary(root / "glossary.jsonl")
    categories, cproblems = load_categories(root, display_path(root / CATEGORIES_FILE))
    module_url, sproblems = load_module_url(root, display_path(root / SITE_FILE))
    modules, mproblems, broken_modules = _load_modules(root / "modules", categories)
    corpus = Corpus(root, modules, sources, glossary, cproblems + sproblems + problems + gproblems + mproblems,
                    unloaded_modules=broken_modules, unloaded_sources=broken_sources or set(),
                    bibliography_unread=broken_sources is None, categories=categories or CATEGORIES,
                    module_url=module_url)
    corpus.problems += cross_check(corpus)
    if strict and corpus.errors:
        raise CorpusError(f"{root}: {len(corpus.errors)} corpus error(s); `tmrag corpus check` lists them",
                          corpus.errors)
    return corpus


def cross_check(corpus: Corpus) -> list[Problem]:
    """References between files: citations, sources, related modules, glossary modules."""
    sources = corpus.sources.keys() | corpus.unloaded_sources
    modules = corpus.modules.keys() | corpus.unloaded_modules
    out = []
    for m in corpus.modules.values():
        rel = display_path(m.path)
        fm = m.text[4 : m.body_start]  # front matter without the opening "---" line
        if not corpus.bibliography_unread:
            out += [Problem(rel, line_of(m.text, offset), f"citation [@{sid}] is not in the bibliography")
                    for sid, offset in m.citations if sid not in sources]
            out += [Problem(rel, _field_line(fm, "sources"), f"sources lists unknown id '{sid}'")
                    for sid in m.sources if sid not in sources]
        out += [Problem(rel, _field_line(fm, "related"), f"related module '{rid}' does not exist")
                for rid in m.related if rid not in modules]
        cited = {sid for sid, _ in m.citations}
        if m.body.strip() and cited != set(m.sources):
            diff = sorted(cited ^ set(m.sources))
            line = _field_line(fm, "sources")
            out.append(Problem(rel, line, f"sources and inline citations differ: {', '.join(diff)}", "warning"))
    gpath = display_path(corpus.root / "glossary.jsonl")
    for term in corpus.glossary:
        out += [Problem(gpath, term.line, f"term '{term.term}' names unknown module '{mid}'")
                for mid in term.modules if mid not in modules]
    return out
