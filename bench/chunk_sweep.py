"""Chunk size / overlap sweep on the golden DEV split (fused RRF, no reranker).

    .venv/bin/python bench/chunk_sweep.py [--sizes 120,160,220] [--overlaps 0,1]

Each configuration gets its own index under .cache/chunk-sweep/ (the first run embeds the
whole corpus for each size, ~1.5 min each on 2 cores)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tmrag.build.embedding import Embedder
from tmrag.build.indexer import build_index
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.evaluation.golden import load_golden
from tmrag.evaluation.runner import run_eval

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("hit1", "hit5", "mrr10", "ndcg10", "sec_hit5", "cites_relevant", "must_recall", "false_abstention")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="120,160,220")
    ap.add_argument("--overlaps", default="0,1")
    args = ap.parse_args()
    dev = [q for q in load_golden(ROOT / "eval" / "golden.jsonl") if q.split == "dev"]
    embedder = Embedder(Settings())
    print("| chunk tokens | overlap | chunks | " + " | ".join(KEYS) + " |")
    print("|---" * (len(KEYS) + 3) + "|")
    for size in map(int, args.sizes.split(",")):
        for overlap in map(int, args.overlaps.split(",")):
            settings = Settings(corpus_dir=ROOT / "corpus", chunk_tokens=size, chunk_overlap_sentences=overlap,
                                index_dir=ROOT / ".cache" / "chunk-sweep" / f"{size}-{overlap}", reranker="none")
            report = build_index(settings, embedder=embedder)
            engine = Engine(settings, *_parts(settings, embedder))
            mode = {"mode": "rrf", "reranker": "none"}
            s = run_eval(engine, dev, {"hybrid-rrf": mode}, "hybrid-rrf")["modes"]["hybrid-rrf"]
            print(f"| {size} | {overlap} | {report.chunks} | " + " | ".join(f"{s[k]:.3f}" for k in KEYS) + " |", flush=True)


def _parts(settings: Settings, embedder: Embedder):  # noqa: ANN202
    from tmrag.build.store import IndexStore
    from tmrag.corpus.loading import load_corpus
    from tmrag.query.loaded_index import LoadedIndex

    path, manifest = IndexStore(settings.index_dir).open_current()
    return load_corpus(settings.corpus_dir), embedder, LoadedIndex.load(path, manifest, settings)


if __name__ == "__main__":
    main()
