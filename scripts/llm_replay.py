"""LLM mode measured with a model that is not on this machine (docs/decisions.md, issue 19). A
loopback OpenAI-compatible endpoint first records the exact prompts LLM mode sends, then replays
the replies that writers (people, or helpers who see only the prompts) wrote for them, so the
engine's own verification, citations and coverage make the answers. From the repo root:

    python scripts/llm_replay.py record DIR --questions F --split dev [--writers 4]
    # each writer follows DIR/briefN.md and writes DIR/cN.jsonl
    python scripts/llm_replay.py replay DIR --questions F --split dev --out ANSWERS.jsonl
    python scripts/llm_replay.py eval DIR --questions F --split dev    # `tmrag eval` with the replies served
    python scripts/llm_replay.py evidence --questions eval/review.jsonl --split dev

`evidence` needs no writer: it counts the answerable questions whose every evidence quote is in the
passages LLM mode would send, by question type (what a model cannot see, it cannot answer).

ANSWERS.jsonl has the shape of `blind_grading.py dump`, so `blind_grading.py batches` pairs it
with the extractive answers. Nothing here is on the path a user runs.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import itertools
import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from blind_grading import dump, rows  # noqa: E402 - a sibling script

NOT_COVERED = "NOT_COVERED"  # what the recorder answers: the prompt is all it wants
KEY_HEX = 16  # a prompt's key: 64 bits of its user message's digest, unique among a few hundred prompts
# What decides a prompt (the passages it shows, and whether it asks for their wording): `record` keeps
# them in DIR/settings.json and `replay` uses them again, so a folder's replies still replay, each
# under the prompt it was written for, after the defaults change.
PROMPT_SETTINGS = ("llm_passages", "llm_module_passages", "llm_neighbours", "llm_followup_passages", "llm_keep_wording",
                   "llm_top", "llm_side_passages", "llm_side_module_passages")
BRIEF = """# Brief: you are the language model behind a chat-completions endpoint

The file `{prompts}` holds {n} requests, one JSON object per line, each with `item`, `system` (the
system message) and `user` (the user message: numbered passages, then a question).

For each request, write the reply the model should give: follow that request's system message
exactly, using only what its own passages say. Do not use your own knowledge of the topic, and do
not carry anything from one request to another. Read no other file, run no search, and do not look
at other requests' files.

Write `{out}`: one line per request, `{{"item": ..., "completion": "..."}}`, in the same order. The
completion is the reply text only (no preamble, no code fences).

When done, reply with only the number of completions written, how many were NOT_COVERED and how
many have a NOT_STATED line.
"""


def prompt_key(messages: list[dict]) -> str:
    return hashlib.sha256(messages[-1]["content"].encode()).hexdigest()[:KEY_HEX]


def endpoint(replies: dict[str, str] | None, seen: list[dict], record_new: bool = False) -> FastAPI:
    """Records every request; answers from ``replies`` by prompt key, or NOT_COVERED to record only
    (every prompt, or with ``record_new`` the ones no reply was written for)."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> StreamingResponse:
        messages = (await request.json())["messages"]
        key = prompt_key(messages)
        seen.append({"key": key, "messages": messages})
        text = NOT_COVERED if replies is None else replies.get(key, NOT_COVERED if record_new else None)
        if text is None:
            raise HTTPException(404, "no reply was written for this prompt")
        event = json.dumps({"choices": [{"delta": {"content": text}}]})
        return StreamingResponse(iter([f"data: {event}\n\n", "data: [DONE]\n\n"]), media_type="text/event-stream")

    return app


@contextmanager
def serving(app: FastAPI, env: dict[str, str] | None = None) -> Iterator[None]:
    """``app`` on a free loopback port, with LLM mode pointed at it (and ``env`` set) for this process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    pointed = {"TMRAG_LLM_BASE_URL": f"http://127.0.0.1:{port}/v1", "TMRAG_LLM_MODEL": "replay", **(env or {})}
    before = {name: os.environ.get(name) for name in pointed}
    os.environ.update(pointed)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def record(out: Path, questions: Path, split: str, writers: int) -> None:
    """Asks every question in LLM mode, keeps the prompts it sends (none when the engine abstains
    first), and writes one brief per writer with a share of them. Run again on a folder whose
    replies are written, it serves them and keeps only the prompts they lead to (a follow-up round,
    item ``ID#2``), in briefs and files of their own (``briefN-r2.md``, ``cN-r2.jsonl``)."""
    from tmrag.config import Settings
    from tmrag.engine import Engine

    out.mkdir(parents=True, exist_ok=True)
    replies, settings = written(out) if (out / "prompts.jsonl").exists() else ({}, None)
    if settings is None:
        current = Settings()
        settings = {f"TMRAG_{n.upper()}": str(getattr(current, n)) for n in PROMPT_SETTINGS}
        (out / "settings.json").write_text(json.dumps(settings, indent=1) + "\n", encoding="utf-8")
    prompts: list[dict] = []
    seen: list[dict] = []
    with serving(endpoint(replies, seen, record_new=True), settings):
        engine = Engine.open(Settings())
        for q in rows(questions).values():
            if split in q["tags"]:
                asked = len(seen)
                engine.ask(q["question"])
                for n, sent in enumerate(seen[asked:]):
                    if sent["key"] not in replies:
                        msgs = sent["messages"]
                        prompts.append({"item": q["id"] if n == 0 else f"{q['id']}#{n + 1}", "key": sent["key"],
                                        "system": msgs[0]["content"], "user": msgs[-1]["content"]})
    write_briefs(out, prompts, writers)


def write_briefs(out: Path, prompts: list[dict], writers: int) -> None:
    """``prompts`` added to the folder's prompts.jsonl and shared among ``writers`` briefs, named
    by round: p1.jsonl, brief1.md and c1.jsonl in the first; p1-r2.jsonl … in the next."""
    kept = out / "prompts.jsonl"
    earlier = kept.read_text(encoding="utf-8") if kept.exists() else ""
    rounds = 1 if not earlier else next(n for n in itertools.count(2) if not (out / f"p1-r{n}.jsonl").exists())
    tail = "" if rounds == 1 else f"-r{rounds}"
    kept.write_text(earlier + "".join(json.dumps({"item": p["item"], "key": p["key"]}) + "\n" for p in prompts),
                    encoding="utf-8")  # the prompts' text goes to the writers' files; a key is what a reply is served by
    if not prompts:
        print(f"no new prompts in {out}")
        return
    for n in range(1, writers + 1):
        share = prompts[n - 1 :: writers]
        (out / f"p{n}{tail}.jsonl").write_text("".join(json.dumps({k: p[k] for k in ("item", "system", "user")}) + "\n"
                                                       for p in share), encoding="utf-8")
        (out / f"brief{n}{tail}.md").write_text(BRIEF.format(prompts=out / f"p{n}{tail}.jsonl", n=len(share),
                                                              out=out / f"c{n}{tail}.jsonl"), encoding="utf-8")
    print(f"{len(prompts)} prompts, {writers} briefs in {out} (round {rounds})")


def written(folder: Path) -> tuple[dict[str, str], dict[str, str] | None]:
    """A folder's replies by prompt key, and the passage settings it was recorded with."""
    keys = {p["item"]: p["key"] for p in map(json.loads, (folder / "prompts.jsonl").read_text().splitlines())}
    replies = {keys[c["item"]]: c["completion"] for f in sorted(folder.glob("c*.jsonl"))
               for c in map(json.loads, f.read_text(encoding="utf-8").splitlines())}
    kept = folder / "settings.json"
    return replies, json.loads(kept.read_text()) if kept.exists() else None


def replay(folder: Path, questions: Path, split: str, out: Path) -> None:
    replies, settings = written(folder)
    seen: list[dict] = []
    with serving(endpoint(replies, seen), settings):
        dump(out, split, questions)
    unanswered = sum(s["key"] not in replies for s in seen)
    print(f"{len(seen) - unanswered} replies replayed; answers in {out}")
    if unanswered:  # the prompts changed since `record` (passages, wording): those answers are extractive
        print(f"warning: {unanswered} prompts have no written reply; record again", file=sys.stderr)


def evaluate(folder: Path, questions: Path, split: str) -> None:
    """`tmrag eval` in LLM mode with the folder's replies served: the metrics the eval gate reads."""
    from tmrag.cli import main as tmrag

    replies, settings = written(folder)
    with serving(endpoint(replies, []), settings):
        tmrag(["eval", "--golden", str(questions), "--split", split, "--modes", "default"])


def folded(text: str) -> str:
    """Text compared without list bullets, bold marks or line breaks (a quote may be one list item)."""
    return " ".join(re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", text).replace("*", "").split()).lower()


def shown(quote: str, passages: str) -> bool:
    """A quote is in the passages by its opening or by a stretch of its middle: a chunk may end
    inside a list item, after the item's bold label."""
    middle = len(quote) * 2 // 5
    return quote[:60] in passages or quote[middle : middle + 50] in passages


def evidence(questions: Path, split: str) -> None:
    from tmrag.config import Settings
    from tmrag.engine import Engine

    engine = Engine.open(Settings())
    asked: collections.Counter[str] = collections.Counter()
    whole: collections.Counter[str] = collections.Counter()
    counts: list[int] = []
    sizes: list[int] = []
    for q in rows(questions).values():
        if split not in q["tags"] or not q["answerable"] or not q.get("evidence"):
            continue
        ranking = engine.ranker.rank(engine.ranker.truecase(q["question"]), None, 10)
        passages = engine.generator.passages(ranking)
        counts.append(len(passages))
        sizes.append(sum(len(p.text) for p in passages))
        text = folded(" ".join(p.text for p in passages))
        kind = q["tags"][0]
        asked[kind] += 1
        whole[kind] += all(shown(folded(e["quote"]), text) for e in q["evidence"])
    n = sum(asked.values())
    print(f"{n} answerable questions with evidence; every quote in LLM mode's passages: {sum(whole.values()) / n:.3f}"
          f" ({sum(counts) / len(counts):.1f} passages, {sum(sizes) / len(sizes):,.0f} characters on average)")
    for kind in sorted(asked):
        print(f"  {kind:12s} {asked[kind]:5d}  {whole[kind] / asked[kind]:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    counted = sub.add_parser("evidence")
    counted.add_argument("--questions", type=Path, required=True)
    counted.add_argument("--split", default="dev")
    for name in ("record", "replay", "eval"):
        p = sub.add_parser(name)
        p.add_argument("folder", type=Path)
        p.add_argument("--questions", type=Path, required=True)
        p.add_argument("--split", default="dev")
        if name == "record":
            p.add_argument("--writers", type=int, default=4)
        elif name == "replay":
            p.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    if args.cmd == "evidence":
        evidence(args.questions, args.split)
    elif args.cmd == "record":
        record(args.folder, args.questions, args.split, args.writers)
    elif args.cmd == "eval":
        evaluate(args.folder, args.questions, args.split)
    else:
        replay(args.folder, args.questions, args.split, args.out)


if __name__ == "__main__":
    main()
