"""A corpus's category names: ``categories.yml`` in the corpus folder (a YAML list, in the order
the chat page shows them), or the Transformer Math wiki's nine when the file is absent.

Imported note collections have categories of their own; everything that checks a category
(the loader, the CLI, the HTTP and MCP schemas, the chat page's filter) asks this module."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..config import CATEGORIES
from ..errors import CorpusError
from .model import Problem

CATEGORIES_FILE = "categories.yml"
MAX_CATEGORY_CHARS = 100  # a filter label, not a sentence


def _shape_problems(data: object, rel: str) -> list[Problem]:
    if not isinstance(data, list) or not data:
        return [Problem(rel, 1, "must be a non-empty YAML list of category names")]
    out, seen = [], set()
    for n, name in enumerate(data, 1):
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_CATEGORY_CHARS or name != name.strip():
            out.append(Problem(rel, n, f"entry {n} must be a name of 1-{MAX_CATEGORY_CHARS} characters "
                                       "without surrounding spaces"))
        elif name in seen:
            out.append(Problem(rel, n, f"duplicate category '{name}'"))
        else:
            seen.add(name)
    return out


def load_categories(root: Path, rel: str | None = None) -> tuple[tuple[str, ...] | None, list[Problem]]:
    """The names and any problems; None (with problems) when the file is unusable, so callers
    skip per-module category checks rather than report every module."""
    path = Path(root) / CATEGORIES_FILE
    rel = rel or str(path)
    if not path.exists():
        return CATEGORIES, []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(rel, 1, f"cannot read file: {exc}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Problem(rel, mark.line + 1 if mark else 1, f"bad YAML: {getattr(exc, 'problem', None) or exc}")]
    problems = _shape_problems(data, rel)
    return (None, problems) if problems else (tuple(data), [])


def corpus_categories(root: Path) -> tuple[str, ...]:
    """The names, for edges that validate a filter before loading the corpus; a broken file is an error."""
    names, problems = load_categories(root)
    if names is None:
        raise CorpusError(f"{Path(root) / CATEGORIES_FILE}: invalid category list", problems)
    return names


def served_categories(root: Path) -> tuple[str, ...]:
    """The names a server starts with; a broken file falls back to the wiki's, and the engine's
    load reports the file's problem (/readyz, the MCP tools' errors)."""
    names, _problems = load_categories(root)
    return names or CATEGORIES


def write_categories(root: Path, names: list[str]) -> None:
    text = yaml.safe_dump(list(names), allow_unicode=True, default_flow_style=False, sort_keys=False)
    (Path(root) / CATEGORIES_FILE).write_text(text, encoding="utf-8")
