"""Reading a folder of Markdown notes: which files are notes (an MkDocs project's docs/, an
Obsidian vault without its .obsidian/ settings or .trash/), and each note's id, title,
category and summary when its front matter does not give them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import IngestError
from .modules import Note, decode, parse_note

MAX_ID_CHARS = 100  # the web app's module id pattern allows 100
SUMMARY_CHARS = 200  # one line under a title in lists, like the wiki's summaries
DEFAULT_CATEGORY = "Notes"
INDEX_NAMES = {"index", "readme"}  # MkDocs and GitHub folder pages: named after their folder
MKDOCS_DOCS_DIR_RE = re.compile(r"^docs_dir:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", re.M)
SKIPPED_DIRS = {"node_modules", "site", "_site"}  # dependencies and built sites, not notes


@dataclass(frozen=True)
class SourceNote:
    path: Path
    rel: str  # path relative to the notes root, for messages and folder categories
    note: Note

    @property
    def name(self) -> str:
        stem = self.path.stem
        if stem.lower() in INDEX_NAMES and len(Path(self.rel).parts) > 1:
            return Path(self.rel).parts[-2]
        return stem


def notes_root(folder: Path) -> Path:
    """The folder itself, or an MkDocs project's docs folder (mkdocs.yml's docs_dir, default docs/)."""
    config = next((folder / n for n in ("mkdocs.yml", "mkdocs.yaml") if (folder / n).is_file()), None)
    if config is None:
        return folder
    m = MKDOCS_DOCS_DIR_RE.search(config.read_text(encoding="utf-8", errors="replace"))
    docs = folder / (m.group(1).strip() if m else "docs")
    return docs if docs.is_dir() else folder


def read_notes(folder: Path) -> list[SourceNote]:
    if not folder.is_dir():
        raise IngestError(f"{folder}: not a folder")
    root = notes_root(folder)
    out = []
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(root)
        if any(p.startswith(".") or p in SKIPPED_DIRS for p in rel.parts[:-1]) or not path.is_file():
            continue
        where = str(path)
        out.append(SourceNote(path, rel.as_posix(), parse_note(decode(path.read_bytes(), where), where)))
    if not out:
        raise IngestError(f"{folder}: no Markdown notes (*.md) found")
    return out


def slug(name: str) -> str:
    """A module id from a file name: ASCII, lower-case, words joined by hyphens."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:MAX_ID_CHARS].strip("-")
    return text or "note"


def folder_category(rel: str) -> str | None:
    parts = Path(rel).parts
    return parts[0] if len(parts) > 1 else None


def first_sentence(body: str) -> str:
    """The first prose paragraph's first sentence, as plain text: a summary for notes without one."""
    for block in re.split(r"\n\s*\n", body):
        text = block.strip()
        if not text or text[0] in "#`|$<>-*![" or text.startswith(("---", "```", "~~~")):
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links read as their text
        text = " ".join(re.sub(r"[*_`]", "", text).split())
        sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
        return sentence if len(sentence) <= SUMMARY_CHARS else sentence[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return ""
