"""The insights report as Markdown (the terminal and docs), as one self-contained HTML file (the
Markdown rendered by markdown-it, the chart inlined), and the questions-per-day chart as a PNG."""

from __future__ import annotations

import base64
import html
import io

from markdown_it import MarkdownIt

from .report import COVERAGES, Insights

COLORS = {"answered": "#2e7d32", "partial": "#f9a825", "not_covered": "#c62828"}  # green / amber / red, as the page's badges
CHART_INCHES = (8, 3.2)  # wide and short: days along x, a few dozen questions up
CHART_DPI = 100  # 800x320 px: readable, a few tens of KB
MIN_DAYS_WIDE = 7  # the x axis spans at least a week, so one or two days are bars, not a filled box
EXCERPT_CHARS = 300  # a down-rated answer is shown up to this; the JSON has it whole
TOPICS_SHOWN = 25  # the head of the backlog, readable in one screen or two; the JSON lists every topic


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: tuple[str, ...], rows: list[tuple]) -> list[str]:
    if not rows:
        return ["None in this period.", ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(_md_escape(str(c)) for c in row) + " |" for row in rows]
    return lines + [""]


def _overview(r: Insights) -> list[str]:
    cov = r.by_coverage
    return [f"# Insights: {r.since:%Y-%m-%d %H:%M} to {r.until:%Y-%m-%d %H:%M} UTC", "",
            f"**{r.questions} questions logged**: {cov['answered']} answered, {cov['partial']} partly covered, "
            f"{cov['not_covered']} not covered. **Feedback**: {r.feedback_up} up, {r.feedback_down} down.", "",
            *(["No questions in this period: is the log on (`TMRAG_LOG_QUESTIONS=1`) and `TMRAG_DATA_DIR` the "
               "server's?", ""] if not r.questions else [])]


def _topics(r: Insights) -> list[str]:
    out = ["## What the notes lack: topics of not-covered and partial questions", "",
           "Most asked first. Each topic is named by its most frequent words and the module its questions "
           "landed nearest to: the module to extend, or the one a new module would sit beside.", ""]
    if not r.topics:
        return [*out, "No not-covered or partial questions in this period.", ""]
    for n, t in enumerate(r.topics[:TOPICS_SHOWN], 1):
        out.append(f"{n}. **{t.label}**: asked {t.asked}× ({t.distinct} distinct; {t.not_covered} not covered, "
                   f"{t.partial} partial)")
        out += [f"    - {q}" for q in t.examples]
    rest = r.topics[TOPICS_SHOWN:]
    if rest:
        out += ["", f"… and {len(rest)} more topics ({sum(t.asked for t in rest)} questions; `--json` lists them all)."]
    return [*out, ""]


def _citations(r: Insights) -> list[str]:
    out = ["## Most cited", ""]
    out += _table(("module", "answers citing it"), [(c.name, c.count) for c in r.most_cited_modules])
    out += _table(("section", "answers citing it"), [(c.name, c.count) for c in r.most_cited_sections])
    out += [f"## Never cited ({len(r.never_cited_modules)} modules)", "",
            ", ".join(r.never_cited_modules) or "Every module was cited at least once.", ""]
    return out


def _down_rated(r: Insights) -> list[str]:
    out = [f"## Down-rated answers ({len(r.down_rated)})", ""]
    for d in r.down_rated:
        answer = d.answer if len(d.answer) <= EXCERPT_CHARS else d.answer[:EXCERPT_CHARS] + "…"
        out += [f"- **{d.question}** ({d.rated_at:%Y-%m-%d})",
                f"    - comment: {d.comment or '(none)'}",
                f"    - answer: {answer}",
                f"    - cited: {', '.join(dict.fromkeys(d.citations)) or '(nothing)'}"]
    return [*out, ""] if r.down_rated else [*out, "None in this period.", ""]


def _per_day(r: Insights) -> list[str]:
    return ["## Questions per day by coverage", "",
            *_table(("day", *COVERAGES), [(d.day, d.answered, d.partial, d.not_covered) for d in r.per_day])]


def markdown(r: Insights, chart: str | None = None) -> str:
    """``chart``: an image URL (a PNG file next to the report, or a data: URL) shown with the daily table."""
    parts = _overview(r) + _topics(r) + _citations(r) + _down_rated(r) + _per_day(r)
    if chart:
        parts += [f"![Questions per day by coverage]({chart})", ""]
    return "\n".join(parts)


def chart_png(r: Insights) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=CHART_INCHES, dpi=CHART_DPI)
    days = [d.day.isoformat() for d in r.per_day]
    bottom = [0] * len(days)
    for coverage in COVERAGES:
        values = [getattr(d, coverage) for d in r.per_day]
        ax.bar(days, values, bottom=bottom, color=COLORS[coverage], label=coverage.replace("_", " "))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("questions")
    ax.set_title("Questions per day by coverage")
    ax.set_xlim(-0.5, max(len(days), MIN_DAYS_WIDE) - 0.5)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.tick_params(axis="x", labelrotation=45, labelsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def html_report(r: Insights) -> str:
    """One file, no external requests: the chart is a data: URL."""
    chart = "data:image/png;base64," + base64.b64encode(chart_png(r)).decode()
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown(r, chart))
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape('tmrag insights')}"
            "</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}img{max-width:100%}</style>"
            f"</head><body>\n{body}</body></html>\n")
