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
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..corpus.categories import CATEGORIES_FILE, write_categories
from ..corpus.loading import load_corpus
from ..corpus.model import Corpus, Module
from ..errors import IngestError
from . import fetch
from .citations import CitationResolver, cited_ids, map_citations
from .corpusfiles import categories_need_writing, drop_glossary_modules, ensure_data_files
from .llmstxt import WikiEntry, parse_llms_txt
from .modules import ModuleFields, decode, parse_note, render
from .staging import staged_copy, swap_in, validate_staged
from .state import STATE_FILE, FileState, SyncState

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
    sources = cited + [s for s in note_front.get("sources") or [] if s not in cited] if cited or note_front.get("sources") \
        else []
    related = [r for r in pick("related", []) or [] if r in modules and r != mid]
    return ModuleFields(mid, pick("number", None), title, category, summary, pick("hook", None), sources, related)


def _convert(mid: str, got: fetch.Fetched, entry: WikiEntry | None, existing: Module | None,
             resolver: CitationResolver, modules: set[str]) -> str:
    if got.status == "not_modified" and existing is not None:
        front, body = {}, existing.body  # converted last time; converting again changes nothing
    else:
        note = parse_note(decode(got.body or b"", got.url), got.url)
        front, body = note.front or {}, map_citations(note.body, resolver)
    return render(_fields(mid, entry, front, existing, body, modules), body)


def _requests(base: str, ids: list[str], listed: set[str], state: SyncState, current: Corpus | None
              ) -> dict[str, tuple[str, fetch.Validators | None, bool]]:
    out = {}
    for mid in ids:
        have = current is not None and mid in current.modules and mid in state.modules
        out[mid] = (f"{base}raw/{mid}.md", state.modules[mid].validators() if have else None, mid not in listed)
    return out


async def _plan(settings: Settings, base: str, current: Corpus | None, progress: ProgressFactory | None,
                report: SyncReport) -> _Plan:
    old = SyncState.load(settings.corpus_dir, base)
    async with fetch.client(settings) as http:
        fetcher = fetch.Fetcher(settings, http)
        llms = await fetcher.get(base + "llms.txt", old.llms_txt.validators() if old.llms_text else None)
        text = old.llms_text if llms.status == "not_modified" else decode(llms.body or b"", llms.url)
        entries = {e.slug: e for e in parse_llms_txt(text)}
        existing = current.modules if current else {}
        ids = list(entries) + [m for m in existing if m not in entries]
        fetcher.advance = progress(len(ids)) if progress else None
        got = await fetcher.get_all(_requests(base, ids, set(entries), old, current))
        report.requests, report.bytes_received = fetcher.requests, fetcher.bytes_received
    report.not_modified = sum(g.status == "not_modified" for g in got.values()) + (llms.status == "not_modified")
    kept = [m for m in ids if got[m].status != "missing"]
    resolver = CitationResolver(current.sources.values() if current else [])
    texts = {m: _convert(m, got[m], entries.get(m), existing.get(m), resolver, set(kept)) for m in kept}
    state = SyncState(source=base, llms_txt=FileState.of(llms.validators), llms_text=text,
                      modules={m: FileState.of(got[m].validators) for m in kept})
    categories = list(dict.fromkeys([e.category for e in entries.values()] + [existing[m].category for m in kept
                                                                             if m not in entries]))
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
    current = _current(root)
    report = SyncReport(source=base, dry_run=dry_run)
    plan = asyncio.run(_plan(settings, base, current, progress, report))
    _diff(root, plan, current, report)
    state_changed = SyncState.load(root, base) != plan.state or not (root / STATE_FILE).exists()
    if not dry_run and (report.modules_changed or state_changed):
        _write(root, plan, report)
    report.seconds = time.perf_counter() - t0
    return report
