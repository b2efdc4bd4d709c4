"""Sync benchmark against a local stand-in for the wiki (this machine cannot reach the real one).

    .venv/bin/python bench/bench_sync.py

The server (tests/ingest/wiki_server.py, http.server in a thread) serves the seed's llms.txt
verbatim (83 modules; Model Merging unlisted) and, as /raw/<slug>.md, each corpus module as the
wiki publishes one: no front matter, a `# Title` line, and every [@id] written as a link whose
text is the source's citation label (or a bracketed label when it has no URL-free link form).
Steps, each `tmrag sync` as its own process into a copy of corpus/:

1. first sync: every file downloaded and converted (labels mapped back to [@id]);
2. round trip: how many modules come back byte-identical to corpus/ (conversion is faithful);
3. re-sync of the unchanged wiki: every request a 304, 0 body bytes, time (target < 2 s);
4. a sync failing midway (one module 404): corpus byte-identical afterwards."""

from __future__ import annotations

import glob
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ingest.wiki_server import Wiki, serve  # noqa: E402

from tmrag.corpus.loading import load_corpus  # noqa: E402

SEED_LLMS = Path(glob.glob("/work/shared/seeds/000_*.txt")[0]) if glob.glob("/work/shared/seeds/000_*.txt") else None


def published(corpus_dir: Path) -> dict[str, bytes]:
    corpus = load_corpus(corpus_dir)
    labels = Counter(s.citation for s in corpus.sources.values() if s.citation)

    def cite(m: re.Match) -> str:
        src = corpus.sources[m.group(1)]
        if src.citation and labels[src.citation] == 1:
            return f"[{src.citation}]"  # the label form; resolved back through the bibliography
        return m.group(0)  # labels two sources share cannot be resolved: published as [@id]

    files = {}
    for m in corpus.modules.values():
        body = re.sub(r"\[@([A-Za-z0-9][A-Za-z0-9_.:-]*)\]", cite, m.body)
        files[f"/raw/{m.id}.md"] = f"# {m.title}\n{body}".encode()
    return files


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def tmrag_sync(url: str, corpus: Path) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    done = subprocess.run([str(ROOT / ".venv/bin/tmrag"), "sync", "--from", url, "--corpus", str(corpus)],
                          capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - t0


def main() -> None:
    if SEED_LLMS is None:
        sys.exit("bench_sync: the seed llms.txt (/work/shared/seeds/000_*.txt) is not here")
    work = Path(tempfile.mkdtemp(prefix="tmrag-bench-sync-"))
    corpus = work / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    wiki = Wiki(files={"/llms.txt": SEED_LLMS.read_bytes(), **published(ROOT / "corpus")})
    try:
        with serve(wiki) as url:
            rc, out, seconds = tmrag_sync(url, corpus)
            print(f"first sync: exit {rc}, {seconds:.2f} s, {wiki.body_bytes:,} body bytes sent\n{out}")
            original, synced = snapshot(ROOT / "corpus"), snapshot(corpus)
            same = sum(original.get(k) == v for k, v in synced.items() if k.startswith("modules/"))
            print(f"round trip: {same}/{sum(k.startswith('modules/') for k in synced)} modules byte-identical "
                  "to corpus/")
            sent = wiki.body_bytes
            rc, out, seconds = tmrag_sync(url, corpus)
            print(f"re-sync: exit {rc}, {seconds:.2f} s (process incl. start-up), {wiki.body_bytes - sent} body bytes "
                  f"sent\n{out}")
            before = snapshot(corpus)
            wiki.files["/raw/attention.md"] += b"\nAn edit that must not land.\n"
            del wiki.files["/raw/kv-cache.md"]
            rc, out, seconds = tmrag_sync(url, corpus)
            print(f"failing sync: exit {rc}, corpus byte-identical: {snapshot(corpus) == before}\n{out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
