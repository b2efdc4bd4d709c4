"""Tune the sentence reranker's weights and the abstention thresholds on the golden DEV split.

    .venv/bin/python bench/tune_dev.py [--golden eval/golden.jsonl]

Prints the fused baseline, the best weight settings found by grid search, and the abstention
trade-off table. Nothing is written: copy chosen values into reranking.WEIGHTS / Settings."""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from tmrag.answer.abstention import abstains
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.evaluation import metrics as M
from tmrag.evaluation.golden import load_golden
from tmrag.query.reranking import SentenceReranker

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


MAX_FALSE = 0.015  # dev budget for false abstentions: half the 3% limit, for dev -> test drift
THRESHOLDS = ("abstain_threshold", "abstain_threshold_unknown", "abstain_threshold_unmentioned")


def abstention_table(engine: Engine, dev: list) -> None:  # noqa: ANN001
    """Grid over the three thresholds of the engine's abstention rule (evidence; evidence when the
    question names something the corpus never mentions; evidence when it names something the top 3
    passages never mention), applied through ``answer.abstention.abstains`` itself."""
    rankings = [engine.rank(q.question, k=10) for q in dev]
    answerable = np.array([q.answerable for q in dev])
    grid, preds = [], {}
    for t in itertools.product([x / 100 for x in range(38, 52, 2)], [x / 100 for x in range(52, 66, 2)],
                               [0.0] + [x / 100 for x in range(50, 68, 2)]):
        settings = engine.settings.model_copy(update=dict(zip(THRESHOLDS, t, strict=True)))
        preds[t] = np.array([abstains(r, settings) for r in rankings])
        grid.append((float(preds[t][~answerable].mean()), float(preds[t][answerable].mean()), *t))
    print(f"\nabstention on dev ({answerable.sum()} answerable, {(~answerable).sum()} unanswerable); "
          "t3 = 0 means no unmentioned-name rule")
    for budget in (0.0, MAX_FALSE):
        ok = [g for g in grid if g[1] <= budget]
        if not ok:
            print(f"  false <= {budget:.3f}: no setting in the grid gets there (lowest {min(g[1] for g in grid):.3f})")
            continue
        rec, false, t1, t2, t3 = max(ok, key=lambda g: (g[0], -g[1], -g[2], -g[3], -g[4]))
        print(f"  false <= {budget:.3f}: t1={t1:.2f} t2={t2:.2f} t3={t3:.2f} -> recall {rec:.3f}, false {false:.3f}")
    configured = tuple(getattr(engine.settings, name) for name in THRESHOLDS)
    now = [g for g in grid if g[2:] == configured]
    if now:
        print(f"  configured {configured}: recall {now[0][0]:.3f}, false {now[0][1]:.3f}")
    abstention_cv(answerable, grid, preds)
    for q, r in zip(dev, rankings, strict=True):
        if not q.answerable or r.evidence < 0.5:
            print(f"  {'ANS ' if q.answerable else 'UNAN'} ev={r.evidence:.3f} unknown={r.unknown_names} "
                  f"unmentioned={r.unmentioned_names} {r.query.text[:70]}")


def abstention_cv(ans: np.ndarray, grid: list, preds: dict) -> None:
    """Does choosing thresholds on dev hold out of sample? 20 stratified 2-fold splits: choose on
    one half (best recall within the false budget), score the other."""
    rng = np.random.default_rng(0)

    def stats(idx, t):  # noqa: ANN001, ANN202
        p, a = preds[t][idx], ans[idx]
        return float(p[~a].mean()), float(p[a].mean())

    print("  2-fold CV x 20 (choose on one half, score the other):")
    for budget, with_t3 in ((0.0, False), (0.0, True), (MAX_FALSE, False), (MAX_FALSE, True)):
        family = [g[2:] for g in grid if with_t3 or g[4] == 0.0]
        held = []
        for _ in range(20):
            a_idx, u_idx = rng.permutation(np.flatnonzero(ans)), rng.permutation(np.flatnonzero(~ans))
            halves = (np.r_[a_idx[::2], u_idx[::2]], np.r_[a_idx[1::2], u_idx[1::2]])
            for train, test in (halves, halves[::-1]):
                ok = [t for t in family if stats(train, t)[1] <= budget]
                ok = ok or [min(family, key=lambda t: stats(train, t)[1])]  # budget unreachable: fewest false
                best = max(ok, key=lambda t: (stats(train, t)[0], -stats(train, t)[1], *(-x for x in t)))
                held.append(stats(test, best))
        rec, false = np.mean(held, axis=0)
        p90 = np.percentile([h[1] for h in held], 90)
        print(f"    budget {budget:.3f}, unmentioned rule {'on ' if with_t3 else 'off'}: held-out recall {rec:.3f}, "
              f"false {false:.3f} (p90 {p90:.3f})")


if __name__ == "__main__":
    main()
