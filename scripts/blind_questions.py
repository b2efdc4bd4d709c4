"""Fresh blind review questions (issue 19): briefs for writers who see only the notes, then a check of
what they wrote. From the repo root:

    python scripts/blind_questions.py briefs DIR --tag dev23 --ids r-9761 r-9861 r-10001 r-10021 [--seed 32]
    python scripts/blind_questions.py check DIR [--out merged.jsonl] [--near 0.85]

`briefs` splits the modules among the writers (one id range each, 20 questions per writer) and writes
DIR/briefN.md, DIR/modulesN.txt and DIR/existing.txt (every question already in eval/, which the
writers must not repeat). Each writer reads only those files and writes DIR/qN.jsonl. `check`
validates the files against corpus/ — JSON, ids, verbatim quotes, real section anchors,
must-contain strings, tags — and, with --out, writes the questions without the near-duplicates of
existing ones (cosine above --near with the default embedder), ready to append to eval/review.jsonl.
docs/blind-evaluation.md describes the whole loop.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from functools import cache
from pathlib import Path

import numpy as np

from tmrag.corpus.markdown import scan_body

CORPUS = Path("corpus/modules")
QUESTION_SETS = [Path("eval/review.jsonl"), Path("eval/short.jsonl"), Path("eval/golden.jsonl")]
PER_WRITER = 20
# The mix each writer writes: unanswerable questions are the ones the assistant gets most wrong.
MIX = {"unanswerable": 5, "comparison": 4, "numeric": 4, "multi_part": 3, "mechanism": 3, "list": 1}
NEAR_DUPLICATE = 0.85  # cosine (all-MiniLM) above which a question repeats an existing one in other words

BRIEF = """# Question-writing brief (writer {n})

You write hard, realistic interview-prep questions about study notes on transformer internals,
training, inference, architectures, agent engineering and ML system design. They will test a
question-answering assistant over these notes; you never see the assistant or its answers. Read ONLY:

1. the module files listed in `{modules}` (Markdown; the YAML front matter's `id` is the module id);
2. `{existing}` — questions that already exist: do not ask the same thing (same fact, same worked
   example) as any of them.

Open no other file and search nothing. You may run a script that only reads these files, to check
that your quotes are verbatim.

## Write exactly {count} questions to `{out}`, one JSON object per line
Mix (exact counts): {mix}.
- unanswerable: sounds like the notes should answer it, but they do not state the answer (a
  number, default, name or result about a topic they do discuss); check all your modules.
- comparison: two or more named things, each side answered in the notes.
- numeric: the answer is a number the notes state or compute in a worked example.
- multi_part: two or three separate questions in one message, each answered; at least one needs
  two different modules.
- mechanism: why or how something works. list: asks for the items or steps the notes enumerate.

Vary the phrasing as real users type: full sentences, terse lower-case chat, a short set-up first.
Ask in your own words about specific content (numbers, mechanisms, named systems).

Fields: `id` ("{first}" … "{last}"); `question`; `relevant_modules` (module ids that answer it, or
where a reader would look); `relevant_sections` ("module-id#anchor": the GitHub slug of the `##`/`###`
heading above the evidence: lower-case, only letters, digits, `_`, `-` and spaces kept, spaces become
`-`); `relevant_sources`: []; `answerable`; `must_contain` (1–3 short strings copied exactly from the
notes that a correct answer must contain; [] when unanswerable); `tags`: [TYPE, "dev", "{tag}",
"review"]; `sides` (a comparison's sides as the question names them, else []); `side_modules` (one
list of module ids per side, else []); `missing` (unanswerable: exactly what the notes do not state,
else ""); `evidence`: [{{"section": "module-id#anchor", "quote": "…"}}] copied VERBATIM from the
module (a whole sentence or list item, Markdown and LaTeX included; for unanswerable, the closest
sentences).

When done, reply with only the number of questions written and the count per type.
"""


def load_modules(root: Path = CORPUS) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(root.glob("*.md"))}


def existing_rows(sets: list[Path] = QUESTION_SETS) -> list[dict]:
    return [json.loads(line) for path in sets for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def existing_questions(rows: list[dict]) -> list[str]:
    return [" ".join(row["question"].split()) for row in rows]


@cache
def anchors(text: str) -> frozenset[str]:
    """A module's section anchors, as the corpus loader reads its headings."""
    return frozenset(s.anchor for s in scan_body(text, 0)[0])


@cache
def headings_only(text: str) -> frozenset[str]:
    """The anchors of sections with no text of their own, only subsections: the index holds no
    passage for them, and ``tmrag eval`` rejects a label that names one."""
    return frozenset(s.anchor for s in scan_body(text, 0)[0] if s.anchor and not text[s.start:s.end].strip())


@cache
def flattened(text: str) -> str:
    return " ".join(text.split())


def id_range(first: str, count: int) -> list[str]:
    """"r-9761" and 20 → r-9761 … r-9780."""
    prefix, number = re.fullmatch(r"(.*?)(\d+)", first).groups()
    return [f"{prefix}{int(number) + k}" for k in range(count)]


def briefs(out: Path, tag: str, firsts: list[str], seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    modules = sorted(str(p.resolve()) for p in CORPUS.glob("*.md"))
    random.Random(seed).shuffle(modules)
    (out / "existing.txt").write_text("\n".join(existing_questions(existing_rows())) + "\n", encoding="utf-8")
    mix = ", ".join(f"{n} {kind}" for kind, n in MIX.items())
    for n, first in enumerate(firsts, 1):
        ids = id_range(first, PER_WRITER)
        listed = out / f"modules{n}.txt"
        listed.write_text("\n".join(sorted(modules[n - 1::len(firsts)])) + "\n", encoding="utf-8")
        (out / f"brief{n}.md").write_text(BRIEF.format(
            n=n, modules=listed.resolve(), existing=(out / "existing.txt").resolve(), count=PER_WRITER, mix=mix,
            out=(out / f"q{n}.jsonl").resolve(), first=ids[0], last=ids[-1], tag=tag), encoding="utf-8")
    print(f"{len(firsts)} briefs in {out}")


def problems(question: dict, modules: dict[str, str]) -> list[str]:
    """What is wrong with one written question, against the notes."""
    out = [f"unknown module {m}" for m in question["relevant_modules"] if m not in modules]
    for section in question["relevant_sections"] + [e["section"] for e in question["evidence"]]:
        module, _, anchor = section.partition("#")
        if module not in modules or (anchor and anchor not in anchors(modules[module])):
            out.append(f"unknown section {section}")
        elif anchor in headings_only(modules[module]):
            out.append(f"section {section} is a heading with only subsections; name one of them")
    for e in question["evidence"]:
        module = e["section"].split("#")[0]
        if module in modules and flattened(e["quote"]) not in flattened(modules[module]):
            out.append(f"quote not verbatim: {e['quote'][:60]}")
    for must in question["must_contain"]:
        if not any(must in modules.get(m, "") for m in question["relevant_modules"]):
            out.append(f"must_contain {must!r} is in none of its modules")
    if question["answerable"] == ("unanswerable" in question["tags"]):
        out.append("answerable does not match the tags")
    return out


def read_written(folder: Path) -> list[dict]:
    questions = []
    for path in sorted(folder.glob("q*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    questions.append(json.loads(line))
                except json.JSONDecodeError as e:
                    sys.exit(f"{path}:{n}: not JSON ({e.msg})")
    return questions


def near_duplicates(questions: list[dict], existing: list[str], threshold: float) -> dict[str, float]:
    """Each written question's cosine with its nearest existing question, where above ``threshold``."""
    from tmrag.config import Settings
    from tmrag.engine import Engine

    engine = Engine.open(Settings())
    known = np.stack([engine.embed_query(t) for t in existing])
    out = {}
    for q in questions:
        best = float((known @ engine.embed_query(q["question"])).max())
        if best > threshold:
            out[q["id"]] = best
    return out


def check(folder: Path, out: Path | None, threshold: float) -> None:
    questions, modules = read_written(folder), load_modules()
    ids = [q["id"] for q in questions]
    bad = {q["id"]: errs for q in questions if (errs := problems(q, modules))}
    bad.update({i: ["id used twice"] for i in ids if ids.count(i) > 1})
    existing = existing_rows()
    taken = {row["id"] for row in existing}
    bad.update({i: ["id already in eval/"] for i in ids if i in taken})
    for qid, errs in bad.items():
        print(qid, "; ".join(errs))
    near = near_duplicates(questions, existing_questions(existing), threshold)
    for qid, cos in near.items():
        print(qid, f"near-duplicate of an existing question ({cos:.3f})")
    print(f"{len(questions)} questions, {len(bad)} with problems, {len(near)} near-duplicates")
    if out is not None:
        keep = [q for q in questions if q["id"] not in near and q["id"] not in bad]
        out.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in keep), encoding="utf-8")
        print(f"{len(keep)} written to {out}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("briefs")
    b.add_argument("out", type=Path)
    b.add_argument("--tag", required=True)
    b.add_argument("--ids", nargs="+", required=True, help="each writer's first id")
    b.add_argument("--seed", type=int, default=0)
    c = sub.add_parser("check")
    c.add_argument("folder", type=Path)
    c.add_argument("--out", type=Path)
    c.add_argument("--near", type=float, default=NEAR_DUPLICATE)
    args = p.parse_args()
    if args.cmd == "briefs":
        briefs(args.out, args.tag, args.ids, args.seed)
    else:
        check(args.folder, args.out, args.near)


if __name__ == "__main__":
    main()
