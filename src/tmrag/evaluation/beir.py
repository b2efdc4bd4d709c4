"""``tmrag eval --beir DIR``: a public BEIR-format benchmark run through the same Engine as the
golden eval. The dataset becomes a throwaway corpus (``beir_data``), is indexed as usual, and
every mode's chunk ranking is turned into a document ranking (a document ranks where its best
chunk ranks) scored with trec_eval's measures (pytrec_eval): nDCG@10, Recall@100, MRR@10."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from argparse import Namespace
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytrec_eval

from ..build.indexer import build_index
from ..build.progress import Progress
from ..build.protocol import TextEmbedder
from ..config import Settings
from ..engine import Engine
from ..errors import ConfigError
from ..query.profile import profile_of
from .beir_data import BeirDataset, load_beir, write_corpus
from .runner import default_mode, modes_for

RUN_DEPTH = 100  # documents kept per query: Recall@100 needs 100
RETRIEVAL_SETTINGS = ("fusion", "reranker", "bm25_k1", "bm25_b", "bm25_stem", "document_stem", "bm25_surface_weight",
                      "retrieve_top_n", "retrieve_min_docs", "rerank_document_weight", "rerank_document_dense_weight",
                      "rerank_top_n", "chunk_tokens", "dense_unit", "lexical_document_weight",
                      "rerank_document_sentence_weight", "rerank_document_centroid_weight", "document_tail_after")
MEASURES = {"ndcg_cut_10", "recall_100", "recip_rank"}


@dataclass
class ModeScores:
    ndcg10: float
    recall100: float
    mrr10: float
    docs_ranked: float  # mean distinct documents per query (Recall@100 is only honest at 100)
    queries_per_s: float
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class BeirReport:
    dataset: str
    split: str
    documents: int
    chunks: int
    queries: int
    index_seconds: float
    chunks_per_s: float
    default_mode: str
    modes: dict[str, ModeScores]
    retrieval: dict[str, object] = field(default_factory=dict)  # the settings that shape these scores

    def to_json(self, per_query: bool = False) -> dict:
        data = asdict(self)
        if not per_query:
            for scores in data["modes"].values():
                scores.pop("per_query")
        return data


# The eval's retrieval legs, scored as document rankings; "bm25+doc" is the BM25 leg with each
# document's whole-text BM25 beside its chunk scores (the default reranker on the lexical leg).
BEIR_LEGS = ("bm25", "bm25+doc", "dense", "hybrid-rrf", "hybrid-convex")


def beir_modes(settings: Settings) -> dict[str, dict]:
    legs = modes_for(settings)
    return {**{name: legs[name] for name in BEIR_LEGS}, "default": {"mode": "hybrid", "reranker": settings.reranker}}


def score_runs(qrels: dict[str, dict[str, int]], runs: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Per query nDCG@10, Recall@100 and MRR@10 of ranked document ids, by trec_eval's definitions
    (graded gains for nDCG; MRR@10 is reciprocal rank over the first 10 only)."""
    def as_run(depth: int) -> dict[str, dict[str, float]]:
        # trec_eval orders by score: descending scores reproduce the given order.
        return {q: {d: float(depth - i) for i, d in enumerate(docs[:depth])} for q, docs in runs.items()}

    judged = {q: rel for q, rel in qrels.items() if q in runs}
    full = pytrec_eval.RelevanceEvaluator(judged, {"ndcg_cut_10", "recall_100"}).evaluate(as_run(RUN_DEPTH))
    top10 = pytrec_eval.RelevanceEvaluator(judged, {"recip_rank"}).evaluate(as_run(10))
    out = {}
    for q in judged:
        f, t = full.get(q, {}), top10.get(q, {})
        out[q] = {"ndcg10": f.get("ndcg_cut_10", 0.0), "recall100": f.get("recall_100", 0.0),
                  "mrr10": t.get("recip_rank", 0.0)}
    return out


def document_ranking(engine: Engine, question: str, kw: dict, doc_of: dict[str, str]) -> list[str]:
    """Distinct documents in the order their best chunk appears in the full candidate list."""
    ranking = engine.rank(question, k=10, diversity=False, **kw)
    seen: dict[str, None] = {}
    for cand in ranking.candidates:
        seen.setdefault(doc_of[engine.index.chunks[cand.row].doc_id], None)
        if len(seen) >= RUN_DEPTH:
            break
    return list(seen)


def evaluate_mode(engine: Engine, dataset: BeirDataset, kw: dict, progress: Progress, label: str) -> ModeScores:
    doc_of = dataset.module_ids()
    engine.ranker.clear_cache()  # each mode pays for its own query embeddings
    runs: dict[str, list[str]] = {}
    t0 = time.perf_counter()
    for qid in progress.iterate(list(dataset.queries), label, len(dataset.queries), "queries"):
        runs[qid] = document_ranking(engine, dataset.queries[qid], kw, doc_of)
    seconds = time.perf_counter() - t0
    per_query = score_runs(dataset.qrels, runs)
    n = max(len(per_query), 1)

    def mean(key: str) -> float:
        return round(sum(s[key] for s in per_query.values()) / n, 4)

    return ModeScores(mean("ndcg10"), mean("recall100"), mean("mrr10"),
                      round(sum(len(r) for r in runs.values()) / max(len(runs), 1), 1),
                      round(len(runs) / seconds, 1) if seconds > 0 else 0.0, per_query)


def select_beir_modes(settings: Settings, wanted: list[str] | None) -> dict[str, dict]:
    modes = beir_modes(settings)
    unknown = sorted(set(wanted or []) - set(modes))
    if unknown:
        raise ConfigError(f"--modes: unknown mode(s) {', '.join(unknown)}; with --beir choose from {', '.join(modes)}")
    return {k: v for k, v in modes.items() if not wanted or k in wanted}


def run_beir(settings: Settings, dataset: BeirDataset, work_dir: Path, modes: list[str] | None = None,
             bar: bool = False, embedder: TextEmbedder | None = None) -> BeirReport:
    """Index ``dataset`` under ``work_dir`` (reusing an index and embedding cache left there by an
    earlier run of the same documents) and score each mode."""
    wanted = select_beir_modes(settings, modes)
    # A document ranking is scored to depth 100, so each leg reaches 100 distinct documents here
    # whatever the serving default (there 0: deeper legs cost /ask throughput for no graded gain).
    settings = settings.model_copy(update={"corpus_dir": write_corpus(dataset, work_dir / "corpus"),
                                           "index_dir": work_dir / "indexes",
                                           "retrieve_min_docs": max(settings.retrieve_min_docs, RUN_DEPTH)})
    progress = Progress(bar=bar, task="beir")
    t0 = time.perf_counter()
    build = build_index(settings, progress=bar, embedder=embedder)
    index_seconds = time.perf_counter() - t0
    engine = Engine.open(settings, embedder)
    scores = {name: evaluate_mode(engine, dataset, kw, progress, f"queries ({name})") for name, kw in wanted.items()}
    used = {"profile": profile_of(settings, engine.index), **{k: getattr(engine.ranker.settings, k) for k in RETRIEVAL_SETTINGS}}
    return BeirReport(dataset.name, dataset.split, len(dataset.documents), build.chunks, len(dataset.queries),
                      round(index_seconds, 1), round(build.chunks / index_seconds, 1) if build.embedded else 0.0,
                      default_mode(settings), scores, used)


def format_beir(report: BeirReport) -> str:
    width = max(len(f"default ({report.default_mode})"), 15)
    lines = [f"BEIR {report.dataset} ({report.split}): {report.documents} documents, {report.chunks} chunks, "
             f"{report.queries} queries; indexed in {report.index_seconds:.1f} s"
             + (f" ({report.chunks_per_s:.1f} chunks/s)" if report.chunks_per_s else " (embeddings from the cache)")
             + f"; retrieval profile: {report.retrieval.get('profile', 'modules')}",
             f"{'mode':<{width}}{'nDCG@10':>9}{'R@100':>8}{'MRR@10':>8}{'docs/q':>8}{'q/s':>7}"]
    for name, s in report.modes.items():
        label = f"default ({report.default_mode})" if name == "default" else name
        lines.append(f"{label:<{width}}{s.ndcg10:>9.3f}{s.recall100:>8.3f}{s.mrr10:>8.3f}{s.docs_ranked:>8.1f}"
                     f"{s.queries_per_s:>7.1f}")
    return "\n".join(lines)


def run_beir_cli(settings: Settings, args: Namespace) -> int:
    modes = [m.strip() for m in args.modes.split(",") if m.strip()] if args.modes else None
    select_beir_modes(settings, modes)  # a typo fails before the slow part
    if args.max_docs is not None and args.max_docs < 1:
        raise ConfigError("--max-docs must be at least 1")
    dataset = load_beir(Path(args.beir), args.split, args.max_docs)
    if args.work_dir:
        report = run_beir(settings, dataset, Path(args.work_dir), modes, bar=sys.stderr.isatty())
    else:
        with tempfile.TemporaryDirectory(prefix="tmrag-beir-") as tmp:
            report = run_beir(settings, dataset, Path(tmp), modes, bar=sys.stderr.isatty())
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    print(format_beir(report))
    return 0
