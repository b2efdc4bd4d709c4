"""Follow-up evaluation: each conversation's follow-up answered three ways — alone (no history),
in context (history = the first question and the system's own answer to it), and as its
standalone rewrite — so context handling is measured against the rewrite it should match.

Topic switches: each conversation's first turn followed by a self-contained question from the
review set (eval/review.jsonl, same split) whose modules share nothing with the first turn's;
the new topic must be cited and the old one not.

    tmrag eval --conversations eval/conversations.jsonl --split test
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import Engine
from ..errors import GoldenFileError
from ..query.followup import Turn
from . import metrics as M

WAYS = ("alone", "in_context", "standalone")


@dataclass
class Conversation:
    id: str
    first: str
    followup: str
    resolved: str
    relevant_modules: list[str]
    kind: str
    split: str
    answerable: bool = True
    first_modules: list[str] = field(default_factory=list)
    must_contain: list[str] = field(default_factory=list)


def load_conversations(path: Path) -> list[Conversation]:
    wanted = {f for f in Conversation.__dataclass_fields__}
    out, problems = [], []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            out.append(Conversation(**{k: v for k, v in obj.items() if k in wanted}))
        except (json.JSONDecodeError, TypeError) as exc:
            problems.append(f"{path}:{n}: {exc}")
    if problems:
        raise GoldenFileError("conversation file is invalid:\n" + "\n".join(problems))
    return out


def _record(engine: Engine, c: Conversation, question: str, history: list[Turn]) -> dict:
    a = engine.ask(question, history=history)
    cited = {x.module_id or x.source_id for x in a.citations}
    return {"cites_relevant": float(bool(cited & set(c.relevant_modules))) if c.answerable else None,
            "cites_old": float(bool(cited & set(c.first_modules))) if c.kind == "switch" else None,
            "must_recall": M.contains_recall(a.answer, c.must_contain) if c.answerable else None,
            "caught": float(a.coverage != "answered") if not c.answerable else None,
            "resolved_question": a.resolved_question, "timings_ms": a.timings_ms}


def topic_switches(engine: Engine, conversations: list[Conversation], review: list) -> dict:  # noqa: ANN001
    """Cited-new and cited-old rates over switches built by pairing each first turn with the next
    unused review question on other modules (deterministic: file order)."""
    pool = [q for q in review if q.answerable and q.type not in ("comparison", "multi_part")]
    used: set[str] = set()
    new_cited, old_cited, alone_new, alone_old = [], [], [], []
    for c in conversations:
        old = set(c.relevant_modules) | set(getattr(c, "first_modules", []) or [])
        q = next((q for q in pool if q.id not in used and not set(q.relevant_modules) & old), None)
        if q is None:
            continue
        used.add(q.id)
        first = engine.ask(c.first)
        cited = _cited(engine.ask(q.question, history=[Turn(c.first, first.answer)]))
        alone = _cited(engine.ask(q.question))
        new_cited.append(float(bool(cited & set(q.relevant_modules))))
        old_cited.append(float(bool(cited & old)))
        alone_new.append(bool(alone & set(q.relevant_modules)))
        alone_old.append(bool(alone & old))
    # The same rates over the switches whose question, asked alone, cites its topic (or does not
    # cite the old one): what the conversation changes, apart from the question's own retrieval.
    return {"n": len(new_cited), "new_topic_cited": M.mean(new_cited), "old_topic_cited": M.mean(old_cited),
            "n_alone_cites_new": sum(alone_new),
            "new_topic_cited_where_alone_does": M.mean(x for x, ok in zip(new_cited, alone_new, strict=True) if ok),
            "old_topic_cited_where_alone_does_not": M.mean(x for x, o in zip(old_cited, alone_old, strict=True) if not o)}


def _rate(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _cited(answer) -> set[str]:  # noqa: ANN001
    return {x.module_id for x in answer.citations if x.module_id}


def run_conversations(engine: Engine, conversations: list[Conversation]) -> dict:
    records = []
    for c in conversations:  # kind "switch": the follow-up is a new topic; the first turn's must not be cited
        first = engine.ask(c.first)
        history = [Turn(c.first, first.answer)]
        records.append({"id": c.id, "kind": c.kind, **{way: _record(engine, c, q, h) for way, q, h in (
            ("alone", c.followup, []), ("in_context", c.followup, history), ("standalone", c.resolved, []))}})
    follow_ups = [r for r in records if r["kind"] != "switch"]
    summary = {way: {k: M.mean(r[way][k] for r in follow_ups) for k in ("cites_relevant", "must_recall", "caught")}
               for way in WAYS}
    switch = [r for r in records if r["kind"] == "switch"]
    summary["switch"] = {"n": len(switch), "new_topic_cited": M.mean(r["in_context"]["cites_relevant"] for r in switch),
                         "old_topic_cited": M.mean(r["in_context"]["cites_old"] for r in switch)}
    kinds = sorted({r["kind"] for r in records})
    by_kind = {k: {way: M.mean(r[way]["cites_relevant"] for r in records if r["kind"] == k) for way in WAYS}
               for k in kinds}
    return {"n": len(records), "summary": summary, "cites_relevant_by_kind": by_kind, "records": records}


def format_conversations(report: dict) -> str:
    lines = [f"{report['n']} conversations (follow-ups below exclude the written topic switches)",
             "| follow-up asked | cites-relevant | must-contain | unanswerable caught |",
             "|---|---|---|---|"]
    for way in WAYS:
        s = report["summary"][way]
        lines.append(f"| {way} | " + " | ".join(f"{s[k]:.3f}" if s[k] is not None else "–"
                                                 for k in ("cites_relevant", "must_recall", "caught")) + " |")
    s = report["summary"]["switch"]
    if s["n"]:
        lines.append(f"\nwritten topic switches: {s['n']}; new topic cited {s['new_topic_cited']:.3f}, "
                     f"old topic cited {s['old_topic_cited']:.3f}")
    if "switches" in report:
        s = report["switches"]
        lines.append(f"constructed topic switches: {s['n']}; new topic cited {s['new_topic_cited']:.3f}, "
                     f"old topic cited {s['old_topic_cited']:.3f}")
        if "n_alone_cites_new" in s:
            lines.append(f"  where the question asked alone cites its topic ({s['n_alone_cites_new']}): new topic cited "
                         f"{_rate(s['new_topic_cited_where_alone_does'])}; old topic cited where alone it is not "
                         f"{_rate(s['old_topic_cited_where_alone_does_not'])}")
    return "\n".join(lines)
