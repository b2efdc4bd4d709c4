"""Eval reports: a JSON file, a Markdown summary and a PNG chart of modes × key metrics."""

from __future__ import annotations

import json
import time
from pathlib import Path

TABLE_METRICS = (("hit1", "hit@1"), ("hit5", "hit@5"), ("recall10", "R@10"), ("mrr10", "MRR@10"),
                 ("ndcg10", "nDCG@10"), ("sec_hit5", "sec@5"), ("bib_hit", "bib"), ("cites_relevant", "cites-rel"),
                 ("citation_precision", "cite-prec"), ("support", "support"), ("must_recall", "must"),
                 ("abstain_precision", "abst-P"), ("abstain_recall", "abst-R"), ("false_abstention", "false-abst"),
                 ("caught_or_noted", "abst+note-R"), ("false_note", "false-note"), ("coverage_recall", "cov-R"),
                 ("coverage_precision", "cov-P"), ("false_partial", "false-partial"), ("sides_cited", "sides"),
                 ("must_all", "numbers"))
CHART_METRICS = ("hit5", "mrr10", "ndcg10", "cites_relevant", "abstain_recall")


def _fmt(v: object) -> str:
    return f"{v:.3f}" if isinstance(v, float) else "–"


def format_table(report: dict) -> str:
    head = "| mode | " + " | ".join(label for _, label in TABLE_METRICS) + " | ask p50 / p95 ms |"
    lines = [head, "|" + "---|" * (len(TABLE_METRICS) + 2)]
    for mode, s in report["modes"].items():
        lat = s["latency_ms"].get("total", {"p50": 0, "p95": 0})
        mark = " (default)" if mode == report["default_mode"] else ""
        if "llm_answers" in s:  # support is then the verified share of generated sentences
            mark += f" [LLM answered {s['llm_answers']:.0%}, extractive fallback {s['llm_fallback']:.0%}]"
        lines.append(f"| {mode}{mark} | " + " | ".join(_fmt(s.get(k)) for k, _ in TABLE_METRICS)
                     + f" | {lat['p50']:.1f} / {lat['p95']:.1f} |")
    return "\n".join(lines)


def format_markdown(report: dict) -> str:
    out = [f"# tmrag eval — {report['created']}", "",
           f"split: {report.get('split', 'all')}; index {report['index']['build_id']} "
           f"({report['index']['fingerprint']}); default mode: {report['default_mode']}", "", format_table(report), "",
           "## By category (default mode)", "", "| category | n | hit@5 | MRR@10 | cites-rel | abst-R |",
           "|---|---|---|---|---|---|"]
    for cat, s in report["by_category"].items():
        out.append(f"| {cat} | {s['n']} | {_fmt(s['hit5'])} | {_fmt(s['mrr10'])} | {_fmt(s['cites_relevant'])} | "
                   f"{_fmt(s['abstain_recall'])} |")
    out += ["", "## Misses (default mode) and the stage that lost the gold", ""]
    out += [f"- `{m['id']}` {m['stage']}: gold {m['gold']}, got {m['got']} — {m['question']}" for m in report["misses"]]
    if report["default_mode"] in report["modes"]:  # absent when --modes left the default out
        lat = report["modes"][report["default_mode"]]["latency_ms"]
        out += ["", "## Latency per stage (default mode, ms)", "", "| stage | p50 | p95 |", "|---|---|---|"]
        out += [f"| {k} | {v['p50']:.2f} | {v['p95']:.2f} |" for k, v in lat.items()]
    return "\n".join(out) + "\n"


def write_chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # headless
    import matplotlib.pyplot as plt

    modes = list(report["modes"])
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(CHART_METRICS)
    for i, metric in enumerate(CHART_METRICS):
        vals = [report["modes"][m].get(metric) or 0.0 for m in modes]
        ax.bar([x + i * width for x in range(len(modes))], vals, width, label=metric)
    ax.set_xticks([x + width * (len(CHART_METRICS) - 1) / 2 for x in range(len(modes))], modes, rotation=15)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"tmrag eval ({report.get('split', 'all')} split) — {report['created']}")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_reports(report: dict, out_dir: Path, json_path: Path | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    paths = [stem.with_suffix(".json"), stem.with_suffix(".md"), stem.with_suffix(".png")]
    paths[0].write_text(json.dumps(report, indent=2))
    paths[1].write_text(format_markdown(report))
    write_chart(report, paths[2])
    if json_path:
        json_path.write_text(json.dumps(report, indent=2))
        paths.append(json_path)
    return paths
