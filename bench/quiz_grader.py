"""Measure the quiz grader on the labelled answers (written blind, eval/quiz_answers.jsonl).

    .venv/bin/python bench/quiz_grader.py --split test             # the reported numbers (JSON)
    .venv/bin/python bench/quiz_grader.py --split dev --sweep      # how the defaults were chosen

--sweep changes one GraderParams field at a time over a few values (coordinate descent, two
rounds) on the split given, which must be dev: the test split is only ever reported. Answers are
embedded once; the parameters act after the embedding. Nothing is written: copy chosen values
into study/grader.GraderParams."""

from __future__ import annotations

import argparse
import dataclasses
import functools
from pathlib import Path

from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.evaluation.quiz import evaluate, load_labels, report, score_rows, to_json
from tmrag.study.cards import build_cards
from tmrag.study.grader import Grader, GraderParams

ROOT = Path(__file__).resolve().parent.parent
GRID = {
    "sim_low": [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4],
    "sim_high": [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9],
    "semantic_weight": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    "number_miss": [0.3, 0.5, 0.7, 1.0],
    "copy_novel": [0.2, 0.3, 0.4, 0.5, 0.6],
    "dump_function_ratio": [0.08, 0.12, 0.16, 0.2, 0.24],
    "dump_factor": [0.1, 0.2, 0.35, 0.5],
    "neighbour_margin": [0.0, 0.02, 0.05, 0.08, 0.12],
    "neighbour_factor": [0.1, 0.2, 0.4, 0.6],
    "neighbour_words": [False, True],
}


def objective(rep) -> float:  # noqa: ANN001
    """AUC, rank correlation and the pass/fail verdict at the pass mark (balanced over correct and
    wrong answers) count equally; dumps and neighbours below the pass mark are a target of their
    own (>= 0.9), so a shortfall there costs more than it gains elsewhere."""
    floor = min(rep.keyword_dump_below_pass, rep.neighbour_below_pass)
    verdict = (rep.correct_at_or_above_pass + rep.wrong_below_pass) / 2
    return rep.auc_correct_vs_wrong + rep.spearman + verdict - 2 * max(0.0, 0.9 - floor)


def sweep(grader: Grader, cards, rows) -> GraderParams:  # noqa: ANN001
    grader.embed = functools.lru_cache(maxsize=None)(grader.embed)  # type: ignore[method-assign]
    best = grader.params
    for _ in range(2):
        for name, values in GRID.items():
            results = []
            for v in values:
                grader.params = dataclasses.replace(best, **{name: v})
                rep = report(*score_rows(grader, cards, rows), "dev")
                results.append((objective(rep), v, rep))
            score, value, rep = max(results, key=lambda r: r[0])
            best = dataclasses.replace(best, **{name: value})
            print(f"{name:>22} = {value:<5} objective {score:.4f}  auc {rep.auc_correct_vs_wrong:.4f} "
                  f"rho {rep.spearman:.4f} pass {rep.correct_at_or_above_pass:.3f} "
                  f"dump {rep.keyword_dump_below_pass:.3f} nb {rep.neighbour_below_pass:.3f}")
    grader.params = best
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", type=Path, default=ROOT / "eval" / "quiz_answers.jsonl")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="test")
    ap.add_argument("--sweep", action="store_true", help="tune GraderParams on dev (coordinate descent)")
    args = ap.parse_args()
    engine = Engine.open(Settings())
    cards = build_cards(engine.corpus, engine.index)
    grader = Grader(cards, engine.index, engine.embedder)
    if args.sweep:
        if args.split != "dev":
            raise SystemExit("--sweep tunes on the dev split only")
        rows = [r for r in load_labels(args.labels) if r.split == "dev"]
        print(sweep(grader, cards, rows))
    print(to_json(evaluate(grader, cards, args.labels, args.split)))


if __name__ == "__main__":
    main()
