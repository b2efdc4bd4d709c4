"""Sweep the module-bm25 reranker's weight on the golden DEV split and check that the choice
generalises with repeated 2-fold cross-validation inside dev.

    .venv/bin/python bench/tune_module_bm25.py [--golden eval/golden.jsonl] [--split dev]

Weight 0 is fused order exactly (module passages keep their fused order, sources their slots),
so every row compares against no reranking. Module metrics are computed as `tmrag eval` does."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.evaluation import metrics as M
from tmrag.evaluation.golden import load_golden
from tmrag.query.reranking import DocumentLexicalReranker

WEIGHTS = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0]
SPLITS = 10  # random halvings of dev; each gives two held-out scores


def per_question(engine: Engine, questions: list) -> np.ndarray:
    """(questions, 3): MRR@10, nDCG@10, recall@10 of the module list under the engine's module-bm25
    reranker at its current weight, one row per question."""
    rows = []
    for q in questions:
        ranking = engine.rank(q.question, k=10, reranker="module-bm25")
        modules = M.dedup(engine.index.chunks[c.row].module_id for c in ranking.results
                          if engine.index.chunks[c.row].kind == "module")
        rel = set(q.relevant_modules)
        rows.append((M.mrr_at_k(modules, rel, 10), M.ndcg_at_k(modules, rel, 10), M.recall_at_k(modules, rel, 10)))
    return np.array(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", default="eval/golden.jsonl")
    ap.add_argument("--split", default="dev")
    args = ap.parse_args()
    settings = Settings()
    engine = Engine.open(settings)
    questions = [q for q in load_golden(Path(args.golden)) if q.split == args.split and q.answerable
                 and q.relevant_modules]
    reranker = engine.reranker("module-bm25")
    assert isinstance(reranker, DocumentLexicalReranker)
    table = {}
    print(f"{args.split}: {len(questions)} answerable questions with relevant modules")
    print("weight  MRR@10  nDCG@10  R@10")
    for w in WEIGHTS:
        reranker.weight = w
        table[w] = per_question(engine, questions)
        mrr, ndcg, rec = table[w].mean(axis=0)
        print(f"{w:6.2f}  {mrr:.4f}  {ndcg:.4f}   {rec:.4f}" + ("   <- fused order" if w == 0 else ""))
    rng = np.random.default_rng(0)
    held, base, chosen = [], [], []
    for _ in range(SPLITS):
        perm = rng.permutation(len(questions))
        halves = (perm[: len(perm) // 2], perm[len(perm) // 2 :])
        for train, test in (halves, halves[::-1]):
            best = max(WEIGHTS, key=lambda w: table[w][train, :2].sum())
            chosen.append(best)
            held.append(table[best][test, :2].mean(axis=0))
            base.append(table[0.0][test, :2].mean(axis=0))
    held_m, base_m = np.mean(held, axis=0), np.mean(base, axis=0)
    print(f"\n2-fold CV x {SPLITS}: held-out MRR@10 {held_m[0]:.4f} vs fused {base_m[0]:.4f}; "
          f"nDCG@10 {held_m[1]:.4f} vs fused {base_m[1]:.4f}; weights chosen {sorted(set(chosen))}")
    reranker.weight = settings.rerank_document_weight


if __name__ == "__main__":
    main()
