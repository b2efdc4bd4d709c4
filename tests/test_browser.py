"""End-to-end browser test: the real server (subprocess) on the real corpus index, driven by
Playwright through Debian's Chromium. It checks the chat page's streaming answer, citation chips
(popover + navigation to the highlighted passage), that user text is never interpreted as HTML,
and saves screenshots to docs/screenshots/."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]
SCREENSHOTS = ROOT / "docs" / "screenshots"
READY_TIMEOUT_S = 120
QUESTION = "How many bytes per token does the KV cache need for Llama-2-7B?"
NEAR_QUESTION = "How much does Anthropic charge per million input tokens for Claude Haiku?"
XSS_QUESTION = "<img src=x onerror=alert(1)>"
LATENCY_RE = re.compile(r"\d+(\.\d+)? (ms|s)")

pytestmark = pytest.mark.slow


def _index_dir_from(value: object) -> Path:
    """The conftest ``real_index`` fixture may hand back Settings, a dict or a path."""
    if isinstance(value, dict):
        value = value["index_dir"]
    elif hasattr(value, "index_dir"):
        value = value.index_dir
    return Path(value).resolve()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def index_dir(request: pytest.FixtureRequest) -> Path:
    for name in ("real_index", "real_settings"):  # shared session fixtures in conftest.py, when present
        try:
            return _index_dir_from(request.getfixturevalue(name))
        except pytest.FixtureLookupError:
            continue
    from tmrag.config import Settings
    from tmrag.indexer import build_index

    path = ROOT / ".cache" / "test-index"  # incremental: a rebuild after no corpus change only checks hashes
    build_index(Settings(corpus_dir=ROOT / "corpus", index_dir=path))
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def server(index_dir: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "TMRAG_INDEX_DIR": str(index_dir), "TMRAG_CORPUS_DIR": str(ROOT / "corpus"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty server can never block on it
        proc = subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

        def server_log() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")[-4000:]

        try:
            _wait_ready(base, proc, server_log)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def _wait_ready(base: str, proc: subprocess.Popen, server_log) -> None:  # noqa: ANN001
    deadline, last = time.monotonic() + READY_TIMEOUT_S, "no answer yet"
    while True:
        if proc.poll() is not None:
            pytest.fail(f"tmrag serve exited with {proc.returncode} before it was ready:\n{server_log()}")
        try:
            status, body = _get(f"{base}/readyz", timeout=2)
            if status == 200:
                return
            last = f"{status} {body[:300]!r}"
        except OSError as exc:
            last = repr(exc)
        if time.monotonic() > deadline:
            pytest.fail(f"server not ready after {READY_TIMEOUT_S}s (last /readyz: {last}):\n{server_log()}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) "
                    "to run the browser test; Playwright's own browsers are not used")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _ask_json(base: str, question: str) -> dict:
    req = urllib.request.Request(f"{base}/ask", data=json.dumps({"question": question}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - loopback only
        return json.load(resp)


def _ask_in_page(page, question: str) -> None:  # noqa: ANN001
    before = page.locator("#conversation .turn").count()
    box = page.locator("#question")
    box.click()
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#conversation .turn').length > n", arg=before)
    # The answer is finished once its card has the latency line (done) or is an error card.
    page.wait_for_selector("#conversation .turn:last-child .card .latency, #conversation .turn:last-child .card.error",
                           timeout=30_000)


def test_chat_end_to_end(browser, server: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    expected = _ask_json(server, QUESTION)
    assert not expected["abstained"] and expected["citations"], "the real index should answer the KV-cache question"
    quotes = {str(c["marker"]): c["quote"] for c in expected["citations"]}

    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1,
                                  service_workers="block")
    page = context.new_page()
    dialogs: list[str] = []
    page_errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((server, "data:")) else external.append(r.url))
    try:
        page.goto(f"{server}/", wait_until="domcontentloaded")
        expect(page.locator("input[name=category]")).to_have_count(9)

        # 1. Ask; Enter sends; the answer streams in with citation chips.
        _ask_in_page(page, QUESTION)
        turn = page.locator("#conversation .turn").last
        expect(turn.locator(".bubble.user")).to_have_text(QUESTION)
        expect(turn.locator(".card.error")).to_have_count(0)
        chip = turn.locator(".answer-text button.chip").first
        expect(chip).to_be_visible()
        expect(turn.locator(".latency")).to_contain_text(LATENCY_RE)

        # 2. Hover the first chip: the popover shows (part of) that citation's quote.
        marker = chip.get_attribute("data-marker")
        assert marker in quotes, f"chip [{marker}] has no citation in {sorted(quotes)}"
        chip.hover()
        popover = page.locator("#cite-popover")
        expect(popover).to_be_visible()
        shown = popover.locator(".pop-quote").inner_text().strip()
        assert shown and shown in quotes[marker], f"popover text {shown!r} is not part of quote {quotes[marker]!r}"
        page.screenshot(path=str(SCREENSHOTS / "chat.png"))

        # 3. Click it: the module viewer opens with the cited passage highlighted and in view.
        chip.click()
        page.wait_for_url("**/modules/**")
        assert "hl=" in page.url and page.url.endswith("#cited"), page.url
        mark = page.locator("mark.cited").first
        expect(mark).to_be_visible()
        expect(mark).to_be_in_viewport()
        page.wait_for_timeout(1700)  # let the highlight flash settle before the screenshot
        page.screenshot(path=str(SCREENSHOTS / "module.png"))

        # 4. Back to the chat: the conversation is still there.
        page.go_back()
        page.wait_for_url(f"{server}/")
        expect(page.locator("#conversation .turn .bubble.user").first).to_have_text(QUESTION)

        # 5. A question that looks like HTML is shown literally and never becomes markup.
        _ask_in_page(page, XSS_QUESTION)
        last = page.locator("#conversation .turn").last
        expect(last.locator(".bubble.user")).to_have_text(XSS_QUESTION)
        page.wait_for_timeout(300)  # give a (wrongly) created <img> time to fire onerror
        assert page.locator("#conversation img").count() == 0
        assert page.evaluate("document.querySelectorAll('img[src=x], [onerror]').length") == 0

        # 6. A near-topic question the notes answer only about something nearby carries a visible note.
        near = _ask_json(server, NEAR_QUESTION)
        assert not near["abstained"] and "Haiku" in near["unmentioned_terms"], near
        _ask_in_page(page, NEAR_QUESTION)
        expect(page.locator("#conversation .turn").last.locator(".note")).to_contain_text("never mention Haiku")
        assert dialogs == [], f"a dialog opened: {dialogs}"
        assert page_errors == [], f"JavaScript errors: {page_errors}"
        assert external == [], f"the page made non-local requests: {external}"
    finally:
        context.close()
