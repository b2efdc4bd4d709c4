"""The notes written as a BEIR dataset of paragraphs (scripts/sections_as_beir.py --paragraphs), the
one-chunk corpus shape the passages profile is checked on."""

from __future__ import annotations

import json

from tmrag.corpus.loading import load_corpus

from ..conftest import ROOT, load_script


def test_paragraph_documents_are_whole_and_each_judged_one_holds_an_evidence_quote() -> None:
    script = load_script("sections_as_beir")
    docs, queries, qrels = script.paragraphs(load_corpus(ROOT / "corpus"), ROOT / "eval" / "review.jsonl")
    by_id = {d["_id"]: d for d in docs}
    assert len(by_id) == len(docs) > 1000
    assert all(len(d["text"].split()) >= script.MIN_WORDS and d["text"].count("```") % 2 == 0 for d in docs)
    assert all("[@" not in d["text"] for d in docs)  # a throwaway corpus has no bibliography
    judged = [pair for rows in qrels.values() for pair in rows]
    assert {q for q, _ in judged} == {q["_id"] for q in queries} and qrels["dev"] and qrels["test"]
    assert all(doc in by_id for _, doc in judged)
    review = {r["id"]: r for r in map(json.loads, (ROOT / "eval" / "review.jsonl").read_text(encoding="utf-8").splitlines())}
    for qid, doc in judged[::50]:
        quotes = [" ".join(script.CITATION.sub("", e["quote"]).split()) for e in review[qid]["evidence"]]
        assert any(quote in " ".join(by_id[doc]["text"].split()) for quote in quotes)
