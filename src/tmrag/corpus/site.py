"""Where a corpus's modules are published: ``site.yml`` in the corpus folder, ``module_url: <base>``
(a module's page is ``<base>/<id>#<anchor>``) or ``module_url: null`` (notes that live nowhere on the
web, as imported ones do). Without the file, the Transformer Math wiki's."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..config import WIKI_URL
from .model import Problem

SITE_FILE = "site.yml"
HTTP_URL_RE = re.compile(r"^https?://[^\s/?#]+(?:/[^\s?#]*)?$")


def load_module_url(root: Path, rel: str | None = None) -> tuple[str | None, list[Problem]]:
    path = Path(root) / SITE_FILE
    rel = rel or str(path)
    if not path.exists():
        return WIKI_URL, []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [Problem(rel, 1, f"cannot read site settings: {exc}")]
    if not isinstance(data, dict) or set(data) != {"module_url"}:
        return None, [Problem(rel, 1, "must be a mapping with one key, module_url (an http(s) URL or null)")]
    url = data["module_url"]
    if url is not None and not (isinstance(url, str) and HTTP_URL_RE.match(url)):
        return None, [Problem(rel, 1, f"module_url must be an http(s) URL or null, not {url!r}")]
    return (url.rstrip("/") if url else None), []


def write_module_url(root: Path, url: str | None) -> None:
    (Path(root) / SITE_FILE).write_text(yaml.safe_dump({"module_url": url}), encoding="utf-8")


def module_page(base: str | None, module_id: str, anchor: str | None = None) -> str | None:
    return f"{base}/{module_id}" + (f"#{anchor}" if anchor else "") if base else None
