"""Index build benchmark: full build, no-change rebuild, one-module edit, peak RSS.

    .venv/bin/python bench/bench_index.py

Each step runs `tmrag index` as its own process (as a user would) on a copy of the corpus with
an empty index folder, so the full build has no embedding cache. Targets on 2 cores:
full <= 90 s, no change <= 2 s, one-module edit <= 5 s."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TMRAG = [sys.executable, "-m", "tmrag"]


def run(step: str, corpus: Path, index: Path, *extra: str) -> float:
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    t = time.perf_counter()
    out = subprocess.run([*TMRAG, "index", "--corpus", str(corpus), "--out", str(index), *extra], env=env,
                         capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t
    summary = " | ".join(line for line in out.stdout.splitlines() if line and not line.startswith("warning"))
    print(f"{step:<22} {seconds:7.2f} s   {summary}")
    return seconds


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="tmrag-bench-"))
    corpus, index = work / "corpus", work / "indexes"
    shutil.copytree(ROOT / "corpus", corpus)
    print(f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}")
    full = run("full build", corpus, index)
    same = run("no-change rebuild", corpus, index)
    module = corpus / "modules" / "kv-cache.md"
    module.write_text(module.read_text() + "\nA benchmark edit adds one more sentence to this module.\n")
    edit = run("one-module edit", corpus, index)
    rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of a build process: {rss_mib:.0f} MiB")
    print(f"targets: full {full:.1f}/90 s {'OK' if full <= 90 else 'MISS'}; no-change {same:.2f}/2 s "
          f"{'OK' if same <= 2 else 'MISS'}; edit {edit:.2f}/5 s {'OK' if edit <= 5 else 'MISS'}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
