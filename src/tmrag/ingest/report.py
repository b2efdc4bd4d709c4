"""Sync and import reports as the CLI prints them."""

from __future__ import annotations

from ..errors import preview
from .importer import ImportReport
from .sync import SyncReport


def _lines(label: str, ids: list[str]) -> list[str]:
    return [f"  {label:9} {len(ids):3}  {preview(sorted(ids), 12)}"] if ids else []


def format_sync(r: SyncReport) -> str:
    if r.dry_run:
        verb = "would change" if r.modules_changed else "nothing would change"
    else:
        verb = ("wrote" if r.modules_changed else "saved the sync state") if r.written else "nothing to write"
    out = [f"sync from {r.source}: {verb}"]
    out += _lines("added", r.added) + _lines("changed", r.changed) + _lines("removed", r.removed)
    out += _lines("rewritten", r.other_files)
    out.append(f"  unchanged {len(r.unchanged):3}")
    out.append(f"  {r.requests} requests, {r.not_modified} not modified (304), {r.bytes_received:,} body bytes, "
               f"{r.seconds:.2f} s")
    if r.written and r.modules_changed:
        out.append("  next: `tmrag index` to rebuild the search index")
    return "\n".join(out)


def format_import(r: ImportReport) -> str:
    verb = "would change" if r.dry_run else "wrote"
    out = [f"import into {r.into}: {verb}"]
    out += _lines("added", r.added) + _lines("changed", r.changed) + _lines("unchanged", r.unchanged)
    out.append(f"  categories: {', '.join(r.categories)}")
    out += [f"  renamed   {path} -> {mid} (another note has the same id)" for path, mid in r.renamed.items()]
    unresolved = sorted({t for targets in r.unresolved_links.values() for t in targets})
    if unresolved:
        out.append(f"  {len(unresolved)} wiki link(s) to notes not in the folder, kept as text: {preview(unresolved)}")
    if r.written:
        out.append(f"  next: `tmrag index --corpus {r.into} --out <index folder>`")
    return "\n".join(out)
