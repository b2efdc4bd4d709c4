"""``tmrag eval``: run golden questions through the same Engine the server uses, in several
retrieval modes side by side, and attribute every miss to the stage that lost the gold."""

from __future__ import annotations

import json
import time
from argparse import Namespace
from dataclasses import replace
from pathlib import Path

from ..answer.composing import QUOTE_JOIN, coverage_note, term_label
from ..answer.text import display_sentence, span_text
from ..answer.types import Answer
from ..answer.verdict import as_claims
from ..config import Settings
from ..engine import Engine
from ..errors import ConfigError
from . import metrics as M
from .golden import GoldenQuestion, check_labels, load_golden

REGRESSION_TOLERANCE = 0.01  # one question in a 125-question split moves a rate by 0.008


def modes_for(settings: Settings) -> dict[str, dict]:
    modes = {
        "bm25": {"mode": "lexical", "reranker": "none"},
        "bm25+doc": {"mode": "lexical", "reranker": "module-bm25"},  # the BM25 leg with document-level evidence
        "dense": {"mode": "dense", "reranker": "none"},
        "hybrid-rrf": {"mode": "rrf", "reranker": "none"},
        "hybrid-convex": {"mode": "convex", "reranker": "none"},
        "hybrid+module-bm25": {"mode": "hybrid", "reranker": "module-bm25"},
        "hybrid+sentence": {"mode": "hybrid", "reranker": "sentence"},
    }
    if settings.cross_encoder_model:
        modes["hybrid+cross-encoder"] = {"mode": "hybrid", "reranker": "cross-encoder"}
    return modes


def default_mode(settings: Settings) -> str:
    return {"module-bm25": "hybrid+module-bm25", "sentence": "hybrid+sentence",
            "cross-encoder": "hybrid+cross-encoder"}.get(
        settings.reranker, f"hybrid-{settings.fusion}")


def select_modes(modes: dict[str, dict], default: str, wanted: str | None) -> dict[str, dict]:
    """The modes named in `--modes` ("default" names the configured one), in table order."""
    if wanted is None:
        return modes
    names = {default if w.strip() == "default" else w.strip() for w in wanted.split(",") if w.strip()}
    unknown = sorted(names - set(modes))
    if unknown or not names:
        raise ConfigError(f"--modes: unknown mode(s) {', '.join(unknown) or '(none given)'}; "
                          f"choose from default, {', '.join(modes)}")
    return {k: v for k, v in modes.items() if k in names}


def _ranked_ids(engine: Engine, ranking) -> tuple[list[str], list[str], list[str]]:  # noqa: ANN001
    chunks = [engine.index.chunks[c.row] for c in ranking.results]
    modules = M.dedup(c.module_id for c in chunks if c.kind == "module")
    sections = M.dedup(f"{c.module_id}#{c.anchor}" for c in chunks if c.kind == "module" and c.anchor)
    sources = M.dedup(c.source_id for c in chunks if c.kind == "source")
    return modules, sections, sources


def _support(engine: Engine, response: Answer) -> float | None:
    """Each answer sentence must occur in its marker's quote, and each quote must be an exact
    span of the cited module file."""
    quotes: dict[int, list[str]] = {}
    for c in response.citations:
        if c.kind == "module":
            text = engine.corpus.modules[c.module_id].text
            raw = [text[a:b] for a, b in c.spans]
            # the quote is not the file's text: nothing it backs counts as supported; a table row
            # is claimed as read with its header
            raw = [span_text(text, span) for span in c.spans] if QUOTE_JOIN.join(raw) == c.quote else []
        else:  # a glossary definition is read with its term ("KV cache: A per-sequence store…")
            raw = [term_label(c.title) + c.quote if c.kind == "glossary" else c.quote]
        quotes[c.marker] = raw
    normalize = lambda t: " ".join(display_sentence(t).split())  # noqa: E731
    joined = {m: "\n".join(normalize(r) for r in raws) for m, raws in quotes.items()}
    claims = response.answer
    if response.coverage == "partial":  # the opening note says what is missing: it quotes nothing
        claims = claims.removeprefix(coverage_note(response.missing)).lstrip()
    return M.support_rate(as_claims(claims), joined, lambda t: t)


def evaluate(engine: Engine, q: GoldenQuestion, kw: dict, llm: bool = False) -> dict:
    ranking = engine.rank(q.question, k=10, **kw)
    response = engine.answer(ranking, llm=llm)
    modules, sections, sources = _ranked_ids(engine, ranking)
    rec = {"id": q.id, "split": q.split, "category": q.category, "type": q.type, "answerable": q.answerable,
           "abstained": response.abstained, "evidence": response.evidence, "timings": response.timings_ms,
           "top_modules": modules[:5], "noted": bool(response.unmentioned_terms),
           "llm": (response.mode == "llm") if llm else None}  # None: this mode never calls the model
    rec["coverage"] = response.coverage
    if not q.answerable:
        # caught: abstained, or partial with the asked thing among what it says is missing
        rec["coverage_caught"] = response.coverage == "not_covered" or (
            response.coverage == "partial" and M.names_missing(response.missing, q.missing))
        return rec
    rec["false_partial"] = float(response.coverage != "answered")
    rel, rel_sec, rel_src = set(q.relevant_modules), set(q.relevant_sections), set(q.relevant_sources)
    cited = [c.module_id if c.kind != "source" else c.source_id for c in response.citations]
    answer_sources = {s.id for s in response.sources}
    rec |= {
        "hit1": M.hit_at_k(modules, rel, 1), "hit5": M.hit_at_k(modules, rel, 5),
        "recall5": M.recall_at_k(modules, rel, 5), "recall10": M.recall_at_k(modules, rel, 10),
        "mrr10": M.mrr_at_k(modules, rel, 10), "ndcg10": M.ndcg_at_k(modules, rel, 10),
        "sec_hit1": M.hit_at_k(sections, rel_sec, 1) if rel_sec else None,
        "sec_hit5": M.hit_at_k(sections, rel_sec, 5) if rel_sec else None,
        "bib_hit": (1.0 if rel_src & (set(sources[:5]) | answer_sources) else 0.0) if rel_src else None,
        "cites_relevant": (1.0 if set(cited) & (rel | rel_src) else 0.0) if not response.abstained else 0.0,
        "citation_precision": M.citation_precision(cited, rel | rel_src),
        # Extractive: every sentence is an exact span of its citation. LLM: the share of generated
        # sentences that passed verification (the rest were dropped from the answer).
        "support": (response.verification.support_rate if response.verification
                    else _support(engine, response)) if not response.abstained else None,
        "must_recall": M.contains_recall(response.answer, q.must_contain),
        "must_all": (float(M.contains_recall(response.answer, q.must_contain) == 1.0)
                     if q.must_contain and q.type in ("numeric", "multi_part") else None),
        "sides_cited": M.sides_cited(cited, q.side_modules) if len(q.side_modules) > 1 else None,
    }
    return rec


def summarize(records: list[dict]) -> dict:
    answerable = [r for r in records if r["answerable"]]
    out = {k: M.mean(r.get(k) for r in answerable) for k in (
        "hit1", "hit5", "recall5", "recall10", "mrr10", "ndcg10", "sec_hit1", "sec_hit5", "bib_hit",
        "cites_relevant", "citation_precision", "support", "must_recall", "must_all", "sides_cited",
        "false_partial")}
    p, r = M.precision_recall([x["abstained"] for x in records], [not x["answerable"] for x in records])
    if any(x["llm"] is not None for x in records):
        # Answered but not by the model: the extractive fallback (endpoint error, nothing verified).
        out |= {"llm_answers": M.mean(float(x["llm"]) for x in records),
                "llm_fallback": M.mean(float(not x["llm"] and not x["abstained"]) for x in records)}
    out |= {"abstain_precision": p, "abstain_recall": r, "n": len(records), "n_answerable": len(answerable),
            "false_abstention": M.mean(float(x["abstained"]) for x in answerable),
            # Unanswerable questions either abstained on or answered with an "unmentioned terms" note,
            # and answerable ones that wrongly carry that note.
            "caught_or_noted": M.mean(float(x["abstained"] or x["noted"]) for x in records if not x["answerable"]),
            # Unanswerable questions answered not_covered, or partial naming what is missing.
            "coverage_recall": M.mean(float(x["coverage_caught"]) for x in records if not x["answerable"]),
            "coverage_precision": M.mean(float(not x["answerable"]) for x in records if x["coverage"] != "answered"),
            "false_note": M.mean(float(x["noted"]) for x in answerable)}
    stages = sorted({k for x in records for k in x["timings"]})
    out["latency_ms"] = {s: {"p50": M.percentile([x["timings"].get(s, 0) for x in records], 50),
                             "p95": M.percentile([x["timings"].get(s, 0) for x in records], 95)} for s in stages}
    return out


def attribute_miss(engine: Engine, q: GoldenQuestion, rec: dict, kw: dict) -> str | None:
    """Which stage lost the gold module for a default-mode miss."""
    if not q.answerable:
        return None
    rel = set(q.relevant_modules) | {f"source:{s}" for s in q.relevant_sources}
    if rec["hit5"] and rec["abstained"]:
        return "cut by abstention"
    if rec["hit5"]:
        return None
    ranking = engine.rank(q.question, k=10, mode=kw["mode"], reranker="none")
    legs = {engine.index.chunks[c.row].module_id or f"source:{engine.index.chunks[c.row].source_id}"
            for c in ranking.candidates if c.dense_rank or c.lexical_rank}
    if not legs & rel:
        return "not retrieved by either leg"
    fused_top = {engine.index.chunks[c.row].module_id for c in ranking.results[:5]}
    return "lost in reranking" if fused_top & rel else "lost in fusion"


def run_eval(engine: Engine, questions: list[GoldenQuestion], modes: dict[str, dict], default: str) -> dict:
    report = {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "index": engine.index_info.model_dump(),
              "default_mode": default, "modes": {}, "by_category": {}, "misses": []}
    for name, kw in modes.items():
        # With an LLM configured only the default mode generates: the other modes compare retrieval.
        llm = name == default and engine.settings.llm_enabled
        records = [evaluate(engine, q, kw, llm) for q in questions]
        report["modes"][name] = summarize(records)
        if name == default:
            report["questions"] = records
            cats = sorted({r["category"] for r in records})
            report["by_category"] = {c: summarize([r for r in records if r["category"] == c]) for c in cats}
            for q, rec in zip(questions, records, strict=True):
                stage = attribute_miss(engine, q, rec, kw)
                if stage:
                    report["misses"].append({"id": q.id, "question": q.question, "stage": stage,
                                             "gold": q.relevant_modules, "got": rec["top_modules"]})
    return report


def compare_baseline(report: dict, baseline: dict, tol: float = REGRESSION_TOLERANCE) -> list[str]:
    drops = []
    lower_is_better = {"false_abstention", "false_note", "false_partial"}
    for mode, summary in report["modes"].items():
        base = baseline.get("modes", {}).get(mode)
        if not base:
            continue
        for key, value in summary.items():
            old = base.get(key)
            if not isinstance(value, float) or not isinstance(old, float):
                continue
            worse = value - old > tol if key in lower_is_better else old - value > tol
            if worse:
                drops.append(f"{mode}.{key}: {old:.3f} -> {value:.3f}")
    return drops


def load_baseline(path: Path) -> dict:
    try:
        baseline = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--baseline {path}: not a report JSON ({exc})") from exc
    if not isinstance(baseline, dict) or not isinstance(baseline.get("modes"), dict):
        raise ConfigError(f"--baseline {path}: not a tmrag eval report (no \"modes\")")
    return baseline


def run_conversations_cli(settings: Settings, args: Namespace) -> int:
    from .conversations import format_conversations, load_conversations, run_conversations, topic_switches

    conversations = [c for c in load_conversations(Path(args.conversations)) if args.split in ("all", c.split)]
    if not conversations:
        raise ConfigError(f"{args.conversations}: no conversations in the {args.split!r} split")
    engine = Engine.open(settings)
    report = run_conversations(engine, conversations)
    review = [q for q in load_golden(Path(args.conversations).with_name("review.jsonl")) if args.split in ("all", q.split)]
    report["switches"] = topic_switches(engine, conversations, review)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(format_conversations(report))
    return 0


def run_eval_cli(settings: Settings, args: Namespace) -> int:
    from .report import format_table, write_reports

    if args.conversations:
        return run_conversations_cli(settings, args)
    questions = load_golden(Path(args.golden))
    if args.split != "all":
        questions = [q for q in questions if q.split == args.split]
    if not questions:
        raise ConfigError(f"{args.golden}: no questions in the {args.split!r} split")
    lowercase = bool(getattr(args, "lowercase", False))  # Namespaces built in code may lack it
    if lowercase:
        questions = [replace(q, question=q.question.lower()) for q in questions]
    modes = select_modes(modes_for(settings), default_mode(settings), args.modes)
    baseline = load_baseline(Path(args.baseline)) if args.baseline else None  # fail before the slow part
    engine = Engine.open(settings)
    check_labels(questions, engine, Path(args.golden))
    report = run_eval(engine, questions, modes, default_mode(settings))
    report["split"] = args.split
    report["lowercase"] = lowercase
    paths = write_reports(report, Path(args.reports_dir), Path(args.json_out) if args.json_out else None)
    print(format_table(report))
    print("\nreports: " + ", ".join(str(p) for p in paths))
    if baseline is not None:
        if not set(baseline["modes"]) & set(report["modes"]):
            print(f"baseline has modes {', '.join(baseline['modes'])}; this run has {', '.join(report['modes'])}: "
                  "nothing compared")
            return 1
        if baseline.get("split") != report["split"]:
            print(f"warning: baseline is from the {baseline.get('split')!r} split, this run is {report['split']!r}")
        if bool(baseline.get("lowercase")) != report["lowercase"]:
            print("warning: one of baseline and this run asked the questions in lower case, the other as written")
        drops = compare_baseline(report, baseline)
        if drops:
            print("regressions against baseline:\n  " + "\n  ".join(drops))
            return 1
        print("no regressions against baseline")
    return 0
