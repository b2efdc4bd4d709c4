"""Sweep the passages profile's reranker weights (module BM25, best chunk, best two sentences,
centroid; the fused score stays at 1) on a BEIR-format dev split of our own, with repeated 2-fold
cross-validation inside dev, and print held-out splits beside the choice. Nothing is chosen on the
held-out sets.

    .venv/bin/python scripts/sections_as_beir.py /tmp/sections-beir
    .venv/bin/tmrag eval --beir /tmp/sections-beir --split dev --work-dir /tmp/sections-work
    .venv/bin/python bench/tune_passages_profile.py /tmp/sections-beir --work-dir /tmp/sections-work \\
        --check test --check-beir ../shared/benchmarks/scifact:test:/tmp/sf

Each query's reranked head (the first ``rerank_top_n`` fused candidates, with the features the
reranker computed) is ranked again offline under every weight setting, and its document ranking (the
head's documents first) is scored by nDCG@10 with binary gains (``metrics.ndcg_at_k``): what
`tmrag eval --beir` reports for qrels that judge every document 1, as ours and SciFact's do."""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.evaluation.beir_data import load_beir
from tmrag.evaluation.metrics import ndcg_at_k

FEATURES = ("fused", "module", "module_dense", "module_sentences", "module_centroid")
GRID = {  # the weights beside a fused score of 1 (max-normalised); the top rows are interior points
    "module": [1.0, 1.5, 2.0, 2.5, 3.0, 4.0],
    "module_dense": [0.5, 0.8, 1.2, 1.6, 2.0, 2.5],
    "module_sentences": [0.3, 0.5, 0.8, 1.2],
    "module_centroid": [0.3, 0.5, 0.8, 1.2, 1.6],
}
CURRENT = {"module": 2.0, "module_dense": 0.8, "module_sentences": 0.8, "module_centroid": 0.8}
BEFORE = {"module": 0.5, "module_dense": 0.0, "module_sentences": 0.5, "module_centroid": 0.1}  # session 18's
SPLITS = 10  # random halvings of dev; each gives two held-out scores
TOP = 10


@dataclass
class Query:
    features: np.ndarray  # head candidates x FEATURES
    docs: list[str]  # each head candidate's document
    rest: list[str]  # documents after the head, in order
    relevant: set[str]


def dump(beir: Path, split: str, work_dir: Path) -> list[Query]:
    """Every query's head with its reranker features, from the index `tmrag eval --beir` left."""
    dataset = load_beir(beir, split, None)
    # a tiny best-chunk weight makes the reranker compute that feature without moving the order
    settings = Settings().model_copy(update={"corpus_dir": work_dir / "corpus", "index_dir": work_dir / "indexes",
                                              "retrieve_min_docs": 100, "rerank_document_dense_weight": 1e-9})
    engine = Engine.open(settings)
    doc_of, chunks, head_n = dataset.module_ids(), engine.index.chunks, engine.ranker.settings.rerank_top_n
    out = []
    for qid, text in dataset.queries.items():
        candidates = engine.ranker.rank(text, k=TOP, diversity=False).candidates
        head = candidates[:head_n]
        rest = list(dict.fromkeys(doc_of[chunks[c.row].doc_id] for c in candidates[head_n:]))
        out.append(Query(np.array([[(c.features or {}).get(f, 0.0) for f in FEATURES] for c in head]),
                         [doc_of[chunks[c.row].doc_id] for c in head], rest,
                         {d for d, grade in dataset.qrels.get(qid, {}).items() if grade > 0}))
    return out


def ndcg10(query: Query, weights: np.ndarray) -> float:
    order = np.argsort(-(query.features @ weights), kind="stable") if len(query.docs) else []
    return ndcg_at_k(list(dict.fromkeys([query.docs[i] for i in order] + query.rest)), query.relevant, TOP)


def vector(point: dict[str, float]) -> np.ndarray:
    return np.array([1.0] + [point[f] for f in FEATURES[1:]])


def mean_ndcg(queries: list[Query], point: dict[str, float]) -> float:
    w = vector(point)
    return float(np.mean([ndcg10(q, w) for q in queries]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("beir", type=Path)
    ap.add_argument("--work-dir", type=Path, required=True)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--check", action="append", default=[], help="a held-out split of the same dataset")
    ap.add_argument("--check-beir", action="append", default=[], help="DIR:SPLIT:WORK_DIR of another dataset")
    args = ap.parse_args()
    dev = dump(args.beir, args.split, args.work_dir)
    held = {s: dump(args.beir, s, args.work_dir) for s in args.check}
    for spec in args.check_beir:
        path, split, work = spec.rsplit(":", 2)
        held[f"{Path(path).name} {split}"] = dump(Path(path), split, Path(work))
    points = [dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]
    per_query = np.array([[ndcg10(q, vector(p)) for q in dev] for p in points])  # points x queries
    means = per_query.mean(axis=1)
    before = np.array([ndcg10(q, vector(BEFORE)) for q in dev])
    print(f"{args.split}: {len(dev)} queries, {len(points)} weight settings")
    for label, point, score in (("before", BEFORE, before.mean()), ("shipped", CURRENT, means[points.index(CURRENT)])):
        checks = "  ".join(f"{name} {mean_ndcg(qs, point):.4f}" for name, qs in held.items())
        print(f"{label}: {score:.4f}  {point}  {checks}")
    for i in np.argsort(-means)[:8]:
        checks = "  ".join(f"{name} {mean_ndcg(qs, points[i]):.4f}" for name, qs in held.items())
        print(f"{means[i]:.4f}  {points[i]}  {checks}")
    rng, gains = np.random.default_rng(0), []
    for _ in range(SPLITS):
        half = rng.permutation(len(dev)) < len(dev) // 2
        for a, b in ((half, ~half), (~half, half)):
            gains.append(per_query[np.argmax(per_query[:, a].mean(axis=1)), b].mean() - before[b].mean())
    print(f"2-fold CV inside {args.split}: weights chosen on one half, minus the weights before, on the other "
          f"half: mean {np.mean(gains):+.4f} (min {min(gains):+.4f}, max {max(gains):+.4f})")


if __name__ == "__main__":
    main()
