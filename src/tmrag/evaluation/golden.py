"""The golden question file: loading, validation, and a check that its labels exist in the index."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import Engine
from ..errors import GoldenFileError
from ..query.analysis import MAX_QUESTION_CHARS

CATEGORY_TAGS = ("transformer", "training", "inference", "architectures", "applications", "trust-eval",
                 "interview", "ai-engineering", "design-reviews", "off-topic", "near-topic")
# The golden set's retrieval types, then the review set's question kinds (eval/review.jsonl).
TYPE_TAGS = ("single", "multi", "bibliography", "unanswerable", "definition", "comparison", "numeric", "mechanism",
             "list", "multi_part")


@dataclass
class GoldenQuestion:
    id: str
    question: str
    relevant_modules: list[str]
    answerable: bool
    tags: list[str]
    relevant_sections: list[str] = field(default_factory=list)
    relevant_sources: list[str] = field(default_factory=list)
    must_contain: list[str] = field(default_factory=list)
    sides: list[str] = field(default_factory=list)  # each side of a comparison or part of a multi-part question
    side_modules: list[list[str]] = field(default_factory=list)  # the modules that cover each side
    missing: str = ""  # unanswerable: what is asked that the notes don't state
    evidence: list[dict] = field(default_factory=list)  # verbatim quotes that answer it (for graders)
    note: str = ""  # the owner's own note (`tmrag insights --export-golden` says why a candidate was chosen)
    line: int = field(default=0, compare=False)  # where it sits in the golden file, for error messages

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not isinstance(self.question, str) or not self.question.strip():
            raise TypeError("id and question must be non-empty strings")
        if len(self.question) > MAX_QUESTION_CHARS:
            raise TypeError(f"question is {len(self.question)} characters; the limit is {MAX_QUESTION_CHARS}")
        if not isinstance(self.answerable, bool):
            raise TypeError("answerable must be true or false")
        if self.answerable and not self.relevant_modules:  # an unlabelled candidate would score every answer a miss
            raise TypeError(f"{self.id}: relevant_modules is empty: an answerable question needs the modules that "
                            "answer it (or set answerable to false); a `tmrag insights --export-golden` candidate "
                            "must be labelled first")
        for name in ("relevant_modules", "tags", "relevant_sections", "relevant_sources", "must_contain"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"{name} must be a list of strings")

    @property
    def split(self) -> str:
        return "dev" if "dev" in self.tags else "test"

    @property
    def category(self) -> str:
        return next((t for t in self.tags if t in CATEGORY_TAGS), "other")

    @property
    def type(self) -> str:
        return next((t for t in self.tags if t in TYPE_TAGS), "single")


def load_golden(path: Path) -> list[GoldenQuestion]:
    questions, problems = [], []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise GoldenFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            questions.append(GoldenQuestion(**obj, line=n))
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{n}: invalid JSON: {exc}")
        except TypeError as exc:
            problems.append(f"{path}:{n}: {str(exc).replace('GoldenQuestion.__init__() ', '')}")
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            problems.append(f"{path}:{q.line}: duplicate id {q.id!r}")
        seen.add(q.id)
    if problems:
        raise GoldenFileError("golden file is invalid:\n" + "\n".join(problems))
    return questions


def check_labels(questions: list[GoldenQuestion], engine: Engine, path: Path) -> None:
    """A label naming a module, section or source the index lacks could never be hit and
    would silently score as a miss, so the eval refuses to run."""
    chunks = engine.index.chunks
    modules = {c.module_id for c in chunks if c.kind == "module"}
    sections = {f"{c.module_id}#{c.anchor}" for c in chunks if c.kind == "module" and c.anchor}
    sources = {c.source_id for c in chunks if c.kind == "source"}
    problems = [f"{path}:{q.line}: {q.id}: unknown {kind} {label!r}"
                for q in questions
                for kind, labels, known in (("module", q.relevant_modules, modules),
                                            ("section", q.relevant_sections, sections),
                                            ("source", q.relevant_sources, sources))
                for label in labels if label not in known]
    if problems:
        raise GoldenFileError("golden labels name things the index does not have:\n" + "\n".join(problems))

