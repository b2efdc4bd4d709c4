"""Import benchmark: the corpus's own 84 modules written out as an Obsidian vault, imported back.

    .venv/bin/python bench/bench_import.py

The vault has one folder per category, one note per module named after its title, no front
matter, a `# Title` line, the body, and a "See also" line of `[[Title]]` wiki links for the
module's related list. `tmrag import` runs as its own process; the report says how long it took,
whether `tmrag corpus check` passes on the result, and how much of the structure came back:
titles, categories and related lists equal to the originals."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from tmrag.corpus.loading import load_corpus  # noqa: E402
from tmrag.ingest.notes import slug  # noqa: E402


def write_vault(vault: Path) -> dict[str, str]:
    """Writes the vault; returns note id (slug of the title) -> original module id."""
    corpus = load_corpus(ROOT / "corpus")
    ids = {}
    for m in corpus.modules.values():
        links = ", ".join(f"[[{corpus.modules[r].title}]]" for r in m.related)
        name = m.title.replace("/", "-").replace(":", " -")  # characters a file name cannot hold
        path = vault / m.category / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {m.title}\n{m.body.rstrip()}\n\nSee also: {links}\n", encoding="utf-8")
        ids[slug(name)] = m.id
    return ids


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="tmrag-bench-import-"))
    try:
        ids = write_vault(work / "vault")
        t0 = time.perf_counter()
        done = subprocess.run([str(ROOT / ".venv/bin/tmrag"), "import", str(work / "vault"), "--into",
                               str(work / "notes")], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        print(f"import: exit {done.returncode}, {seconds:.2f} s (process incl. start-up)\n{done.stdout}{done.stderr}")
        check = subprocess.run([str(ROOT / ".venv/bin/tmrag"), "corpus", "check", "--corpus", str(work / "notes")],
                               capture_output=True, text=True)
        print(f"corpus check: exit {check.returncode}: {check.stderr.strip()}")
        original, imported = load_corpus(ROOT / "corpus"), load_corpus(work / "notes", strict=False)
        pairs = [(imported.modules[n], original.modules[o]) for n, o in ids.items() if n in imported.modules]
        same = {f: sum(getattr(a, f) == getattr(b, f) for a, b in pairs) for f in ("title", "category")}
        related = sum([ids[r] for r in a.related] == b.related for a, b in pairs)
        print(f"{len(pairs)}/{len(original.modules)} modules imported; titles {same['title']}, categories "
              f"{same['category']}, related lists {related} equal to the originals")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
