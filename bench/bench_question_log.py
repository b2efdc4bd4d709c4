"""What the question log costs an answer: the time `QuestionLog.submit` takes on the request
thread, and how fast the background writer drains a burst into SQLite.

    .venv/bin/python bench/bench_question_log.py [--n 5000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ for the sample answer

from tests.insights.test_log import ANSWER  # noqa: E402 - a complete Answer as the engine returns it

from tmrag.insights.log import QuestionLog  # noqa: E402
from tmrag.insights.store import InsightsStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = QuestionLog(InsightsStore(Path(tmp)), maxsize=args.n + 1)
        log.submit("warm up", ANSWER)  # creates the file and starts the writer
        log.flush()
        start = time.perf_counter()
        for i in range(args.n):
            log.submit(f"question {i}", ANSWER)
        submitted = time.perf_counter()
        log.flush(timeout=120)
        drained = time.perf_counter()
        print(f"submit: {(submitted - start) / args.n * 1e6:.1f} µs per answer on the request thread; "
              f"writer: {args.n} entries written {drained - submitted:.2f} s after the last submit "
              f"(written {log.written - 1}, dropped {log.dropped}, failed {log.failed})")


if __name__ == "__main__":
    main()
