"""Small edits to a staged corpus's data files that sync and import both need."""

from __future__ import annotations

import json
from pathlib import Path

from ..config import CATEGORIES
from ..corpus.categories import CATEGORIES_FILE, load_categories

DATA_FILES = ("bibliography.jsonl", "glossary.jsonl")


def ensure_data_files(root: Path) -> None:
    """A new corpus gets an empty bibliography and glossary: the loader requires both files."""
    (root / "modules").mkdir(parents=True, exist_ok=True)
    for name in DATA_FILES:
        if not (root / name).exists():
            (root / name).write_text("", encoding="utf-8")


def drop_glossary_modules(path: Path, removed: set[str]) -> None:
    """Forget removed modules in glossary terms; lines not naming one stay byte for byte."""
    if not removed or not path.exists():
        return
    lines = path.read_text(encoding="utf-8").split("\n")
    for n, line in enumerate(lines):
        try:
            obj = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            continue  # the loader reports it; rewriting it here would hide where it was
        if isinstance(obj, dict) and isinstance(obj.get("modules"), list) and set(obj["modules"]) & removed:
            obj["modules"] = [m for m in obj["modules"] if m not in removed]
            lines[n] = json.dumps(obj, ensure_ascii=False)
    path.write_text("\n".join(lines), encoding="utf-8")


def categories_need_writing(root: Path, wanted: list[str], new_corpus: bool = False) -> bool:
    """Whether categories.yml must be (re)written to hold ``wanted``. Without the file the wiki's
    nine apply, which serves an existing corpus as long as every category used is one of them;
    a new corpus always gets its own list, so its filters show only its categories."""
    if not (root / CATEGORIES_FILE).exists():
        return new_corpus or not set(wanted) <= set(CATEGORIES)
    have, _ = load_categories(root)
    return have != tuple(wanted)
