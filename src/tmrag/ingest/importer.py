"""`tmrag import DIR --into CORPUS`: a folder of Markdown notes as corpus modules.

Each note keeps its body as written, with wiki links turned into links to module pages (and the
notes they name into ``related``) and citations of the target's bibliography into ``[@id]``.
Front matter fields of the corpus format are used where the note has them; otherwise the title
is the first ``# heading`` (or the file name), the id the slugified file name, the category
``--category`` or the note's top folder, the summary its first sentence. Imported modules join
whatever the target corpus already holds; the whole result is staged, checked and swapped in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..corpus.categories import MAX_CATEGORY_CHARS, write_categories
from ..corpus.loading import load_corpus
from ..corpus.markdown import scan_body
from ..corpus.model import Corpus
from ..corpus.site import SITE_FILE, write_module_url
from ..errors import IngestError
from .citations import CitationResolver, cited_ids, map_citations
from .corpusfiles import categories_need_writing, ensure_data_files
from .modules import ModuleFields, render
from .notes import DEFAULT_CATEGORY, SourceNote, first_sentence, folder_category, read_notes, slug
from .staging import staged_copy, swap_in, validate_staged
from .wikilinks import convert_relative_links, convert_wikilinks, link_key


@dataclass
class ImportReport:
    into: Path
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # note path -> id, where two notes slugify alike
    unresolved_links: dict[str, list[str]] = field(default_factory=dict)  # module id -> link targets
    categories: list[str] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False


def _ids(notes: list[SourceNote], taken: set[str], report: ImportReport) -> list[str]:
    ids: list[str] = []
    for n in notes:
        base = mid = slug(n.name)
        k = 2
        while mid in ids or mid in taken:
            mid, k = f"{base}-{k}", k + 1
        if mid != base:
            report.renamed[n.rel] = mid
        ids.append(mid)
    return ids


def _link_names(notes: list[SourceNote], ids: list[str], current: Corpus | None) -> dict[str, str]:
    names = {link_key(m.title): m.id for m in current.modules.values()} if current else {}
    names |= {link_key(mid): mid for mid in (current.modules if current else {})}
    for n, mid in zip(notes, ids, strict=True):
        aliases = (n.note.front or {}).get("aliases")
        aliases = aliases if isinstance(aliases, list) else []
        for name in (n.name, n.path.stem, mid, n.note.h1, (n.note.front or {}).get("title"), *aliases):
            if isinstance(name, str) and name.strip():
                names[link_key(name)] = mid
    return names


def _closed(body: str) -> str:
    """Obsidian and MkDocs render a fence or $$ block left open to the end of the note; closing it
    there keeps that reading and the loader's rule that blocks are closed."""
    _sections, unclosed, _blocks = scan_body(body, 0)
    for _offset, kind, _line in unclosed:
        body = body.rstrip("\n") + ("\n```\n" if kind == "code fence" else "\n$$\n")
    return body


def _unique_headings(body: str) -> str:
    """A repeated heading gets " (2)", " (3)": every section needs its own anchor for citations."""
    sections, _unclosed, _blocks = scan_body(body, 0)
    seen: dict[str, int] = {}
    lines = body.split("\n")
    for s in sections:
        if s.level < 2:
            continue
        seen[s.anchor] = seen.get(s.anchor, 0) + 1
        if seen[s.anchor] > 1:
            lines[s.line - 1] = lines[s.line - 1].rstrip() + f" ({seen[s.anchor]})"
    return "\n".join(lines)


def _module(n: SourceNote, mid: str, names: dict[str, str], by_path: dict[str, str], category: str | None,
            resolver: CitationResolver, report: ImportReport) -> tuple[ModuleFields, str]:
    front = n.note.front or {}
    linked = convert_relative_links(convert_wikilinks(n.note.body, names, mid), n.rel, by_path, mid)
    if linked.unresolved:
        report.unresolved_links[mid] = linked.unresolved
    body = _unique_headings(_closed(map_citations(linked.body, resolver)))
    related = list(dict.fromkeys([*[r for r in front.get("related") or [] if r in names.values()], *linked.related]))
    summary = front.get("summary") or (front["description"] if isinstance(front.get("description"), str) else "")
    fields = ModuleFields(
        id=mid, number=front.get("number"), title=front.get("title") or n.note.h1 or n.path.stem,
        category=category or front.get("category") or folder_category(n.rel) or DEFAULT_CATEGORY,
        summary=summary or first_sentence(body), hook=front.get("hook"), sources=cited_ids(body),
        related=[r for r in related if r != mid])
    return fields, body


def _categories(current: Corpus | None, used: list[str]) -> list[str]:
    """The corpus's own categories first (its order is the chat page's), then new ones in note order."""
    have = list(current.categories) if current and current.modules else []
    return list(dict.fromkeys(have + used))


def import_notes(folder: Path, into: Path, category: str | None = None, dry_run: bool = False) -> ImportReport:
    if category is not None and (category != category.strip() or not 0 < len(category) <= MAX_CATEGORY_CHARS):
        raise IngestError(f"--category {category!r}: a category is 1-{MAX_CATEGORY_CHARS} characters without "
                          "surrounding spaces")
    report = ImportReport(into=into, dry_run=dry_run)
    notes = read_notes(folder)
    current = load_corpus(into, strict=False) if (into / "modules").is_dir() else None
    ids = _ids(notes, set(), report)
    names = _link_names(notes, ids, current)
    resolver = CitationResolver(current.sources.values() if current else [])
    by_path = {n.rel: mid for n, mid in zip(notes, ids, strict=True)}
    texts: dict[str, str] = {}
    for n, mid in zip(notes, ids, strict=True):
        fields, body = _module(n, mid, names, by_path, category, resolver, report)
        texts[mid] = render(fields, body)
        report.categories.append(fields.category)
    report.categories = _categories(current, list(dict.fromkeys(report.categories)))
    for mid, text in texts.items():
        path = into / "modules" / f"{mid}.md"
        if not path.exists():
            report.added.append(mid)
        else:
            (report.unchanged if path.read_bytes() == text.encode("utf-8") else report.changed).append(mid)
    if not dry_run:
        _write(into, texts, report, new_corpus=current is None or not current.modules)
    return report


def _write(into: Path, texts: dict[str, str], report: ImportReport, new_corpus: bool) -> None:
    with staged_copy(into) as staged:
        ensure_data_files(staged)
        for mid in report.added + report.changed:
            (staged / "modules" / f"{mid}.md").write_text(texts[mid], encoding="utf-8")
        if categories_need_writing(staged, report.categories, new_corpus):
            write_categories(staged, report.categories)
        if new_corpus and not (staged / SITE_FILE).exists():  # not the wiki's pages: no wiki URL in citations
            write_module_url(staged, None)
        validate_staged(staged, into)
        swap_in(staged, into)
    report.written = True
