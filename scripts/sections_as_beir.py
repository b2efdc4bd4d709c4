"""Write the notes as a BEIR-format dataset of short documents, for choosing retrieval settings
that matter on corpora of abstracts and passages (SciFact and the like) on data of our own.

Each titled section of a module becomes one document (its own text, up to the next heading of any
level; the title is "module title: section title"), the answerable dev (or test) questions of the
golden and review sets become the queries, and a question's labelled sections (with their
subsections, whose text a labelled parent section holds) are its relevant documents.

    .venv/bin/python scripts/sections_as_beir.py /tmp/sections-beir
    .venv/bin/tmrag eval --beir /tmp/sections-beir --split dev --work-dir /tmp/sections-work

With ``--paragraphs`` each paragraph of a section is a document instead (one chunk each, the shape
of posts and short answers), and a review question's relevant documents are the paragraphs that
hold one of its evidence quotes.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from tmrag.config import Settings
from tmrag.corpus.loading import load_corpus
from tmrag.evaluation.golden import load_golden

CITATION = re.compile(r"\s*\[@[^\]]*\]")  # a citation key is no text; a throwaway corpus has no bibliography
MIN_WORDS = 20  # a heading with a line or two under it is no document anyone would retrieve
PARAGRAPH = re.compile(r"\n\s*\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--paragraphs", action="store_true", help="one document per paragraph")
    args = ap.parse_args()
    corpus = load_corpus(Settings().corpus_dir)
    if args.paragraphs:
        write(args.out, *paragraphs(corpus))
        return
    docs, kept = [], set()
    for module in corpus.modules.values():
        for s in module.sections:
            text = CITATION.sub("", module.text[s.start:s.end]).strip()
            if s.level >= 2 and len(text.split()) >= MIN_WORDS:
                docs.append({"_id": f"{module.id}#{s.anchor}", "title": f"{module.title}: {s.title}", "text": text})
                kept.add(f"{module.id}#{s.anchor}")
    queries, qrels = [], {}
    for split in ("dev", "test"):
        rows = []
        for path in ("eval/golden.jsonl", "eval/review.jsonl"):
            for q in load_golden(Path(path)):
                relevant = [d for s in q.relevant_sections for d in _with_subsections(corpus, s) if d in kept]
                if q.split == split and q.answerable and relevant:
                    queries.append({"_id": q.id, "text": q.question})
                    rows += [(q.id, d) for d in dict.fromkeys(relevant)]
        qrels[split] = rows
    write(args.out, docs, queries, qrels)


def paragraphs(corpus, review: Path = Path("eval/review.jsonl")) \
        -> tuple[list[dict], list[dict], dict[str, list[tuple[str, str]]]]:  # noqa: ANN001
    """Each section's paragraphs of MIN_WORDS or more (a code block or display math cut by a blank
    line is no paragraph), and the review questions whose evidence quotes they hold."""
    docs = []
    for module in corpus.modules.values():
        for s in module.sections:
            body = module.text[s.start:s.end].split("\n", 1)[-1]
            kept = [p for p in PARAGRAPH.split(body)
                    if len(p.split()) >= MIN_WORDS and p.count("```") % 2 == 0 and p.count("$$") % 2 == 0]
            docs += [{"_id": f"{module.id}#{s.anchor}#{i}", "title": f"{module.title}: {s.title}",
                      "text": CITATION.sub("", p).strip()} for i, p in enumerate(kept)]
    queries, qrels = [], {"dev": [], "test": []}
    flat = [(d["_id"], " ".join(d["text"].split())) for d in docs]
    for line in review.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        quotes = [" ".join(CITATION.sub("", e["quote"]).split()) for e in q.get("evidence", [])]
        relevant = [i for i, text in flat if any(quote in text for quote in quotes)] if q["answerable"] else []
        if relevant:
            queries.append({"_id": q["id"], "text": q["question"]})
            qrels["dev" if "dev" in q["tags"] else "test"] += [(q["id"], d) for d in relevant]
    return docs, queries, qrels


def write(out: Path, docs: list[dict], queries: list[dict], qrels: dict[str, list[tuple[str, str]]]) -> None:
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    with (out / "queries.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(q, ensure_ascii=False) + "\n" for q in queries)
    for split, rows in qrels.items():
        with (out / "qrels" / f"{split}.tsv").open("w", encoding="utf-8") as f:
            f.write("query-id\tcorpus-id\tscore\n")
            f.writelines(f"{qid}\t{doc}\t1\n" for qid, doc in rows)
    print(f"{len(docs)} documents, {len(queries)} queries -> {out}")


def _with_subsections(corpus, ref: str) -> list[str]:  # noqa: ANN001
    """The labelled section and every section nested in it."""
    module_id, _, anchor = ref.partition("#")
    module = corpus.modules.get(module_id)
    section = module.section_by_anchor(anchor) if module else None
    if section is None:
        return []
    inside = [s for s in module.sections if s.start >= section.start and s.end <= _end_of(module, section)]
    return [f"{module_id}#{s.anchor}" for s in inside]


def _end_of(module, section) -> int:  # noqa: ANN001
    """Where the section with its subsections ends: the next heading at its level or above."""
    later = [s for s in module.sections if s.start > section.start and s.level <= section.level]
    return later[0].start - 1 if later else len(module.text)


if __name__ == "__main__":
    main()
