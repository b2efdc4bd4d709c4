"""Command line edge: parse arguments, build Settings, call the core, turn domain errors into
messages and exit codes. Heavy modules are imported inside the commands that need them."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from pathlib import Path

from .config import CATEGORIES, Settings
from .errors import ConfigError, CorpusError, ListenError, TmragError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _settings(args: argparse.Namespace) -> Settings:
    from pydantic import ValidationError

    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = Path(args.corpus)
    if getattr(args, "out", None):
        overrides["index_dir"] = Path(args.out)
    try:
        return Settings(**overrides)
    except ValidationError as exc:  # a bad TMRAG_* variable
        problems = "; ".join(f"TMRAG_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid setting: {problems}") from None


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


def _warn_on_generation_fallback(engine) -> None:  # noqa: ANN001
    if engine.last_generation_error:  # LLM mode configured but the endpoint failed: say so
        print(f"tmrag: LLM unavailable, extractive answer instead ({engine.last_generation_error})", file=sys.stderr)


def _warn_on_corpus(engine) -> None:  # noqa: ANN001
    status = engine.corpus_status
    if not status.ok:  # answered from the build's own copy of the corpus: say why, and how to fix it
        for error in status.errors:
            print(error, file=sys.stderr)
        print(f"tmrag: the corpus has {status.error_count} error(s); answering from build {engine.index_info.build_id} "
              "(the corpus it was built from). Fix the corpus and run `tmrag index`", file=sys.stderr)


def cmd_corpus_check(args: argparse.Namespace) -> int:
    from .corpus.loading import load_corpus

    corpus = load_corpus(_settings(args).corpus_dir, strict=False)
    shown = corpus.problems if args.warnings else corpus.errors
    for problem in shown:
        print(problem)
    hidden = len(corpus.problems) - len(shown)
    print(
        f"{len(corpus.modules)} modules, {len(corpus.sources)} sources, {len(corpus.glossary)} glossary terms: "
        f"{len(corpus.errors)} error(s), {len(corpus.problems) - len(corpus.errors)} warning(s)"
        + (f" ({hidden} not shown; --warnings shows them)" if hidden else ""),
        file=sys.stderr,
    )
    return EXIT_ERROR if corpus.errors else EXIT_OK


def cmd_corpus_stats(args: argparse.Namespace) -> int:
    from .corpus.loading import load_corpus
    from .corpus.stats import corpus_stats, format_stats

    stats = corpus_stats(load_corpus(_settings(args).corpus_dir, strict=False))
    print(json.dumps(stats, indent=2) if args.json else format_stats(stats))
    return EXIT_OK


def cmd_index(args: argparse.Namespace) -> int:
    from .build.indexer import build_index

    report = build_index(_settings(args), full=args.full, progress=sys.stderr.isatty())
    print(report.summary())
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from .corpus.categories import corpus_categories
    from .query.analysis import validate_question

    allowed = corpus_categories(_settings(args).corpus_dir)
    validate_question(args.query, args.category, what="query", allowed=allowed)  # before loading anything heavy
    from .engine import Engine
    from .terminal import format_search

    engine = Engine.open(_settings(args))
    _warn_on_corpus(engine)
    result = engine.search(args.query, k=args.k, categories=args.category or None)
    print(_json(result.model_dump(mode="json")) if args.json else format_search(result))
    return EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    from .corpus.categories import corpus_categories
    from .query.analysis import validate_question

    allowed = corpus_categories(_settings(args).corpus_dir)
    validate_question(args.question, args.category, allowed=allowed)  # before loading anything heavy
    from .engine import Engine
    from .terminal import format_answer

    engine = Engine.open(_settings(args))
    _warn_on_corpus(engine)
    result = engine.ask(args.question, categories=args.category or None, k=args.k)
    _warn_on_generation_fallback(engine)
    print(_json(result.model_dump(mode="json")) if args.json else format_answer(result))
    return EXIT_OK


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _bind(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off only on sockets that say they are TCP, and
    # with Nagle on every response waits ~40 ms for a delayed ACK (HTTP p50 60 ms instead of 17).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a restart need not wait out TIME_WAIT
    if reuse_port:  # --workers: each worker listens on its own socket on this port (serving.py says why)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:  # port taken, privileged port, address not on this machine, unknown host name
        sock.close()
        raise ListenError(f"cannot listen on {_hostport(host, port)}: {exc.strerror or exc}") from None
    return sock


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    host = args.host or settings.host
    # Bound here, before the app and its models load, so a taken port fails fast with one line; port 0 gets its real number.
    if args.workers is not None:
        settings = settings.model_copy(update={"workers": args.workers})
    sock = _bind(host, settings.port if args.port is None else args.port, reuse_port=settings.workers > 1)
    url = f"http://{_hostport(host, sock.getsockname()[1])}/"
    from .serving import serve

    serve(settings, sock, host, url)
    return EXIT_OK


def cmd_chat(args: argparse.Namespace) -> int:
    from .chat import run_chat
    from .engine import Engine

    settings = _settings(args)
    engine = Engine.open(settings)
    _warn_on_corpus(engine)
    return run_chat(engine, as_json=args.json, settings=settings)


def cmd_quiz(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .quiz import run_quiz

    engine = Engine.open(_settings(args))
    _warn_on_corpus(engine)
    return run_quiz(engine, args.profile, args.category, args.module)


def cmd_mcp(args: argparse.Namespace) -> int:
    settings = _settings(args)  # a bad TMRAG_* variable fails here; a missing or stale index is each tool's error
    from .mcp.server import run_stdio

    run_stdio(settings)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    if args.beir:
        from .evaluation.beir import run_beir_cli

        return run_beir_cli(_settings(args), args)
    from .evaluation.runner import run_eval_cli

    return run_eval_cli(_settings(args), args)


def cmd_insights(args: argparse.Namespace) -> int:
    from .insights.command import run_insights
    from .insights.render import markdown

    run = run_insights(_settings(args), args.since, html=args.html and Path(args.html), chart=args.chart and Path(args.chart),
                       export_golden=args.export_golden and Path(args.export_golden))
    print(_json(run.report.model_dump(mode="json")) if args.json else markdown(run.report, args.chart))
    if run.exported is not None:
        print(f"tmrag: {run.exported} golden candidate(s) written to {args.export_golden}; label relevant_modules "
              "(or set answerable false) before `tmrag eval`", file=sys.stderr)
    return EXIT_OK


def _progress_bar(total: int):  # noqa: ANN202 - returns tqdm's update
    from tqdm import tqdm

    bar = tqdm(total=total, desc="sync", unit="file", disable=not sys.stderr.isatty(), leave=False)
    return lambda: bar.update(1)


def cmd_sync(args: argparse.Namespace) -> int:
    from .ingest.report import format_sync
    from .ingest.sync import sync_wiki

    report = sync_wiki(_settings(args), source=args.source, dry_run=args.dry_run, progress=_progress_bar)
    print(format_sync(report))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from .ingest.importer import import_notes
    from .ingest.report import format_import

    report = import_notes(Path(args.folder), Path(args.into).expanduser(), category=args.category, dry_run=args.dry_run)
    print(format_import(report))
    return EXIT_OK


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _fail(code: str, message: str, as_json: bool, problems: list | None = None) -> int:
    if as_json:  # the HTTP error shape, on stdout where a script parsing --json output reads; exit 1 still says it failed
        error: dict = {"code": code, "message": message}
        if problems is not None:
            error["problems"] = [str(p) for p in problems]
        print(_json({"error": error}))
    else:
        for problem in problems or []:
            print(problem, file=sys.stderr)
        print(f"tmrag: {message}", file=sys.stderr)
    return EXIT_ERROR


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
        return _fail(exc.code, str(exc), as_json, exc.problems if isinstance(exc, CorpusError) else None)
    except KeyboardInterrupt:
        print("tmrag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tmrag search ... | head`: the reader left, nothing to report
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's exit flush quiet
        return EXIT_ERROR
    except OSError as exc:  # a path the user gave that cannot be read or written
        return _fail("io_error", f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), as_json)
