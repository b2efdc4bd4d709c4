"""Command line edge: parse arguments, build Settings, call the core, turn domain errors into
messages and exit codes. Heavy modules are imported inside the commands that need them."""

from __future__ import annotations

import argparse
import os
import sys

from .commands import (
    EXIT_ERROR,
    cmd_ask,
    cmd_chat,
    cmd_corpus_check,
    cmd_corpus_stats,
    cmd_eval,
    cmd_import,
    cmd_index,
    cmd_insights,
    cmd_mcp,
    cmd_quiz,
    cmd_search,
    cmd_serve,
    cmd_sync,
    fail,
)
from .config import CATEGORIES
from .errors import CorpusError, TmragError


def _k(text: str) -> int:
    from .query.analysis import MAX_K

    value = int(text)
    if not 1 <= value <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be 1-{MAX_K}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be 0-65535")
    return value


def _workers(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 32:  # Settings.workers' range
        raise argparse.ArgumentTypeError("must be 1-32")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tmrag", description="Grounded Q&A over the Transformer Math wiki.")
    sub = p.add_subparsers(dest="command", required=True)

    def with_corpus(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--corpus", help="corpus folder (default: ./corpus or TMRAG_CORPUS_DIR)")
        sp.add_argument("--out", "--index", dest="out", help="index folder (default: ./indexes or TMRAG_INDEX_DIR)")
        return sp

    sp = with_corpus(sub.add_parser("index", help="build or update the search index"))
    sp.add_argument("--full", action="store_true", help="re-embed everything, ignoring the embedding cache")
    sp.set_defaults(func=cmd_index)

    for name, helptext, func, arg in (
        ("ask", "answer a question with citations", cmd_ask, "question"),
        ("search", "show ranked passages", cmd_search, "query"),
    ):
        sp = with_corpus(sub.add_parser(name, help=helptext))
        sp.add_argument(arg)
        sp.add_argument("-k", type=_k, default=10, help="number of results / passages considered")
        sp.add_argument("--category", action="append", help="restrict to a category (repeatable)")
        sp.add_argument("--json", action="store_true", help="print the HTTP contract's JSON")
        sp.set_defaults(func=func)

    sp = with_corpus(sub.add_parser("serve", help="serve the web app, HTTP API and MCP at /mcp"))
    sp.add_argument("--host")
    sp.add_argument("--port", type=_port)
    sp.add_argument("--workers", type=_workers, help="worker processes (default 1 or TMRAG_WORKERS; about one per core)")
    sp.set_defaults(func=cmd_serve)

    sp = with_corpus(sub.add_parser("chat", help="an interactive session with follow-up questions"))
    sp.add_argument("--json", action="store_true", help="one JSON answer per line (for scripts)")
    sp.set_defaults(func=cmd_chat)

    sp = with_corpus(sub.add_parser("quiz", help="study mode: answer cards from the notes, graded and scheduled"))
    sp.add_argument("--category", action="append", choices=CATEGORIES, help="only this category (repeatable)")
    sp.add_argument("--module", action="append", help="only this module id (repeatable)")
    sp.add_argument("--profile", default="default", help="learner profile name (state in TMRAG_DATA_DIR)")
    sp.set_defaults(func=cmd_quiz)

    sp = with_corpus(sub.add_parser("mcp", help="serve the notes to agents over MCP (stdio)"))
    sp.set_defaults(func=cmd_mcp)

    sp = with_corpus(sub.add_parser("eval", help="run the golden-question evaluation"))
    sp.add_argument("--golden", default="eval/golden.jsonl")
    sp.add_argument("--conversations", help="a conversation file (eval/conversations.jsonl): evaluate follow-ups instead")
    sp.add_argument("--split", choices=["dev", "test", "train", "all"], default="test",
                    help="golden split, or with --beir the qrels file (qrels/SPLIT.tsv)")
    sp.add_argument("--json", dest="json_out", help="also write the full report JSON here")
    sp.add_argument("--baseline", help="a previous report JSON; exit non-zero on regressions")
    sp.add_argument("--reports-dir", default="eval/reports")
    sp.add_argument("--modes", help="comma-separated subset of modes to run (\"default\" = the configured one)")
    sp.add_argument("--lowercase", action="store_true",
                    help="ask every golden question typed in lower case, as many users type")
    sp.add_argument("--beir", metavar="DIR", help="evaluate on a BEIR-format dataset instead (a throwaway index)")
    sp.add_argument("--max-docs", type=int, help="with --beir: the judged documents plus others up to this many")
    sp.add_argument("--work-dir", help="with --beir: keep the index here and reuse it next run (default: a temp dir)")
    sp.set_defaults(func=cmd_eval)

    sp = with_corpus(sub.add_parser("insights", help="what readers asked, what the notes lack, what they rated down"))
    sp.add_argument("--since", default="30d", help="a span (30d, 12h, 8w) or a date (2026-11-01); default 30d")
    sp.add_argument("--json", action="store_true", help="print the report as JSON")
    sp.add_argument("--html", help="also write a self-contained HTML report (chart included) here")
    sp.add_argument("--chart", help="also write the questions-per-day chart as a PNG here")
    sp.add_argument("--export-golden", help="write candidate golden questions (JSONL) here, for the owner to label")
    sp.set_defaults(func=cmd_insights)

    sp = with_corpus(sub.add_parser("sync", help="bring the wiki's modules into the corpus (llms.txt + /raw/<slug>.md)"))
    sp.add_argument("--from", dest="source", help="the wiki's base URL (default: TMRAG_SYNC_URL, the live wiki)")
    sp.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    sp.set_defaults(func=cmd_sync)

    sp = sub.add_parser("import", help="turn a folder of Markdown notes (Obsidian, MkDocs, plain) into a corpus")
    sp.add_argument("folder", help="the notes folder (an MkDocs project's docs/ is found through mkdocs.yml)")
    sp.add_argument("--into", required=True, help="corpus folder to create or add to")
    sp.add_argument("--category", help="category of every imported note (default: its top folder, else 'Notes')")
    sp.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    sp.set_defaults(func=cmd_import)

    corpus = sub.add_parser("corpus", help="check or summarize the corpus")
    csub = corpus.add_subparsers(dest="corpus_command", required=True)
    sp = with_corpus(csub.add_parser("check", help="validate every file; exit 1 on errors"))
    sp.add_argument("--warnings", action="store_true", help="also list warnings")
    sp.set_defaults(func=cmd_corpus_check)
    sp = with_corpus(csub.add_parser("stats", help="coverage and citation statistics"))
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_corpus_stats)
    return p


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 terminal gets "?" for § and …, not a traceback
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    as_json = getattr(args, "json", False)  # ask/search/stats; eval's `--json FILE` is dest json_out
    try:
        return args.func(args)
    except TmragError as exc:
        return fail(exc.code, str(exc), as_json, exc.problems if isinstance(exc, CorpusError) else None)
    except KeyboardInterrupt:
        print("tmrag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tmrag search ... | head`: the reader left, nothing to report
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's exit flush quiet
        return EXIT_ERROR
    except OSError as exc:  # a path the user gave that cannot be read or written
        return fail("io_error", f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), as_json)
