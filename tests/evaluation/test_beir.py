"""`tmrag eval --beir`: reading a BEIR folder, the throwaway corpus, trec_eval scoring, and a
whole run on a tiny BEIR-format fixture with the fake embedder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tmrag.cli import main
from tmrag.config import Settings
from tmrag.corpus.loading import load_corpus
from tmrag.errors import ConfigError
from tmrag.evaluation.beir import RUN_DEPTH, format_beir, run_beir, score_runs
from tmrag.evaluation.beir_data import load_beir, write_corpus

from ..fakes import FakeEmbedder

DOCS = [
    ("101", "Vitamin D and bone density", "Vitamin D supplements increased bone mineral density in older adults."),
    ("102", "Statins lower cholesterol", "Statin therapy reduced LDL cholesterol and cardiovascular events."),
    ("103", "", "Sleep deprivation impairs memory consolidation in the hippocampus."),
    ("104", 'A "quoted" title: with colon', "Aspirin use was associated with fewer colorectal adenomas."),
    ("105", "Gut microbiome", "The gut microbiome shapes immune responses in infancy."),
    ("106", "Unrelated", "Glaciers retreated faster during the last decade."),
]
QUERIES = [("q1", "vitamin D raises bone density"), ("q2", "statins reduce cholesterol"),
           ("q3", "sleep loss harms memory"), ("q9", "a query with no judgements")]
QRELS = [("q1", "101", 1), ("q2", "102", 2), ("q3", "103", 1), ("q3", "999", 1)]  # 999: not in the corpus


def write_beir(root: Path, qrels: list[tuple[str, str, int]] = QRELS) -> Path:
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n"
                                               for i, t, x in DOCS), encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(json.dumps({"_id": i, "text": t}) + "\n" for i, t in QUERIES),
                                        encoding="utf-8")
    lines = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t{s}" for q, d, s in qrels]
    (root / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_load_keeps_judged_queries_and_documents_in_the_corpus(tmp_path: Path) -> None:
    data = load_beir(write_beir(tmp_path / "beir"))
    assert sorted(data.queries) == ["q1", "q2", "q3"]  # q9 has no judgement
    assert data.qrels["q3"] == {"103": 1}  # the judgement of a document the corpus lacks is dropped
    assert data.qrels["q2"] == {"102": 2}  # graded relevance kept
    assert len(data.documents) == len(DOCS)


def test_max_docs_keeps_every_judged_document(tmp_path: Path) -> None:
    data = load_beir(write_beir(tmp_path / "beir"), max_docs=4)
    ids = [d.id for d in data.documents]
    assert len(ids) == 4 and {"101", "102", "103"} <= set(ids)


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "beir")
    with pytest.raises(ConfigError, match=r"qrels/dev\.tsv: missing; splits here: test"):
        load_beir(root, split="dev")
    (root / "queries.jsonl").write_text('{"_id": "q1", "text": "ok"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"queries\.jsonl:2: bad JSON"):
        load_beir(root)
    with pytest.raises(ConfigError, match="corpus.jsonl: missing"):
        load_beir(tmp_path)


def test_the_throwaway_corpus_loads_strictly(tmp_path: Path) -> None:
    data = load_beir(write_beir(tmp_path / "beir"))
    corpus = load_corpus(write_corpus(data, tmp_path / "corpus"), strict=True)
    by_doc = {v: k for k, v in data.module_ids().items()}
    assert corpus.modules[by_doc["104"]].title == 'A "quoted" title: with colon'
    assert corpus.modules[by_doc["103"]].title == "103"  # no title: the id stands in
    assert "Aspirin use" in corpus.modules[by_doc["104"]].body


def test_a_kept_work_dir_drops_documents_the_next_dataset_lacks(tmp_path: Path) -> None:
    full = load_beir(write_beir(tmp_path / "beir"))
    root = write_corpus(full, tmp_path / "corpus")
    smaller = load_beir(tmp_path / "beir", max_docs=4)
    corpus = load_corpus(write_corpus(smaller, root), strict=True)
    assert set(corpus.modules) == set(smaller.module_ids())
    assert len(corpus.modules) == 4 < len(full.documents)


def test_scores_follow_trec_eval_definitions() -> None:
    qrels = {"a": {"d1": 1, "d3": 1}, "b": {"d2": 2, "d5": 1}}
    runs = {"a": ["d1", "x", "d3"], "b": [f"x{i}" for i in range(10)] + ["d2"]}
    scores = score_runs(qrels, runs)
    ideal = 1 + 1 / math.log2(3)
    assert scores["a"]["ndcg10"] == pytest.approx((1 + 1 / math.log2(4)) / ideal)
    assert scores["a"]["mrr10"] == 1.0 and scores["a"]["recall100"] == 1.0
    assert scores["b"]["ndcg10"] == 0.0 and scores["b"]["mrr10"] == 0.0  # the hit is 11th
    assert scores["b"]["recall100"] == 0.5


def test_a_whole_run_reports_every_mode(tmp_path: Path) -> None:
    data = load_beir(write_beir(tmp_path / "beir"))
    report = run_beir(Settings(), data, tmp_path / "work", embedder=FakeEmbedder())
    assert list(report.modes) == ["bm25", "bm25+doc", "dense", "hybrid-rrf", "hybrid-convex", "default"]
    bm25 = report.modes["bm25"]
    assert bm25.mrr10 == 1.0  # each query shares its words with its one relevant abstract only
    assert 1 <= bm25.docs_ranked <= min(RUN_DEPTH, len(DOCS))
    assert report.documents == len(DOCS) and report.chunks >= len(DOCS) and report.queries == 3
    assert "default (hybrid+module-bm25)" in format_beir(report)
    again = run_beir(Settings(), data, tmp_path / "work", modes=["bm25"], embedder=FakeEmbedder())
    assert list(again.modes) == ["bm25"] and again.chunks_per_s == 0.0  # the kept index was reused
    retrieval = json.loads(json.dumps(report.to_json()))["retrieval"]
    assert retrieval["retrieve_min_docs"] == 100
    # Abstracts are a chunk or two each: the passages profile is what was scored, and reported.
    assert retrieval["profile"] == "passages" and retrieval["dense_unit"] == "sentence"


def test_cli_rejects_an_unknown_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_beir(tmp_path / "beir")
    assert main(["eval", "--beir", str(root), "--modes", "bm25,nope"]) == 1
    assert "unknown mode(s) nope" in capsys.readouterr().err


@pytest.mark.slow
def test_a_whole_run_with_the_real_model(tmp_path: Path) -> None:
    data = load_beir(write_beir(tmp_path / "beir"))
    report = run_beir(Settings(), data, tmp_path / "work", modes=["dense", "default"])
    # Each claim paraphrases its one relevant abstract; MiniLM finds it first.
    assert report.modes["dense"].mrr10 == 1.0 and report.modes["default"].ndcg10 == 1.0
    assert report.chunks_per_s > 0  # embedded in this run, not from a cache
