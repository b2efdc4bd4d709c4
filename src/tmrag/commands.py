"""The commands behind the command line: each builds Settings, calls the core and prints what it
returns; domain errors propagate to cli.main, which turns them into messages and exit codes.
Heavy modules are imported inside the commands that need them."""

from __future__ import annotations

import argparse
import json
import socket
import sys
from pathlib import Path

from .config import Settings
from .errors import ConfigError, ListenError

EXIT_OK, EXIT_ERROR = 0, 1


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


def bind(host: str, port: int, reuse_port: bool = False) -> socket.socket:
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
    sock = bind(host, settings.port if args.port is None else args.port, reuse_port=settings.workers > 1)
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


def fail(code: str, message: str, as_json: bool, problems: list | None = None) -> int:
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
