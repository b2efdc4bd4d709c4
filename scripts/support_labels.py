"""How well LLM mode's verification tells a supported sentence from an unsupported one
(docs/decisions.md, session 39, issue 19). From the repo root:

    python scripts/support_labels.py [--labels eval/support-labels.jsonl]

`eval/support-labels.jsonl` holds sentences from written replies (dev35-dev39, scripts/llm_replay.py)
with the passages their prompt showed, each labelled blind by a helper who saw only the sentence and
the passages: supported, partly or unsupported. Few written sentences are unsupported, so three kinds
of made-up ones stand for a model's errors: a supported sentence with one digit changed, a sentence
of the same module that no shown passage holds, and another question's sentence. It prints the share
of each that `verify` keeps, for the dev replies (dev35-dev38, what the thresholds were tuned on)
and the held-out ones (dev39).

`eval/code-support-labels.jsonl` holds 40 sentences written about a code block, each read against
the block it cites and against another module's block, labelled blind the same way (a code block has
no sentences, so it is held to a lower word share when its meaning matches: `CODE_LEXICAL_MIN`).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
from pathlib import Path

SEED = 39  # the made-up sentences are the same on every run
HELD_OUT = ("d39v4", "d39v5")  # dev39's replies: not looked at while choosing the thresholds
DIGIT = re.compile(r"\d")


def changed_digit(sentence: str, rng: random.Random) -> str | None:
    """``sentence`` with one of its digits replaced by another, or None when it has none."""
    spots = [m.start() for m in DIGIT.finditer(sentence)]
    if not spots:
        return None
    at = rng.choice(spots)
    return sentence[:at] + str((int(sentence[at]) + rng.randint(1, 9)) % 10) + sentence[at + 1 :]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", type=Path, default=Path("eval/support-labels.jsonl"))
    ap.add_argument("--code-labels", type=Path, default=Path("eval/code-support-labels.jsonl"))
    args = ap.parse_args()

    from tmrag.answer.generation import Passage, verify
    from tmrag.config import Settings
    from tmrag.engine import Engine

    engine = Engine.open(Settings())
    chunks, generator = engine.index.chunks, engine.generator
    row_of = {c.id: row for row, c in enumerate(chunks)}
    labelled = [json.loads(line) for line in args.labels.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(SEED)

    def kept(sentence: str, markers: list[int], shown: list[list]) -> bool:
        passages = [Passage(m, row_of[cid], chunks[row_of[cid]].breadcrumb, chunks[row_of[cid]].text) for m, cid in shown]
        cited = "".join(f"[{m}]" for m in markers)
        return bool(verify(f"{sentence} {cited}", passages, generator.vectors, generator.embed).sentences)

    counts: dict[str, collections.Counter] = {"dev": collections.Counter(), "held out": collections.Counter()}
    for x in labelled:
        split = counts["held out" if x["set"] in HELD_OUT else "dev"]
        split[(x["label"], kept(x["sentence"], x["markers"], x["passages"]))] += 1
        if x["label"] != "supported":
            continue
        shown = {cid for _, cid in x["passages"]}
        made_up = {"digit changed": changed_digit(x["sentence"], rng)}
        module = chunks[row_of[x["passages"][0][1]]].doc_id
        pool = [r for r, c in enumerate(chunks) if c.doc_id == module and c.id not in shown and c.sentences]
        if pool:
            row = rng.choice(pool)
            a, b = rng.choice(chunks[row].sentences)
            made_up["unshown sentence"] = chunks[row].text[a:b]
        made_up["other question's"] = rng.choice(labelled)["sentence"]
        for kind, sentence in made_up.items():
            if sentence and sentence != x["sentence"]:
                split[(kind, kept(sentence, x["markers"], x["passages"]))] += 1
    code: collections.Counter = collections.Counter()
    for x in map(json.loads, args.code_labels.read_text(encoding="utf-8").splitlines()):
        code[(f"{x['pairing']} ({x['label']})", kept(x["sentence"], [1], [[1, x["chunk_id"]]]))] += 1
    counts["code blocks"] = code
    for name, c in counts.items():
        kinds = dict.fromkeys(k for k, _ in sorted(c))
        print(name + ": kept " + ", ".join(f"{k} {c[(k, True)]}/{c[(k, True)] + c[(k, False)]}" for k in kinds))


if __name__ == "__main__":
    main()
