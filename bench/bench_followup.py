"""What follow-up resolution adds to `ask`: each conversation's follow-up asked with its history
and asked alone, side by side, the follow-up's own vector never cached (a follow-up is new text) and
the first question's cached (the server that answered it embedded it).

    .venv/bin/python bench/bench_followup.py [--split dev] [--rounds 2]

Prints p50/p95 of both and of their difference per follow-up. Target (issue 20): resolution adds
<= 5 ms p50."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.evaluation.conversations import load_conversations
from tmrag.evaluation.metrics import percentile
from tmrag.query.followup import Turn

ROOT = Path(__file__).resolve().parent.parent


def timed(engine: Engine, question: str, history: list[Turn] | None = None) -> float:
    t = time.perf_counter()
    engine.ask(question, history=history)
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    engine = Engine.open(Settings())
    conversations = [c for c in load_conversations(ROOT / "eval" / "conversations.jsonl")
                     if c.split == args.split and c.kind != "switch"]
    engine.ask("warm up the models")
    in_context, alone = [], []
    for _ in range(args.rounds):
        for c in conversations:
            turn = Turn(c.first, engine.ask(c.first).answer)  # the previous turn, as its server saw it
            engine.ranker.clear_cache()
            engine.ask(c.first)  # its vector cached again, the follow-up's not
            in_context.append(timed(engine, c.followup, [turn]))
            engine.ranker.clear_cache()
            alone.append(timed(engine, c.followup))  # the same text, again uncached
    diffs = [a - b for a, b in zip(in_context, alone, strict=True)]
    print(f"{len(conversations)} follow-ups x {args.rounds} rounds ({args.split})")
    for name, vals in (("with history", in_context), ("alone", alone), ("difference", diffs)):
        print(f"  {name:<13} p50 {percentile(vals, 50):7.2f} ms   p95 {percentile(vals, 95):7.2f} ms")


if __name__ == "__main__":
    main()
