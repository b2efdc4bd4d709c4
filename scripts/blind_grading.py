"""Blind grading of answers on the review set (docs/decisions.md, issue 19). From the repo root:

    python scripts/blind_grading.py dump OUT.jsonl --split test          # this checkout's answers
    python scripts/blind_grading.py --questions eval/short.jsonl dump OUT.jsonl --split test  # another set
    python scripts/blind_grading.py batches DIR KEY.json A a.jsonl B b.jsonl --batches 4 [--whole]
    python scripts/blind_grading.py tally KEY.json DIR --new B --old A [--baseline grades.json] [--list] [--save F]

`batches` writes both versions of every question whose answer differs, the two versions of a
question in different batches, under random item ids, with the rubric and one brief per batch
(DIR/briefN.md: a grader reads only it, the rubric and its batch); graders write
DIR/gradesN.jsonl ({"item", "grade", "failure", "reason"}) and never see KEY.json. `tally`
counts better/worse per question type and, with --baseline (qid -> grade of version A over the
whole split), the whole split with unchanged answers keeping their earlier grade.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import shutil
from pathlib import Path

REVIEW = Path("eval/review.jsonl")
BRIEF = """# Grading brief

You grade answers from a question-answering assistant over a set of study notes. Read ONLY:

1. `{rubric}`: the rubric. Follow it exactly.
2. `{batch}`: one JSON object per line, each with `item` (an id), `question`, `notes_reference`
   (whether the notes answer it, evidence quoted from them, what they do not state, the sides or
   parts a complete answer needs, the expected numbers), `answer` and `citations` (what each [n]
   quotes).{modules}

Open no other file, run nothing, search nothing. Judge each answer on its own against the question
and the notes_reference. An answer opening "The notes don't state X; the nearest they come: …" flags
X as missing: good for a question the notes do not answer when X is what was asked and the rest does
not mislead; for a question they do answer, judge whether the core answer is still there.

Write one JSON object per line, one per item, in the same order, to `{grades}`:
{{"item": "<id>", "grade": "good" | "partial" | "bad", "failure": "<type, or null when good>", "reason": "<one short sentence>"}}
Failure types: wrong_focus, missing_side, missing_number, disjoint, too_long, no_context,
answered_unanswerable, other. Reply with only the number of items graded and the counts per grade.
"""
# Sets whose questions carry no quoted evidence (the golden set): the grader may read their modules.
MODULES_NOTE = ("\n3. the module files named in an item's `notes_reference.relevant_modules`, at\n"
                "   `{corpus}/<module id>.md`, when its evidence list is empty.")
RANK = {"bad": 0, "partial": 1, "good": 2}
SEED = 8  # any fixed seed: the batches are reproducible from the same answer files


def rows(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def dump(out: Path, split: str, questions: Path = REVIEW) -> None:
    from tmrag.config import Settings
    from tmrag.engine import Engine

    engine = Engine.open(Settings())
    with out.open("w", encoding="utf-8") as f:
        for q in rows(questions).values():
            if split in q["tags"]:
                a = engine.ask(q["question"])
                cites = [{"marker": c.marker, "where": f"{c.module_id or c.source_id} § {c.section}", "quote": c.quote_text}
                         for c in a.citations]
                f.write(json.dumps({"id": q["id"], "answer": a.answer, "citations": cites}, ensure_ascii=False) + "\n")


def item(question: dict, answer: dict) -> dict:
    ref = {"answerable": question["answerable"], "relevant_modules": question["relevant_modules"],
           "evidence_from_notes": [e["quote"] for e in question.get("evidence", [])],
           "not_stated_in_notes": question.get("missing") or None, "sides_or_parts": question.get("sides") or None,
           "expected_numbers": (question["must_contain"] or None) if "numeric" in question["tags"] else None}
    return {"question": question["question"], "notes_reference": ref, "answer": answer["answer"],
            "citations": answer["citations"]}


def batches(out: Path, key_file: Path, versions: list[tuple[str, Path]], n: int, rubric: Path,
            whole: bool = False, questions: Path = REVIEW) -> None:
    """``whole``: every question, not only the changed ones; an answer both versions give is
    graded once and counts for both (so each version gets a grade for the whole split)."""
    rng, review = random.Random(SEED), rows(questions)
    (name_a, a), (name_b, b) = [(name, rows(path)) for name, path in versions]
    shown = ("answer", "citations")  # what a grader reads: a change of citation alone is a change
    changed = [q for q in a if [a[q][f] for f in shown] != [b[q][f] for f in shown]]
    same = [q for q in a if whole and q not in changed]
    rng.shuffle(changed)
    groups: list[list[dict]] = [[] for _ in range(n)]
    key = {}
    for q in changed:
        for (name, answers), slot in zip([(name_a, a), (name_b, b)], rng.sample(range(n), 2), strict=True):
            iid = f"s{rng.randrange(10**9):09d}"
            key[iid] = {"qid": q, "version": name}
            groups[slot].append({"item": iid, **item(review[q], answers[q])})
    for q in same:
        iid = f"s{rng.randrange(10**9):09d}"
        key[iid] = {"qid": q, "version": f"{name_a}+{name_b}"}
        min(groups, key=len).append({"item": iid, **item(review[q], a[q])})
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(rubric, out / "GRADING.md")
    bare = any(not g["notes_reference"]["evidence_from_notes"] for group in groups for g in group)
    modules = MODULES_NOTE.format(corpus=Path("corpus/modules").resolve()) if bare else ""
    for i, group in enumerate(groups, 1):
        rng.shuffle(group)
        batch = out / f"batch{i}.jsonl"
        batch.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in group), encoding="utf-8")
        (out / f"brief{i}.md").write_text(BRIEF.format(rubric=(out / "GRADING.md").resolve(), batch=batch.resolve(),
                                                       grades=(out / f"grades{i}.jsonl").resolve(), modules=modules),
                                          encoding="utf-8")
    key_file.write_text(json.dumps(key), encoding="utf-8")
    print(f"{len(changed)} changed answers, {len(same)} unchanged; batches of {[len(g) for g in groups]}")


def read_grades(key_file: Path, graded: Path) -> dict[tuple[str, str], dict]:
    """(question id, version) -> the grader's row; an answer both versions share counts for both."""
    key, grades = json.loads(key_file.read_text()), {}
    for f in sorted(graded.glob("grades*.jsonl")):
        for g in map(json.loads, f.read_text().splitlines()):
            for version in key[g["item"]]["version"].split("+"):
                grades[(key[g["item"]]["qid"], version)] = g
    return grades


def tally(key_file: Path, graded: Path, new: str, old: str, baseline: Path | None, questions: Path = REVIEW,
          listed: bool = False, save: Path | None = None) -> None:
    """Moves per question type, each version's grades and failures; ``listed``: every question
    whose grade moved, with both graders' reasons; ``save``: the new version's grade per question."""
    review, graded_rows = rows(questions), read_grades(key_file, graded)
    grades = {k: g["grade"] for k, g in graded_rows.items()}
    failures = collections.Counter((v, g.get("failure") or "other") for (_, v), g in graded_rows.items()
                                   if g["grade"] != "good")
    moves: collections.Counter = collections.Counter()
    final = json.loads(baseline.read_text()) if baseline else {}
    for (q, version), grade in sorted(grades.items()):
        if version == new and (q, old) in grades:
            diff = RANK[grade] - RANK[grades[(q, old)]]
            move = "better" if diff > 0 else "worse" if diff < 0 else "same"
            moves[(review[q]["tags"][0], move)] += 1
            final[q] = grade
            if listed and diff:
                print(f"{q} {move} {grades[(q, old)]} -> {grade}\n  {old}: {graded_rows[(q, old)].get('reason', '')}"
                      f"\n  {new}: {graded_rows[(q, new)].get('reason', '')}")
    if save is not None:
        new_grades = {q: g for (q, v), g in sorted(grades.items()) if v == new}
        save.write_text(json.dumps(new_grades, indent=0) + "\n", encoding="utf-8")
    print(json.dumps({f"{t} {m}": c for (t, m), c in sorted(moves.items())}, indent=1))
    for version in (old, new):
        mine = collections.Counter(g for (_, v), g in grades.items() if v == version)
        total = sum(mine.values())
        if total:
            print(version, {g: f"{mine[g]} ({mine[g] / total:.1%})" for g in RANK},
                  {f: c for (v, f), c in failures.most_common() if v == version})
    if baseline:
        counts = collections.Counter(final.values())
        print({g: f"{counts[g]} ({counts[g] / len(final):.1%})" for g in RANK})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--questions", type=Path, default=REVIEW, help="the question set (default: the review set)")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--split", default="test")
    b = sub.add_parser("batches")
    b.add_argument("out", type=Path)
    b.add_argument("key", type=Path)
    b.add_argument("a_name")
    b.add_argument("a_file", type=Path)
    b.add_argument("b_name")
    b.add_argument("b_file", type=Path)
    b.add_argument("--batches", type=int, default=4)
    b.add_argument("--whole", action="store_true", help="every question, unchanged answers graded once for both")
    b.add_argument("--rubric", type=Path, default=Path("../shared/GRADING.md"))
    t = sub.add_parser("tally")
    t.add_argument("key", type=Path)
    t.add_argument("graded", type=Path)
    t.add_argument("--new", required=True)
    t.add_argument("--old", required=True)
    t.add_argument("--baseline", type=Path)
    t.add_argument("--list", action="store_true", help="every question whose grade moved, with the graders' reasons")
    t.add_argument("--save", type=Path, help="write the new version's grade per question (eval/grades/*.json)")
    args = p.parse_args()
    if args.cmd == "dump":
        dump(args.out, args.split, args.questions)
    elif args.cmd == "batches":
        versions = [(args.a_name, args.a_file), (args.b_name, args.b_file)]
        batches(args.out, args.key, versions, args.batches, args.rubric, args.whole, args.questions)
    else:
        tally(args.key, args.graded, args.new, args.old, args.baseline, args.questions, args.list, args.save)


if __name__ == "__main__":
    main()
