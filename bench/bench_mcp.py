"""MCP session transcript and per-call latency: starts `tmrag mcp` over stdio (or `tmrag serve`
and its /mcp with --http), lists the tools, asks one real question and times the tools.

    .venv/bin/python bench/bench_mcp.py [--http] [--calls 20] [--corpus corpus --out indexes]

Latency is client-observed wall time per tools/call (JSON-RPC over the pipe or loopback HTTP
included), p50/p95 over --calls distinct golden questions, so the engine's query cache does not
flatter it; `engine` is the engine's own timings_ms.total for the same calls."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

from tmrag.evaluation.golden import load_golden
from tmrag.evaluation.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How much KV-cache memory does GQA save on a 70B model?"


def short(text: str, width: int = 110) -> str:
    return textwrap.shorten(" ".join(text.split()), width, placeholder=" …")


def show_answer(result: dict) -> None:
    print(f"  coverage: {result['coverage']}  abstained: {result['abstained']}  missing: {result['missing']}  "
          f"mode: {result['mode']}")
    print(textwrap.indent(textwrap.fill(result["answer"], 100), "  answer: ").replace("\n  answer: ", "\n          "))
    for c in result["citations"]:
        where = f"{c['module_id'] or c['source_id']}#{c['anchor']}" if c["anchor"] else (c["module_id"] or c["source_id"])
        print(f"  [{c['marker']}] {c['kind']} {where}  spans {c['spans']}")
        print(f"      {c['url']}")
        print(f"      \"{short(c['quote'], 100)}\"")
    print(f"  sources: {[s['id'] for s in result['sources']]}")
    print(f"  server timings_ms: {result['timings_ms']}")


def latencies(name: str, wall: list[float], server: list[float]) -> None:
    engine = f"   engine p50 {percentile(server, 50):7.1f} ms" if server else ""
    print(f"  {name:<13} n={len(wall):<3} wall p50 {percentile(wall, 50):7.1f} ms  p95 {percentile(wall, 95):7.1f} ms{engine}")


async def transcript(target: StdioServerParameters | str, questions: list[list[str]], started: float) -> None:
    async with Client(target) as client:
        print(f"connected to {client.server_info.name} {client.server_info.version} (protocol "
              f"{client.protocol_version}) in {(time.perf_counter() - started) * 1000:.0f} ms")
        t = time.perf_counter()
        tools = (await client.list_tools()).tools
        print(f"\n> tools/list ({(time.perf_counter() - t) * 1000:.1f} ms)")
        for tool in tools:
            required = tool.input_schema.get("required", [])
            args = ", ".join(a if a in required else f"{a}?" for a in tool.input_schema["properties"])
            print(f"  {tool.name}({args}): {short(tool.description.splitlines()[0], 90)}")

        t = time.perf_counter()
        first = await client.call_tool("ask_notes", {"question": QUESTION})
        print(f"\n> tools/call ask_notes {{question: {QUESTION!r}}} (first call, waits for the engine: "
              f"{(time.perf_counter() - t) * 1000:.0f} ms)")
        assert not first.is_error, first.content
        show_answer(first.structured_content)
        resources = (await client.list_resources()).resources
        print(f"\n> resources/list: {len(resources)} modules, e.g. {resources[0].uri} ({resources[0].title})")

        print(f"\nlatency per tools/call, sequential, {len(questions[0])} distinct golden questions per tool:")
        for (tool, key), asked in zip((("ask_notes", "question"), ("search_notes", "query")), questions, strict=True):
            wall, server = [], []
            for q in asked:
                t = time.perf_counter()
                result = await client.call_tool(tool, {key: q})
                wall.append((time.perf_counter() - t) * 1000)
                assert not result.is_error, result.content
                server.append(result.structured_content["timings_ms"]["total"])
            latencies(tool, wall, server)
        wall = []
        for _ in questions[0]:
            t = time.perf_counter()
            await client.call_tool("read_module", {"module_id": "kv-cache", "anchor": "shrinking-the-cache"})
            wall.append((time.perf_counter() - t) * 1000)
        latencies("read_module", wall, [])


@contextmanager
def serve(args: list[str]) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--host", "127.0.0.1", "--port", "0", *args],
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stderr.readline()
        match = re.search(r"http://\S+/", line)
        if not match:
            raise SystemExit(f"tmrag serve did not start: {line}")
        deadline = time.monotonic() + 120
        while True:  # the app loads its engine in the background; until then every call is not_ready
            try:
                with urllib.request.urlopen(match[0] + "readyz", timeout=10):
                    break
            except urllib.error.HTTPError as exc:
                if json.load(exc)["error"]["code"] != "not_ready" or time.monotonic() > deadline:
                    raise SystemExit(f"tmrag serve is not ready: {exc}") from None
            time.sleep(0.2)
        yield match[0] + "mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", action="store_true", help="over `tmrag serve`'s /mcp instead of stdio")
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--corpus")
    ap.add_argument("--out")
    args = ap.parse_args()
    paths = [*(["--corpus", args.corpus] if args.corpus else []), *(["--out", args.out] if args.out else [])]
    golden = [q.question for q in load_golden(ROOT / "eval" / "golden.jsonl") if q.question != QUESTION]
    questions = [golden[:args.calls], golden[args.calls:2 * args.calls]]  # none seen before: no cached embedding
    started = time.perf_counter()
    if args.http:
        with serve(paths) as url:
            print(f"$ tmrag serve {' '.join(paths)}   (MCP at {url}; ready after {time.perf_counter() - started:.1f} s)")
            anyio.run(transcript, url, questions, time.perf_counter())
    else:
        print(f"$ tmrag mcp {' '.join(paths)}   (stdio)")
        params = StdioServerParameters(command=sys.executable, args=["-m", "tmrag", "mcp", *paths],
                                       env=os.environ | {"HF_HUB_OFFLINE": "1"}, cwd=str(ROOT))
        anyio.run(transcript, params, questions, started)


if __name__ == "__main__":
    main()
