"""Indexing a BEIR corpus with `tmrag index`'s code path, side by side with a plain
sentence-transformers encode of the very same chunk texts, in one process and one run.

    .venv/bin/python bench/bench_beir_index.py /work/shared/benchmarks/scifact [--max-docs N] [--work-dir DIR]

Both sides start with torch and sentence-transformers already imported (neither pays the import).
The plain side is `SentenceTransformer(path).encode(texts)` with its defaults (fp32, batch 32,
length-sorted batches) on the chunk texts the build embedded. The build side is everything
`build_index` does from corpus files to a published index with an empty embedding cache:
loading, chunking, embedding (chunk and sentence vectors), FAISS, BM25, writing. The index left
in --work-dir is then what `tmrag eval --beir ... --work-dir DIR` scores, without re-embedding."""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import sentence_transformers  # noqa: E402 - imported before either side's clock starts
import torch  # noqa: E402, F401

from tmrag.build.embedding import default_model_path  # noqa: E402
from tmrag.build.indexer import build_index  # noqa: E402
from tmrag.build.store import IndexStore  # noqa: E402
from tmrag.config import Settings  # noqa: E402
from tmrag.evaluation.beir_data import load_beir, write_corpus  # noqa: E402


def chunk_texts(index_dir: Path) -> list[str]:
    path, _ = IndexStore(index_dir).open_current()
    records = [json.loads(line) for line in (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    return [f"{r['breadcrumb']}\n{r['text']}" for r in records]  # Chunk.embed_text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("beir")
    ap.add_argument("--max-docs", type=int)
    ap.add_argument("--split", default="test")
    ap.add_argument("--work-dir", default="/tmp/tmrag-beir-bench")
    ap.add_argument("--plain-sample", type=int, help="encode only a random sample of this many texts on the plain "
                    "side and scale its time to all texts (saves the shared CPU; said so in the output)")
    args = ap.parse_args()
    work = Path(args.work_dir)
    shutil.rmtree(work, ignore_errors=True)  # an empty embedding cache: every chunk is embedded
    dataset = load_beir(Path(args.beir), args.split, args.max_docs)
    settings = Settings(corpus_dir=write_corpus(dataset, work / "corpus"), index_dir=work / "indexes")
    print(f"cpus {os.cpu_count()}, torch threads {torch.get_num_threads()}, {len(dataset.documents)} documents")

    t = time.perf_counter()
    report = build_index(settings)
    ours = time.perf_counter() - t
    texts = chunk_texts(work / "indexes")
    print(f"tmrag build: {ours:.1f} s for {report.chunks} chunks ({report.embedded} embedded, "
          f"{report.sentences} sentence vectors from the same passes)")

    sample = texts
    if args.plain_sample and args.plain_sample < len(texts):
        sample = random.Random(0).sample(texts, args.plain_sample)
    t = time.perf_counter()
    model = sentence_transformers.SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)
    loaded = time.perf_counter()
    model.encode(sample)
    done = time.perf_counter()
    plain = (loaded - t) + (done - loaded) * len(texts) / len(sample)
    scaled = f" (encoded {len(sample)} sampled texts in {done - loaded:.1f} s, scaled)" if sample is not texts else ""
    print(f"plain SentenceTransformer load + encode of the same {len(texts)} texts: {plain:.1f} s{scaled}")
    print(f"ratio build / plain encode: {ours / plain:.2f} (target <= 0.80)")


if __name__ == "__main__":
    main()
