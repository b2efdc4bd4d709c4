"""`tmrag serve --workers 2` on the real index (issue 21, item 4): two worker processes share the
port and the build, answer /ask, both take a share of a client's keep-alive connections, and
/metrics counts the requests of both."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tmrag.config import Settings
from tmrag.evaluation.golden import load_golden

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 120  # each worker loads the corpus, the index and the ONNX model
PROBES = 40
BURST = 160  # distinct golden questions: enough engine work to see which worker did it

pytestmark = pytest.mark.slow


def _workers(pid: int) -> list[int]:
    kids = [int(k) for task in Path(f"/proc/{pid}/task").iterdir() for k in (task / "children").read_text().split()]
    return [k for k in kids if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes()]


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def _burst(base: str, questions: list[str]) -> list[int]:
    """16 keep-alive connections opened at once, as a client's pool does: on one shared listening
    socket the first worker to wake accepted all of them."""
    async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=16), timeout=60) as client:
        sem = asyncio.Semaphore(16)

        async def ask(q: str) -> int:
            async with sem:
                return (await client.post("/ask", json={"question": q})).status_code
        return await asyncio.gather(*(ask(q) for q in questions))


def test_two_workers_serve_and_metrics_sum_them(real_settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "TMRAG_INDEX_DIR": str(Path(real_settings.index_dir).resolve()),
           "TMRAG_CORPUS_DIR": str(ROOT / "corpus"), "TMRAG_RATE_LIMIT": "off", "HF_HUB_OFFLINE": "1"}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--port", "0", "--workers", "2"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base, deadline = None, time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            if base is None and (m := re.search(r"serving on (http://\S+?)/?\s", log.read_text())):
                base = m.group(1)
            if base and httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"not ready:\n{log.read_text()[-2000:]}")
        assert log.read_text().count("tmrag serving on") == 1
        workers = _workers(proc.pid)
        assert len(workers) == 2
        before = [_cpu_s(w) for w in workers]
        questions = [q.question for q in load_golden(ROOT / "eval" / "golden.jsonl")][:BURST]
        assert set(asyncio.run(_burst(base, questions))) <= {200, 503}
        work = [_cpu_s(w) - b for w, b in zip(workers, before, strict=True)]
        assert min(work) > 0.2 * sum(work), work  # both workers answered a share
        answer = httpx.post(f"{base}/ask", json={"question": "How big is the KV cache of Llama-2-7B?"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["citations"]
        for _ in range(PROBES):  # a new connection each: the kernel hands them to either worker
            assert httpx.get(f"{base}/healthz", timeout=5, headers={"Connection": "close"}).status_code == 200
        metrics = httpx.get(f"{base}/metrics", timeout=10).text
        healthz = re.search(r'tmrag_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)', metrics)
        assert healthz and float(healthz.group(1)) == PROBES
        assert "tmrag_index_ready 1.0" in metrics
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0, log.read_text()[-2000:]
