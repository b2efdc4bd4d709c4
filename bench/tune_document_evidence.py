"""Sweep the module-bm25 reranker's two document-level weights (module BM25, module best-chunk
cosine) on the golden DEV split, with repeated 2-fold cross-validation inside dev to check
that the choice holds on questions it was not chosen on.

    .venv/bin/python bench/tune_document_evidence.py [--split dev]

Module metrics are computed as `tmrag eval` computes them (bench/tune_module_bm25.py)."""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from tune_module_bm25 import per_question

from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.evaluation.golden import load_golden
from tmrag.query.reranking import DocumentLexicalReranker

LEXICAL = [0.0, 0.2, 0.3, 0.5]
DENSE = [0.0, 0.1, 0.2, 0.3, 0.5, 1.0]
SPLITS = 10  # random halvings of dev; each gives two held-out scores


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", default="eval/golden.jsonl")
    ap.add_argument("--split", default="dev")
    args = ap.parse_args()
    engine = Engine.open(Settings())
    questions = [q for q in load_golden(Path(args.golden)) if q.split == args.split and q.answerable
                 and q.relevant_modules]
    reranker = engine.reranker("module-bm25")
    assert isinstance(reranker, DocumentLexicalReranker)
    table = {}
    print(f"{args.split}: {len(questions)} answerable questions with relevant modules")
    print("bm25  dense  MRR@10  nDCG@10  R@10")
    for w, d in itertools.product(LEXICAL, DENSE):
        reranker.weight, reranker.dense_weight = w, d
        table[w, d] = per_question(engine, questions)
        mrr, ndcg, rec = table[w, d].mean(axis=0)
        print(f"{w:4.2f}  {d:5.2f}  {mrr:.4f}  {ndcg:.4f}   {rec:.4f}")
    rng = np.random.default_rng(0)
    held, chosen = [], []
    for _ in range(SPLITS):
        half = rng.permutation(len(questions)) < len(questions) // 2
        for train in (half, ~half):
            best = max(table, key=lambda k: (table[k][train, 1].mean(), table[k][train, 0].mean()))
            chosen.append(best)
            held.append(table[best][~train, 1].mean())
    print(f"2-fold CV ({2 * SPLITS} folds), nDCG@10 held out: {np.mean(held):.4f}; chosen: "
          + ", ".join(f"{w}/{d}" for w, d in sorted(set(chosen))))


if __name__ == "__main__":
    main()
