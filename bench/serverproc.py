"""Start `tmrag serve` as a subprocess on an ephemeral loopback port, for the serving benches."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 120  # a cold start loads the corpus, the index and the ONNX model in every worker


@contextmanager
def tmrag_serve(workers: int = 1, env: dict[str, str] | None = None, args: list[str] | None = None
                ) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """Yields (base URL, process, log file); the server's stderr goes to the log file."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **(env or {})}
    with tempfile.NamedTemporaryFile(prefix="tmrag-serve-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--host", "127.0.0.1", "--port", "0",
                                 "--workers", str(workers), *(args or [])],
                                cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield _wait_ready(proc, log_path), proc, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def _wait_ready(proc: subprocess.Popen, log_path: Path) -> str:
    deadline = time.monotonic() + READY_TIMEOUT_S
    base = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tmrag serve exited {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        if base is None and (m := re.search(r"serving on (http://\S+?)/?\s", log_path.read_text())):
            base = m.group(1)
        if base is not None:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    return base
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    raise RuntimeError(f"tmrag serve not ready in {READY_TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the workers), from /proc."""
    pids = [pid, *_children(pid)]
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids = (task / "children").read_text().split()
        for kid in map(int, kids):
            out += [kid, *_children(kid)]
    return out
