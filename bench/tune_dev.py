"""Tune the sentence reranker's weights and the abstention thresholds on the golden DEV split.

    .venv/bin/python bench/tune_dev.py [--golden eval/golden.jsonl]

Prints the fused baseline, the best weight settings found by grid search, and the abstention
trade-off table. Nothing is written: copy chosen values into reranking.WEIGHTS / Settings."""

from __future__ import annotations

import argparse
import itertools
import math
from pathlib import Path

from tmrag.answering import Engine
from tmrag.config import Settings
from tmrag.evaluation import metrics as M
from tmrag.evaluation.runner import load_golden
from tmrag.reranking import SentenceReranker

GRID = {
    "best_sentence": [0.3, 0.45, 0.6],
    "top2_sentences": [0.0, 0.15],
    "chunk": [0.1, 0.25, 0.4],
    "heading": [0.0, 0.1, 0.2],
    "glossary": [0.0, 0.05],
    "fused": [0.0, 0.1, 0.3],
    "fused_rank": [0.0, 0.05, 0.15],
}


def module_metrics(order: list[str], relevant: set[str]) -> tuple[float, float]:
    ranked = M.dedup(order)
    return M.mrr_at_k(ranked, relevant, 10), M.ndcg_at_k(ranked, relevant, 10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", default="eval/golden.jsonl")
    args = ap.parse_args()
    engine = Engine.open(Settings())
    dev = [q for q in load_golden(Path(args.golden)) if q.split == "dev"]
    rr = SentenceReranker(engine.index)
    cases = []
    for q in dev:
        if not q.answerable:
            continue
        ranking = engine.rank(q.question, k=10, reranker="none", diversity=False)
        head = ranking.candidates[: engine.settings.rerank_top_n]
        fmax = max(c.score for c in head)
        feats = [rr.features(ranking.query, ranking.qvec, c, fmax, i) for i, c in enumerate(head)]
        docs = [engine.index.chunks[c.row].module_id for c in head]
        mass: dict = {}
        for c, d in zip(head, docs, strict=True):
            mass[d] = mass.get(d, 0.0) + c.score
        mmax = max(mass.values())
        for f, d in zip(feats, docs, strict=True):
            f["module_mass"] = mass[d] / mmax
        cases.append((set(q.relevant_modules), docs, feats))
    base = [module_metrics(d, rel) for rel, d, _ in cases]
    print(f"dev answerable: {len(cases)}; fused (no rerank) MRR@10 {M.mean(b[0] for b in base):.4f} "
          f"nDCG@10 {M.mean(b[1] for b in base):.4f}")
    results = []
    keys = list(GRID)
    for combo in itertools.product(*GRID.values()):
        w = dict(zip(keys, combo, strict=True))
        scores = []
        for rel, docs, feats in cases:
            order = sorted(range(len(docs)), key=lambda i: -sum(w[k] * feats[i][k] for k in keys))
            scores.append(module_metrics([docs[i] for i in order], rel))
        results.append((M.mean(s[0] for s in scores), M.mean(s[1] for s in scores), w))
    results.sort(key=lambda r: -(r[0] + r[1]))
    for mrr, ndcg, w in results[:8]:
        print(f"MRR@10 {mrr:.4f} nDCG@10 {ndcg:.4f}  {w}")
    cross_validate(cases, keys)
    abstention_table(engine, dev)


def _score(cases, w, keys):  # noqa: ANN001, ANN202
    out = []
    for rel, docs, feats in cases:
        order = sorted(range(len(docs)), key=lambda i: -sum(w.get(k, 0.0) * feats[i][k] for k in keys))
        out.append(module_metrics([docs[i] for i in order], rel))
    return M.mean(s[0] for s in out), M.mean(s[1] for s in out)


def cross_validate(cases, keys) -> None:  # noqa: ANN001
    """2-fold CV inside dev: does the weight choice generalise? Compares the full grid with a
    one-parameter family (fused score + lambda * best sentence)."""
    folds = [cases[0::2], cases[1::2]]
    combos = [dict(zip(keys, c, strict=True)) for c in itertools.product(*GRID.values())]
    simple = [{"fused": 1.0, "best_sentence": lam} for lam in (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)]
    mass = [{"fused": 1.0, "module_mass": mu, "best_sentence": lam} for mu in (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
            for lam in (0.0, 0.2, 0.5)]
    keys = [*keys, "module_mass"]
    print("\n2-fold CV inside dev (choose on one half, score the other):")
    for name, family in (("full grid", combos), ("fused + lambda*best_sentence", simple),
                         ("fused + mu*module_mass (+lambda)", mass)):
        held = []
        for a, b in ((0, 1), (1, 0)):
            best = max(family, key=lambda w: sum(_score(folds[a], w, keys)))
            held.append(_score(folds[b], best, keys))
            print(f"  {name:30} chose on fold {a}: {best} -> held-out MRR {held[-1][0]:.4f} nDCG {held[-1][1]:.4f}")
        base = [_score(folds[b], {"fused": 1.0}, keys) for b in (1, 0)]
        print(f"  {name:30} mean held-out MRR {M.mean(h[0] for h in held):.4f} vs fused {M.mean(x[0] for x in base):.4f}")
    for w in simple + mass:
        mrr, ndcg = _score(cases, w, keys)
        print(f"  all dev  {w} MRR {mrr:.4f} nDCG {ndcg:.4f}")


def abstention_table(engine: Engine, dev: list) -> None:  # noqa: ANN001
    rows = [(engine.rank(q.question, k=10), q.answerable) for q in dev]
    print("\nabstention on dev (evidence threshold t1; stricter t2 when the question names unknown terms)")
    best = None
    for t1 in [x / 100 for x in range(30, 56, 2)]:
        for t2 in [x / 100 for x in range(int(t1 * 100), 66, 2)]:
            pred = [r.evidence < t1 or (bool(r.unknown_names) and r.evidence < t2) for r, _ in rows]
            actual = [not a for _, a in rows]
            p, rec = M.precision_recall(pred, actual)
            false = sum(pr and not ac for pr, ac in zip(pred, actual, strict=True)) / max(1, sum(not a for a in actual))
            if false <= 0.02 and (best is None or (rec, p) > best[:2]):
                best = (rec, p, false, t1, t2)
    if best:
        rec, p, false, t1, t2 = best
        print(f"best with false abstention <= 0.02: t1={t1:.2f} t2={t2:.2f} recall {rec:.3f} precision {p:.3f} "
              f"false {false:.3f}")
    for r, a in rows:
        if not a or r.evidence < 0.52:
            print(f"  {'ANS ' if a else 'UNAN'} ev={r.evidence:.3f} unknown={r.unknown_names} {r.query.text[:70]}")
    _ = math


if __name__ == "__main__":
    main()
