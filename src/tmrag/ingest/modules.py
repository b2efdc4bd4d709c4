"""Module files as the corpus stores them: front matter fields rendered as YAML, and notes as
published (optional front matter, an optional leading ``# Title``, the body) split apart."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import yaml

from ..corpus.loading import FM_CLOSE_RE, MODULE_FIELDS, MODULE_TYPES, normalize_text
from ..errors import IngestError

H1_RE = re.compile(r"\A\s*#[ \t]+(?P<title>[^\n]+?)[ \t#]*(?:\n|\Z)")


@dataclass
class ModuleFields:
    id: str
    number: int | None
    title: str
    category: str
    summary: str
    hook: str | None = None
    sources: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Note:
    """A Markdown note as published: its front matter (only fields of the corpus format with the
    right shape; None without front matter), the title of a leading ``# Title`` and the rest."""

    front: dict | None
    h1: str | None
    body: str


def render(fields: ModuleFields, body: str) -> str:
    front = yaml.safe_dump(asdict(fields), sort_keys=False, allow_unicode=True, width=1_000_000)
    assert tuple(asdict(fields)) == MODULE_FIELDS  # the loader's field order is the file's
    body = "\n" + body.strip("\n") + "\n" if body.strip() else "\n"
    return f"---\n{front}---\n{body}"


def parse_note(text: str, where: str) -> Note:
    """Split a published note. Its front matter may hold other fields (tags, aliases, …): they are
    not part of the corpus format and are dropped; a field of ours with the wrong shape too."""
    text = normalize_text(text)
    front: dict | None = None
    if text.startswith("---\n") and (close := FM_CLOSE_RE.search(text, 4)):
        try:
            data = yaml.safe_load(text[4 : close.start()])
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark else 1
            raise IngestError(f"{where}:{line}: bad YAML in front matter: {getattr(exc, 'problem', None) or exc}") from None
        data = data if isinstance(data, dict) else {}
        front = {k: data[k] for k in MODULE_FIELDS if k in data and MODULE_TYPES[k][0](data[k])}
        front.update({k: data[k] for k in ("description", "aliases") if k in data})  # used by import
        text = text[close.end() :]
    h1 = H1_RE.match(text)
    return Note(front, h1.group("title").strip() if h1 else None, text[h1.end() :] if h1 else text)


def decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise IngestError(f"{where}:{line}: not valid UTF-8 (byte {exc.start}); nothing was written") from None
