"""The real protocol: `tmrag mcp` as a subprocess over stdio, and `tmrag serve`'s /mcp over
streamable HTTP, each driven by the SDK's own client. Without an index (fast: no model loads)
every tool says so; with the real corpus and model (slow) every tool answers, and ask_notes'
citations are exact spans of the module files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp.types import CallToolResult

from tmrag.config import Settings

from ..conftest import ROOT
from ..fakes import write_corpus

TOOLS = {"search_notes", "ask_notes", "read_module", "read_source"}
QUESTION = "How much KV-cache memory does GQA save on a 70B model?"
SESSION_TIMEOUT_S = 180  # a server that never answers fails the test instead of hanging it


def _args(settings: Settings) -> list[str]:
    return ["--corpus", str(settings.corpus_dir), "--out", str(settings.index_dir)]


def stdio(settings: Settings) -> StdioServerParameters:
    # The SDK hands a subprocess only a few safe variables unless told otherwise: pass ours (HF_HUB_OFFLINE, TMRAG_*).
    return StdioServerParameters(command=sys.executable, args=["-m", "tmrag", "mcp", *_args(settings)],
                                 env=dict(os.environ), cwd=str(ROOT))


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """`tmrag serve` on a free port; yields its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--host", "127.0.0.1", "--port", "0",
                             *_args(settings)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    watchdog = threading.Timer(60, proc.kill)  # never said it listens: the test fails instead of hanging
    watchdog.start()
    try:
        first = proc.stderr.readline()
        watchdog.cancel()
        match = re.fullmatch(r"tmrag serving on (http://127\.0\.0\.1:\d+/)\n", first)
        assert match, first
        yield match[1]
    finally:
        watchdog.cancel()
        proc.terminate()
        proc.communicate(timeout=20)


def readyz(base: str, timeout_s: float = 120) -> dict:
    """/readyz once the load has finished, ready or not."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(base + "readyz", timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            body = json.load(exc)
            if body["error"]["code"] != "not_ready" or time.monotonic() > deadline:
                return body
        time.sleep(0.2)


def session(server: StdioServerParameters | str, steps: Callable[[Client], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        with anyio.fail_after(SESSION_TIMEOUT_S):
            async with Client(server) as client:
                return await steps(client)
    return anyio.run(run)


def error(result: CallToolResult, code: str) -> str:
    assert result.is_error and result.structured_content["error"]["code"] == code, result
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content["error"]["message"]


# -- no index: every tool says why, the same way over both transports -----------------------------

async def refuses_every_call(client: Client) -> list[str]:
    assert {t.name for t in (await client.list_tools()).tools} == TOOLS
    messages = []
    for tool, arguments in (("search_notes", {"query": "kv"}), ("ask_notes", {"question": "kv"}),
                            ("read_module", {"module_id": "attention"}), ("read_source", {"source_id": "vaswani-2017"})):
        messages.append(error(await client.call_tool(tool, arguments), "index_missing"))
    try:
        await client.list_resources()
    except MCPError as exc:
        messages.append(exc.error.message)
    return messages


def test_stdio_without_an_index_answers_every_tool_with_the_serve_error(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=write_corpus(tmp_path / "corpus"), index_dir=tmp_path / "none")
    messages = session(stdio(settings), refuses_every_call)
    assert messages == [f"no index in {tmp_path / 'none'}: run `tmrag index`"] * 5


def test_http_without_an_index_answers_every_tool_with_the_serve_error(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=write_corpus(tmp_path / "corpus"), index_dir=tmp_path / "none")
    with serve(settings) as base:
        reason = readyz(base)["error"]
        assert reason["code"] == "index_missing"
        assert session(base + "mcp", refuses_every_call) == [reason["message"]] * 5


# -- the real corpus and model --------------------------------------------------------------------

async def answers_every_call(client: Client, corpus: Path) -> dict:
    """Lists and calls every tool and the resources; returns what the checks below need."""
    out: dict[str, Any] = {"tools": {t.name for t in (await client.list_tools()).tools}}
    out["search"] = await client.call_tool("search_notes", {"query": "grouped-query attention KV heads", "k": 5})
    out["ask"] = await client.call_tool("ask_notes", {"question": QUESTION})
    files: dict[str, str] = {}
    for c in out["ask"].structured_content["citations"]:
        if c["kind"] == "module" and c["module_id"] not in files:
            document = await client.call_tool("read_module", {"module_id": c["module_id"]})
            files[c["module_id"]] = document.structured_content["markdown"]
    out["files"] = files
    out["section"] = await client.call_tool("read_module", {"module_id": "kv-cache", "anchor": "shrinking-the-cache"})
    source_id = out["ask"].structured_content["sources"][0]["id"]
    out["source"] = await client.call_tool("read_source", {"source_id": source_id})
    out["errors"] = [await client.call_tool("read_module", {"module_id": "no-such-module"}),
                     await client.call_tool("ask_notes", {"question": ""}),
                     await client.call_tool("search_notes", {"query": "kv cache", "k": 0})]
    out["resources"] = (await client.list_resources()).resources
    out["resource"] = (await client.read_resource("tmrag://module/kv-cache")).contents[0].text
    return out


def check_answers(out: dict, corpus: Path) -> None:
    assert out["tools"] == TOOLS
    search = out["search"].structured_content
    assert not out["search"].is_error and 1 <= len(search["results"]) <= 5
    assert any(r["kind"] == "module" and r["url"].startswith("https://") and r["section"] for r in search["results"])

    ask = out["ask"].structured_content
    assert not out["ask"].is_error and ask["coverage"] in {"answered", "partial"} and "[1]" in ask["answer"]
    modules = [c for c in ask["citations"] if c["kind"] == "module"]
    assert modules and {c["module_id"] for c in modules} & {"kv-cache", "multi-head"}
    for c in modules:  # every quote is the file's text at its spans, on disk and as read_module returns it
        on_disk = (corpus / "modules" / f"{c['module_id']}.md").read_text(encoding="utf-8")
        assert out["files"][c["module_id"]] == on_disk
        assert " … ".join(on_disk[a:b] for a, b in c["spans"]) == c["quote"]
        assert c["url"] == f"https://personal-wiki.pages.dev/module/{c['module_id']}#{c['anchor']}"

    section = out["section"].structured_content
    assert section["markdown"].split("---\n", 2)[2].lstrip().startswith("## Shrinking the cache")
    assert out["source"].structured_content["id"] == ask["sources"][0]["id"]
    assert out["source"].structured_content["cited_by"]
    assert [r.structured_content["error"]["code"] for r in out["errors"]] == ["not_found", "invalid_request",
                                                                               "invalid_request"]
    assert all(r.is_error for r in out["errors"])
    modules_on_disk = sorted(p.stem for p in (corpus / "modules").glob("*.md"))
    assert sorted(r.name for r in out["resources"]) == modules_on_disk
    assert out["resource"] == (corpus / "modules" / "kv-cache.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_stdio_session_on_the_real_notes(real_settings: Settings) -> None:
    out = session(stdio(real_settings), lambda c: answers_every_call(c, real_settings.corpus_dir))
    check_answers(out, real_settings.corpus_dir)


@pytest.mark.slow
def test_http_session_on_the_real_notes(real_settings: Settings) -> None:
    with serve(real_settings) as base:
        assert readyz(base)["status"] == "ready"
        out = session(base + "mcp", lambda c: answers_every_call(c, real_settings.corpus_dir))
    check_answers(out, real_settings.corpus_dir)
