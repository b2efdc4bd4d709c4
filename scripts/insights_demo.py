"""Produces the example insights report (docs/insights-example.md): asks a running `tmrag serve`
(started with TMRAG_LOG_QUESTIONS=1) every golden question and the review set's unanswerable
(near-miss) questions, then rates a sample of the answers the way a reader who knows the golden
labels would: down with a comment when the answer cites none of the modules that cover the
question (or answers a question the notes cannot), up when it cites one.

    TMRAG_LOG_QUESTIONS=1 TMRAG_DATA_DIR=/tmp/tmrag-demo TMRAG_RATE_LIMIT=off .venv/bin/tmrag serve --port 28765 &
    .venv/bin/python scripts/insights_demo.py --base http://127.0.0.1:28765
    TMRAG_DATA_DIR=/tmp/tmrag-demo .venv/bin/tmrag insights --since 1d --chart docs/insights-example.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RATE_EVERY = 10  # rate every 10th answer: some feedback, as a few readers would give, not a verdict on all
TIMEOUT_S = 60.0  # one answer takes well under a second; a loaded 2-core machine can queue a few


def questions() -> list[dict]:
    golden = [json.loads(line) for line in (ROOT / "eval" / "golden.jsonl").read_text().splitlines() if line.strip()]
    review = [json.loads(line) for line in (ROOT / "eval" / "review.jsonl").read_text().splitlines() if line.strip()]
    return golden + [q for q in review if "unanswerable" in q["tags"]]


def rating(q: dict, answer: dict) -> tuple[str, str]:
    cited = {c["module_id"] for c in answer["citations"] if c.get("module_id")}
    if not q["answerable"]:
        missing = f" ({q['missing']})" if q.get("missing") else ""
        return ("up", "") if answer["abstained"] else ("down", f"the notes don't state this{missing}")
    if cited & set(q["relevant_modules"]):
        return "up", ""
    return "down", f"cites {', '.join(sorted(cited)) or 'nothing'}; the answer is in {', '.join(q['relevant_modules'])}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:28765")
    args = parser.parse_args()
    counts = {"asked": 0, "up": 0, "down": 0}
    with httpx.Client(base_url=args.base, timeout=TIMEOUT_S) as client:
        for n, q in enumerate(questions()):
            resp = client.post("/ask", json={"question": q["question"]})
            resp.raise_for_status()
            answer = resp.json()
            counts["asked"] += 1
            if n % RATE_EVERY:
                continue
            verdict, comment = rating(q, answer)
            body = {"question": q["question"], "resolved_question": answer["resolved_question"], "answer": answer["answer"],
                    "citations": list(dict.fromkeys(f"source:{c['source_id']}" if c["kind"] == "source"
                                                    else f"{c['module_id']}#{c['anchor']}" for c in answer["citations"])),
                    "rating": verdict, "comment": comment or None}
            client.post("/feedback", json=body).raise_for_status()
            counts[verdict] += 1
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
