"""Write the notes as a BEIR-format dataset of short documents, for choosing retrieval settings
that matter on corpora of abstracts and passages (SciFact and the like) on data of our own.

Each titled section of a module becomes one document (its own text, up to the next heading of any
level; the title is "module title: section title"), the answerable dev (or test) questions of the
golden and review sets become the queries, and a question's labelled sections (with their
subsections, whose text a labelled parent section holds) are its relevant documents.

    .venv/bin/python scripts/sections_as_beir.py /tmp/sections-beir
    .venv/bin/tmrag eval --beir /tmp/sections-beir --split dev --work-dir /tmp/sections-work
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    corpus = load_corpus(Settings().corpus_dir)
    docs, kept = [], set()
    for module in corpus.modules.values():
        for s in module.sections:
            text = CITATION.sub("", module.text[s.start:s.end]).strip()
            if s.level >= 2 and len(text.split()) >= MIN_WORDS:
                docs.append({"_id": f"{module.id}#{s.anchor}", "title": f"{module.title}: {s.title}", "text": text})
                kept.add(f"{module.id}#{s.anchor}")
    (args.out / "qrels").mkdir(parents=True, exist_ok=True)
    with (args.out / "corpus.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    queries = []
    for split in ("dev", "test"):
        rows = []
        for path in ("eval/golden.jsonl", "eval/review.jsonl"):
            for q in load_golden(Path(path)):
                relevant = [d for s in q.relevant_sections for d in _with_subsections(corpus, s) if d in kept]
                if q.split == split and q.answerable and relevant:
                    queries.append({"_id": q.id, "text": q.question})
                    rows += [(q.id, d) for d in dict.fromkeys(relevant)]
        with (args.out / "qrels" / f"{split}.tsv").open("w", encoding="utf-8") as f:
            f.write("query-id\tcorpus-id\tscore\n")
            f.writelines(f"{qid}\t{doc}\t1\n" for qid, doc in rows)
    with (args.out / "queries.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(q, ensure_ascii=False) + "\n" for q in queries)
    print(f"{len(docs)} section documents, {len(queries)} queries -> {args.out}")


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
