"""Check that src/tmrag reads as the pipeline: no import cycle, and no module imports from a
later stage. Every import counts, including ones inside functions and TYPE_CHECKING blocks.

The stages, earliest first (a module may import from its own stage or any earlier one):

    0 base        config, errors, names, tokenize, files
    1 corpus      corpus/
    2 build       build/
    3 query       query/
    4 answer      answer/
    5 engine      engine
    6 services    study/, insights/, ingest/ (features built on the engine or the corpus)
    7 edges       evaluation/, web/, mcp/ (none imports another)
    8 entry       cli, commands, chat, quiz, terminal, serving, __main__

    .venv/bin/python scripts/check_layers.py      # exit 1 and one line per violation
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "tmrag"
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("tmrag", "tmrag.config", "tmrag.errors", "tmrag.names", "tmrag.tokenize", "tmrag.files")),
    ("corpus", ("tmrag.corpus",)),
    ("build", ("tmrag.build",)),
    ("query", ("tmrag.query",)),
    ("answer", ("tmrag.answer",)),
    ("engine", ("tmrag.engine",)),
    ("services", ("tmrag.study", "tmrag.insights", "tmrag.ingest")),
    ("edges", ("tmrag.evaluation", "tmrag.web", "tmrag.mcp")),
    ("entry", ("tmrag.cli", "tmrag.commands", "tmrag.chat", "tmrag.quiz", "tmrag.terminal", "tmrag.serving", "tmrag.__main__")),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(name: str) -> tuple[int, str]:
    """(rank, the stage's own prefix): the longest matching prefix wins."""
    best = (-1, "", "")
    for rank, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > len(best[2]):
                best = (rank, prefix, prefix)
    if best[0] < 0:
        raise SystemExit(f"check_layers: {name} is in no stage; add it to STAGES")
    return best[0], best[1]


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            mod = f"{base}.{node.module}" if node.level and node.module else (node.module if not node.level else base)
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in known}
    return found - {name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def violations() -> list[str]:
    files = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    graph = {name: imports_of(path, name, set(files)) for name, path in files.items()}
    problems = [f"import cycle: {' -> '.join(c)}" for c in cycles(graph)]
    for name, targets in sorted(graph.items()):
        rank, prefix = stage_of(name)
        for target in sorted(targets):
            t_rank, t_prefix = stage_of(target)
            if t_rank > rank or (t_rank == rank and rank > 0 and t_prefix != prefix and STAGES[rank][0] == "edges"):
                problems.append(f"{name} ({STAGES[rank][0]}) imports {target} ({STAGES[t_rank][0]})")
    return problems


def main() -> int:
    problems = violations()
    for p in problems:
        print(p)
    order = " < ".join(s for s, _ in STAGES)
    print(f"check_layers: {len(problems)} problem(s); stage order {order}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
