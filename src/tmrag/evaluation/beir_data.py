"""A BEIR-format dataset (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``; Thakur et
al., 2021) read and validated, optionally cut to a subset, and written out as a throwaway tmrag
corpus: one module per document, its title as the module title and its text as the body, so the
chunker cuts it as it cuts any note."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from ..config import CATEGORIES
from ..errors import ConfigError

MODULE_PREFIX = "doc-"  # BEIR ids can be anything; module ids must be file names


@dataclass(frozen=True)
class BeirDocument:
    id: str
    title: str
    text: str


@dataclass
class BeirDataset:
    name: str
    documents: list[BeirDocument]
    queries: dict[str, str]  # query id -> text, only queries judged in the split
    qrels: dict[str, dict[str, int]]  # query id -> document id -> graded relevance
    split: str

    def module_ids(self) -> dict[str, str]:
        """Module id -> BEIR document id (the module's file name is its position)."""
        return {f"{MODULE_PREFIX}{i}": d.id for i, d in enumerate(self.documents)}


def _read_jsonl(path: Path, fields: tuple[str, ...]) -> list[dict]:
    if not path.is_file():
        raise ConfigError(f"{path}: missing (a BEIR folder has corpus.jsonl, queries.jsonl and qrels/<split>.tsv)")
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{n}: bad JSON ({exc.msg})") from None
            if not isinstance(row, dict) or any(not isinstance(row.get(k), str) for k in fields):
                raise ConfigError(f"{path}:{n}: needs string fields {', '.join(fields)}")
            rows.append(row)
    return rows


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    if not path.is_file():
        splits = sorted(p.stem for p in path.parent.glob("*.tsv"))
        raise ConfigError(f"{path}: missing; splits here: {', '.join(splits) or 'none'}")
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f, delimiter="\t"), 1):
            if n == 1 and row and row[0] == "query-id":  # BEIR's header line
                continue
            if len(row) != 3 or not row[2].lstrip("-").isdigit():
                raise ConfigError(f"{path}:{n}: expected query-id<TAB>corpus-id<TAB>score")
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return qrels


def load_beir(folder: Path, split: str = "test", max_docs: int | None = None) -> BeirDataset:
    """The split's judged queries and the corpus. ``max_docs`` keeps every document judged for
    those queries plus the first others in file order, so a quick run still has its answers."""
    folder = Path(folder)
    docs = [BeirDocument(r["_id"], r.get("title") or "", r["text"])
            for r in _read_jsonl(folder / "corpus.jsonl", ("_id", "text"))]
    queries = {r["_id"]: r["text"] for r in _read_jsonl(folder / "queries.jsonl", ("_id", "text"))}
    qrels = _read_qrels(folder / "qrels" / f"{split}.tsv")
    known = {d.id for d in docs}
    qrels = {q: {d: g for d, g in rel.items() if d in known} for q, rel in qrels.items() if q in queries}
    qrels = {q: rel for q, rel in qrels.items() if any(g > 0 for g in rel.values())}
    if not qrels:
        raise ConfigError(f"{folder}: no query in qrels/{split}.tsv has a relevant document in the corpus")
    if max_docs is not None:
        judged = {d for rel in qrels.values() for d in rel}
        others = [d for d in docs if d.id not in judged][: max(0, max_docs - len(judged))]
        keep = judged | {d.id for d in others}
        docs = [d for d in docs if d.id in keep]
    return BeirDataset(folder.name, docs, {q: queries[q] for q in qrels}, qrels, split)


def _yaml_str(text: str) -> str:
    return json.dumps(" ".join(text.split()), ensure_ascii=False)  # a JSON string is a YAML scalar


def write_corpus(dataset: BeirDataset, root: Path) -> Path:
    """A tmrag corpus folder under ``root`` (no bibliography or glossary). A folder kept from an
    earlier run (``--work-dir``) loses the modules this dataset lacks, so a smaller or other
    dataset is never scored with stale documents indexed beside it."""
    modules = root / "modules"
    modules.mkdir(parents=True, exist_ok=True)
    wanted = {f"{module_id}.md" for module_id in dataset.module_ids()}
    for stale in (p for p in modules.glob("*.md") if p.name not in wanted):
        stale.unlink()
    (root / "bibliography.jsonl").write_text("", encoding="utf-8")
    (root / "glossary.jsonl").write_text("", encoding="utf-8")
    category = CATEGORIES[0]  # categories play no part in this evaluation; any valid one does
    for module_id, doc in zip(dataset.module_ids(), dataset.documents, strict=True):
        title = doc.title.strip() or doc.id
        front = (f"---\nid: {module_id}\nnumber: null\ntitle: {_yaml_str(title)}\ncategory: {_yaml_str(category)}\n"
                 f"summary: \"\"\nhook: null\nsources: []\nrelated: []\n---\n")
        (modules / f"{module_id}.md").write_text(front + doc.text.strip() + "\n", encoding="utf-8")
    return root
