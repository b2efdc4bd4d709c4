"""From feedback to eval: down-rated and not-covered questions as candidate golden questions.

Each candidate is a golden-format row (eval/golden.jsonl) with ``relevant_modules`` empty and
``answerable`` true: the owner labels it (fills the modules that answer it, or sets answerable to
false for a question the notes should decline) before `tmrag eval` accepts the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, Field

from ..files import atomic_write_text
from .records import Feedback, LoggedQuestion

CANDIDATE_TAG = "from-insights"  # where the row came from, for the owner reviewing the golden file
ID_HEX = 8  # 32 bits of the question's hash: stable across exports, unique among a few thousand


class Candidate(BaseModel):
    id: str
    question: str
    relevant_modules: list[str] = Field(default_factory=list)
    relevant_sections: list[str] = Field(default_factory=list)
    relevant_sources: list[str] = Field(default_factory=list)
    answerable: bool = True
    tags: list[str] = Field(default_factory=lambda: [CANDIDATE_TAG])
    note: str


def _key(question: str) -> str:
    return " ".join(question.lower().split())


def candidates(rows: list[LoggedQuestion], feedback: list[Feedback]) -> list[Candidate]:
    """Down-rated questions first (a reader said the answer was wrong), then not-covered ones, most
    asked first; each question once."""
    notes: dict[str, tuple[str, list[str]]] = {}
    for f in feedback:
        if f.rating == "down":
            q = f.resolved_question or f.question
            reasons = notes.setdefault(_key(q), (q, []))[1]
            reasons.append(f"down-rated: {f.comment}" if f.comment else "down-rated")
    asked: dict[str, tuple[str, int]] = {}
    for r in rows:
        if r.coverage == "not_covered":
            q, n = asked.get(_key(r.resolved_question), (r.resolved_question, 0))
            asked[_key(r.resolved_question)] = (q, n + 1)
    for key, (q, n) in sorted(asked.items(), key=lambda kv: -kv[1][1]):
        notes.setdefault(key, (q, []))[1].append(f"not covered, asked {n}x")
    return [Candidate(id="ins-" + hashlib.sha256(key.encode()).hexdigest()[:ID_HEX], question=q,
                      note="; ".join(reasons) + "; label relevant_modules (or set answerable false) before the eval")
            for key, (q, reasons) in notes.items()]


def write_candidates(path: Path, items: list[Candidate]) -> None:
    text = "".join(json.dumps(c.model_dump(), ensure_ascii=False) + "\n" for c in items)
    atomic_write_text(Path(path), text)
