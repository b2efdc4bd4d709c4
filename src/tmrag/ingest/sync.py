"""`tmrag sync`: bring the wiki's modules into a corpus folder.

llms.txt says which modules exist, their titles, summaries and categories; ``/raw/<slug>.md``
gives each body as published. A module the corpus has but llms.txt does not list is asked for
too: the wiki still serving it (llms.txt omits Model Merging) keeps it, a 404 removes it.
Everything is fetched and converted before anything is written; the new corpus is staged,
checked by the corpus loader and swapped in whole (staging.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import Settings
from ..corpus.categories import CATEGORIES_FILE, write_categories
from ..corpus.loading import load_corpus
from ..corpus.model import Corpus, Module
from ..errors import IngestError
from ..files import sha256_file
from . import fetch
from .citations import CitationResolver, cited_ids, map_citations
from .corpusfiles import categories_need_writing, drop_glossary_modules, ensure_data_files
from .llmstxt import WikiEntry, parse_llms_txt
from .modules import ModuleFields, decode, parse_note, render
from .staging import staged_copy, swap_in, validate_staged
from .state import FileState, SyncState

ProgressFactory = Callable[[int], Callable[[], None]]  # given the number of files, returns "one more done"


@dataclass
class SyncReport:
    source: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    other_files: list[str] = field(default_factory=list)  # categories.yml, glossary.jsonl rewritten
    requests: int = 0
    not_modified: int = 0
    bytes_received: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    written: bool = False

    @property
    def modules_changed(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.other_files)


@dataclass
class _Plan:
    texts: dict[str, str]  # module id -> the file's new text
    categories: list[str]
    state: SyncState


def _current(root: Path) -> Corpus | None:
    return load_corpus(root, strict=False) if (root / "modules").is_dir() else None


def _on_disk(root: Path) -> dict[str, str]:
    """sha256 of each module file: a file synced last time and not edited since may be asked for with a 304."""
    return {p.stem: sha256_file(p) for p in sorted((root / "modules").glob("*.md"))} if (root / "modules").is_dir() \
        else {}


@dataclass
class _Fetched:
    llms: fetch.Fetched
    llms_text: str
    entries: dict[str, WikiEntry]
    files: dict[str, fetch.Fetched]  # module id -> response, for every listed or existing module

    @property
    def nothing_new(self) -> bool:
        return self.llms.status == "not_modified" and all(f.status == "not_modified" for f in self.files.values())


def _fields(mid: str, entry: WikiEntry | None, note_front: dict, existing: Module | None, body: str,
            modules: set[str]) -> ModuleFields:
    """llms.txt's title/summary/category first, then the raw file's own front matter, then the existing module."""
    def pick(name: str, default: object) -> object:
        if name in note_front:
            return note_front[name]
        return getattr(existing, name) if existing is not None else default

    title = entry.title if entry else pick("title", mid)
    summary = entry.summary if entry and entry.summary else pick("summary", "")
    category = entry.category if entry else pick("category", "")
    cited = cited_ids(body)
    sources = cited + [s for s in note_front.get("sources") or [] if s not in cited]
    if existing is not None and set(sources) == set(existing.sources):
        sources = list(existing.sources)  # the same list: keep the order it was written in
    related = [r for r in pick("related", []) or [] if r in modules and r != mid]
    return ModuleFields(mid, pick("number", None), title, category, summary, pick("hook", None), sources, related)


def _same_fields(fields: ModuleFields, m: Module) -> bool:
    return asdict(fields) == {k: getattr(m, k) for k in asdict(fields)}


def _convert(mid: str, got: fetch.Fetched, entry: WikiEntry | None, existing: Module | None,
             resolver: CitationResolver, modules: set[str]) -> str:
    if got.status == "not_modified":
        if existing is None:  # the file on disk is the one last written (same hash) but no longer loads
            raise IngestError(f"{got.url}: not modified, but modules/{mid}.md does not load; fix or delete it and sync again")
        front, body = {}, existing.body  # converted last time; converting again changes nothing
    else:
        note = parse_note(decode(got.body or b"", got.url), got.url)
        front, body = note.front or {}, map_citations(note.body, resolver)
    fields = _fields(mid, entry, front, existing, body, modules)
    if existing is not None and _same_fields(fields, existing) and body.strip("\n") == existing.body.strip("\n"):
        return existing.text  # same data: keep the file as written (its YAML style, its blank lines)
    return render(fields, body)


async def _fetch(settings: Settings, base: str, old: SyncState, on_disk: dict[str, str],
                 progress: ProgressFactory | None, report: SyncReport) -> _Fetched:
    async with fetch.client(settings) as http:
        fetcher = fetch.Fetcher(settings, http)
        llms = await fetcher.get(base + "llms.txt", old.llms_txt.validators() if old.llms_text else None)
        text = old.llms_text if llms.status == "not_modified" else decode(llms.body or b"", llms.url)
        entries = {e.slug: e for e in parse_llms_txt(text)}
        ids = list(entries) + [m for m in on_disk if m not in entries]
        fetcher.advance = progress(len(ids)) if progress else None
        requests = {}
        for mid in ids:
            mine = mid in old.modules and old.modules[mid].sha256 == on_disk.get(mid)
            requests[mid] = (f"{base}raw/{mid}.md", old.modules[mid].validators() if mine else None, mid not in entries)
        files = await fetcher.get_all(requests)
        report.requests, report.bytes_received = fetcher.requests, fetcher.bytes_received
    report.not_modified = sum(g.status == "not_modified" for g in files.values()) + (llms.status == "not_modified")
    return _Fetched(llms, text, entries, files)


def _plan(got: _Fetched, base: str, current: Corpus | None) -> _Plan:
    existing = current.modules if current else {}
    kept = [m for m, f in got.files.items() if f.status != "missing"]
    resolver = CitationResolver(current.sources.values() if current else [])
    texts = {m: _convert(m, got.files[m], got.entries.get(m), existing.get(m), resolver, set(kept)) for m in kept}
    state = SyncState(source=base, llms_txt=FileState.of(got.llms.validators), llms_text=got.llms_text,
                      modules={m: FileState.of(got.files[m].validators, texts[m]) for m in kept})
    categories = list(dict.fromkeys([e.category for e in got.entries.values()] +
                                    [existing[m].category for m in kept if m not in got.entries]))
    return _Plan(texts, categories, state)


def _diff(root: Path, plan: _Plan, current: Corpus | None, report: SyncReport) -> None:
    existing = current.modules if current else {}
    for mid, text in plan.texts.items():
        if mid not in existing:
            report.added.append(mid)
        else:
            same = existing[mid].path.read_bytes() == text.encode("utf-8")
            (report.unchanged if same else report.changed).append(mid)
    report.removed = sorted(m for m in existing if m not in plan.texts)
    if categories_need_writing(root, plan.categories, new_corpus=current is None):
        report.other_files.append(CATEGORIES_FILE)
    if report.removed and current and any(set(t.modules) & set(report.removed) for t in current.glossary):
        report.other_files.append("glossary.jsonl")


def _write(root: Path, plan: _Plan, report: SyncReport) -> None:
    with staged_copy(root) as staged:
        ensure_data_files(staged)
        modules = staged / "modules"
        modules.mkdir(exist_ok=True)
        for mid in report.added + report.changed:
            (modules / f"{mid}.md").write_text(plan.texts[mid], encoding="utf-8")
        for mid in report.removed:
            (modules / f"{mid}.md").unlink()
        drop_glossary_modules(staged / "glossary.jsonl", set(report.removed))
        if CATEGORIES_FILE in report.other_files:
            write_categories(staged, plan.categories)
        plan.state.save(staged)
        validate_staged(staged, root)
        swap_in(staged, root)
    report.written = True


def sync_wiki(settings: Settings, source: str | None = None, dry_run: bool = False,
              progress: ProgressFactory | None = None) -> SyncReport:
    t0 = time.perf_counter()
    base = (source or settings.sync_url).rstrip("/") + "/"
    root = settings.corpus_dir
    if root.exists() and not (root / "modules").is_dir():
        raise IngestError(f"{root}: exists but is not a corpus folder (no modules/); refusing to replace it")
    report = SyncReport(source=base, dry_run=dry_run)
    old, on_disk = SyncState.load(root, base), _on_disk(root)
    got = asyncio.run(_fetch(settings, base, old, on_disk, progress, report))
    if got.nothing_new:  # every file as last time and not edited since: the corpus need not even be read
        report.unchanged = sorted(got.files)
    else:
        current = _current(root)
        plan = _plan(got, base, current)
        _diff(root, plan, current, report)
        if not dry_run and (report.modules_changed or plan.state != old):
            _write(root, plan, report)
    report.seconds = time.perf_counter() - t0
    return report
