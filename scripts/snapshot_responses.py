"""Write every golden question's full HTTP responses to one JSONL file, for diffing two versions.

For each question: POST /ask, POST /search (k=10) and POST /ask/stream (the SSE events), through
the real app on the real index. Timings are dropped (they differ run to run); everything else is
kept, with keys sorted, so `diff before.jsonl after.jsonl` is empty exactly when the contract's
output is unchanged.

    .venv/bin/python scripts/snapshot_responses.py /tmp/before.jsonl
    ... change the code ...
    .venv/bin/python scripts/snapshot_responses.py /tmp/after.jsonl && diff /tmp/before.jsonl /tmp/after.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from tmrag.config import Settings
from tmrag.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def _without_timings(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "timings_ms"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def _events(body: str) -> list[dict]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append({"event": lines["event"], "data": _without_timings(json.loads(lines["data"]))})
    return events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--golden", type=Path, default=ROOT / "eval" / "golden.jsonl")
    args = parser.parse_args()
    # Rate limiting off: a snapshot sends three requests per question as fast as it can.
    client = TestClient(create_app(Settings(rate_limit="off"), load_in_background=False), raise_server_exceptions=True)
    questions = [json.loads(line) for line in args.golden.read_text(encoding="utf-8").splitlines() if line.strip()]
    with args.out.open("w", encoding="utf-8") as out:
        for q in questions:
            record = {"id": q["id"]}
            for route, body in (("/ask", {"question": q["question"]}), ("/search", {"query": q["question"], "k": 10})):
                resp = client.post(route, json=body)
                record[route] = {"status": resp.status_code, "body": _without_timings(resp.json())}
            stream = client.post("/ask/stream", json={"question": q["question"]})
            record["/ask/stream"] = {"status": stream.status_code, "events": _events(stream.text)}
            out.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(questions)} questions -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
