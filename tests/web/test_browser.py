"""End-to-end browser test: the real server (subprocess) on the real corpus index, driven by
Playwright through Debian's Chromium. It checks the chat page's streaming answer, citation chips
(popover + navigation to the highlighted passage), that user and server text is never interpreted
as HTML, error and retry states (faked with page.route), touch and keyboard use. Screenshots go to
a temporary folder, or to $TMRAG_SCREENSHOTS when set (docs/screenshots refreshes the committed ones)."""

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
from contextlib import contextmanager
from pathlib import Path

import pytest

from tmrag.answer.text import display_sentence

from ..conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]
READY_TIMEOUT_S = 120
QUESTION = "How many bytes per token does the KV cache need for Llama-2-7B?"
NEAR_QUESTION = "How much does Anthropic charge per million input tokens for Claude Haiku?"
XSS_QUESTION = "<img src=x onerror=alert(1)>"
LATENCY_RE = re.compile(r"\d+(\.\d+)? (ms|s)")
# The answer as plain text, with each citation chip read back as its "[n]" marker.
ANSWER_TEXT_JS = """el => Array.from(el.childNodes).map(n =>
    n.nodeType === 1 && n.classList.contains('chip') ? '[' + n.dataset.marker + ']' : n.textContent).join('')"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index_dir(real_settings) -> Path:  # noqa: ANN001
    return Path(real_settings.index_dir).resolve()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Never the committed docs/screenshots unless asked: a test run must not dirty the work tree."""
    wanted = os.environ.get("TMRAG_SCREENSHOTS")
    path = Path(wanted).resolve() if wanted else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
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
    with served({"TMRAG_INDEX_DIR": str(index_dir), "TMRAG_CORPUS_DIR": str(ROOT / "corpus")}) as base:
        yield base


@contextmanager
def served(env: dict[str, str], cwd: Path = ROOT) -> Iterator[str]:
    """`tmrag serve` as a process on a free loopback port with ``env`` added: its base URL once
    /readyz answers 200; stopped (killed if it hangs) on exit."""
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **env}
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty server can never block on it
        proc = subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)

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


def test_chat_end_to_end(browser, server: str, screenshots: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    expected = _ask_json(server, QUESTION)
    assert not expected["abstained"] and expected["citations"], "the real index should answer the KV-cache question"
    quotes = {str(c["marker"]): c["quote_text"] for c in expected["citations"]}

    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1,
                                  service_workers="block")
    page = context.new_page()
    dialogs: list[str] = []
    page_errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    # Console errors include CSP violations ("Refused to ... Content Security Policy").
    page.on("console", lambda m: page_errors.append(f"console: {m.text}") if m.type == "error" else None)
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
        # The conversation is not a live region (each streamed event re-renders the card); one
        # status region reads the finished answer out instead.
        assert page.locator("#conversation").get_attribute("aria-live") is None
        expect(page.locator("#status")).to_contain_text("Answer: " + expected["answer"][:40])
        assert turn.get_attribute("aria-busy") is None

        # 2. Hover the first chip: the popover shows (part of) that citation's quote.
        marker = chip.get_attribute("data-marker")
        assert marker in quotes, f"chip [{marker}] has no citation in {sorted(quotes)}"
        chip.hover()
        popover = page.locator("#cite-popover")
        expect(popover).to_be_visible()
        shown = popover.locator(".pop-quote").inner_text().strip()
        head = quotes[marker][:30]  # the quote as the answer reads it (server-side quote_text)
        assert shown.startswith(head), f"popover text {shown!r} does not show quote {quotes[marker]!r}"
        assert "$" not in shown and "[@" not in shown, f"raw Markdown/TeX in the popover: {shown!r}"
        page.screenshot(path=str(screenshots / "chat.png"))

        # 3. Click it: the module viewer opens with the cited passage highlighted and in view.
        chip.click()
        page.wait_for_url("**/modules/**")
        assert "hl=" in page.url and page.url.endswith("#cited"), page.url
        mark = page.locator("mark.cited").first
        expect(mark).to_be_visible()
        expect(mark).to_be_in_viewport()
        page.wait_for_timeout(1700)  # let the highlight flash settle before the screenshot
        page.screenshot(path=str(screenshots / "module.png"))
        # Display math ($$ on its own lines) starts and ends with its formula, not a blank line.
        assert page.evaluate("Array.from(document.querySelectorAll('div.math')).every("
                             "d => d.textContent.length && d.textContent === d.textContent.trim())")

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

        # 6. A near-topic question the notes answer only about something nearby says so visibly:
        # a "Partly covered" badge and an answer that opens with what the notes don't state.
        near = _ask_json(server, NEAR_QUESTION)
        assert not near["abstained"] and "Haiku" in near["unmentioned_terms"], near
        assert near["coverage"] == "partial" and any("Claude Haiku" in m for m in near["missing"]), near
        _ask_in_page(page, NEAR_QUESTION)
        expect(page.locator("#conversation .turn").last.locator(".badge-partial")).to_have_text("Partly covered")
        expect(page.locator("#conversation .turn").last.locator(".answer-text")).to_contain_text(
            "The notes don't state how much does Anthropic charge per million input tokens for Claude Haiku")
        # The answer reads exactly as the server wrote it: prices like "$3 ... $3.75" are money, not math.
        answer_text = page.locator("#conversation .turn").last.locator(".answer-text")
        assert answer_text.evaluate(ANSWER_TEXT_JS).strip() == near["answer"].strip()

        # 7. The API docs page loads without errors either (its assets are bundled, no CDN).
        page.goto(f"{server}/docs", wait_until="load")
        expect(page.locator(".swagger-ui .info")).to_be_visible()
        assert dialogs == [], f"a dialog opened: {dialogs}"
        assert page_errors == [], f"JavaScript errors: {page_errors}"
        assert external == [], f"the page made non-local requests: {external}"
    finally:
        context.close()


# A fetch wrapper for one test page: the stream delivers its first event, then the connection dies.
DROP_STREAM_JS = """(() => {
  const orig = window.fetch.bind(window);
  window.fetch = async (url, opts) => {
    const res = await orig(url, opts);
    if (!String(url).includes('/ask/stream') || !window.__dropStream) return res;
    const reader = res.body.getReader();
    const body = new ReadableStream({ async start(ctrl) {
      const { value } = await reader.read();
      ctrl.enqueue(value);
      ctrl.error(new TypeError('network error'));
    } });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  };
})();"""


def _sse(*events: tuple[str, dict]) -> str:
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)


def test_chat_edge_cases(browser, server: str) -> None:  # noqa: ANN001
    """Rendering and error paths with faked /ask/stream responses (page.route), plus the real
    server for retries, focus, the length limit and touch."""
    from playwright.sync_api import expect

    evil = '<img src=x onerror="window.__pwned=1">'
    quote = (r"- Dividing by $\sqrt{d_k}$ keeps the variance at 1 [@vaswani-2017-attention]. … "
             f"Prices stay $3 and $3.75, and {evil} stays text.")
    answer_stream = _sse(
        ("citations", {"citations": [{"marker": 1, "kind": "module", "module_id": "attention", "source_id": None,
                                      "title": "Self-Attention", "section": "Scaling", "anchor": "scaling",
                                      "url": None, "quote": quote, "spans": [[10, 20]],
                                      "quote_text": " … ".join(map(display_sentence, quote.split(" … ")))}],
                       "sources": [{"id": "vaswani-2017-attention", "kind": "paper", "citation": "Vaswani et al. 2017",
                                    "title": None, "year": 2017, "url": None, "annotation": evil}],
                       "abstained": False, "suggestions": [], "unmentioned_terms": [evil]}),
        ("answer", {"text": "It costs $3 per million, and cache writes $3.75. [1]"}),
        ("done", {"timings_ms": {"total": 5.0}, "abstained": False}))
    suggestion = {"kind": "module", "module_id": "sampling", "source_id": None, "title": "Sampling & Decoding",
                  "section": "Worked numbers", "anchor": "worked-numbers", "url": None}
    abstain_stream = _sse(
        ("citations", {"citations": [], "sources": [], "abstained": True, "unmentioned_terms": [],
                       "suggestions": [suggestion, suggestion, {**suggestion, "section": evil, "anchor": "x"}]}),
        ("answer", {"text": "These notes don't cover that question."}),
        ("done", {"timings_ms": {"total": 5.0}, "abstained": True}))
    fakes: list = []  # queued responses for the next /ask/stream calls; empty: the real server answers
    bodies: list[dict] = []

    def fake(route) -> None:  # noqa: ANN001
        bodies.append(json.loads(route.request.post_data or "{}"))
        if not fakes:
            route.continue_()
            return
        status, content_type, body = fakes.pop(0)
        route.fulfill(status=status, content_type=content_type, body=body)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.add_init_script(DROP_STREAM_JS)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.on("dialog", lambda d: (page_errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.route("**/ask/stream", fake)
    try:
        page.goto(f"{server}/", wait_until="domcontentloaded")

        # 1. Clicking an example leaves focus on the question box, not on <body>.
        page.locator("#examples .example").first.click()
        page.wait_for_selector("#conversation .turn:last-child .latency", timeout=30_000)
        assert page.evaluate("document.activeElement.id") == "question"

        # 2. Money is text, quotes show the server's plain text, server text is never HTML.
        fakes.append((200, "text/event-stream", answer_stream))
        _ask_in_page(page, "What does it cost?")
        turn = page.locator("#conversation .turn").last
        expect(turn.locator(".answer-text")).to_contain_text("It costs $3 per million, and cache writes $3.75.")
        assert turn.locator(".answer-text .math").count() == 0
        expect(turn.locator(".note")).to_contain_text(evil)
        expect(turn.locator(".sources .annotation")).to_have_text(evil)
        turn.locator(".answer-text .chip").first.hover()
        pop = page.locator("#cite-popover .pop-quote")
        expect(pop).to_contain_text("Dividing by √d_k keeps the variance at 1.")
        expect(pop).to_contain_text(f"Prices stay $3 and $3.75, and {evil} stays text.")
        assert not pop.inner_text().startswith("-")
        assert page.evaluate("document.querySelectorAll('img[src=x], [onerror]').length + (window.__pwned || 0)") == 0

        # 3. An abstention lists each suggested section once.
        fakes.append((200, "text/event-stream", abstain_stream))
        _ask_in_page(page, "How do I bake bread?")
        expect(page.locator("#conversation .turn").last.locator(".suggestions li")).to_have_count(2)

        # 4. With a category filter on, the answer says what was searched and offers to search all.
        page.locator("label.cat", has_text="Training").click()
        fakes.append((200, "text/event-stream", abstain_stream))
        _ask_in_page(page, "What is RoPE?")
        turn = page.locator("#conversation .turn").last
        assert bodies[-1]["categories"] == ["Training"]
        expect(turn.locator(".scope")).to_have_text("Searched only: Training")
        turns = page.locator("#conversation .turn").count()
        turn.get_by_role("button", name="Search all categories").click()
        page.wait_for_selector("#conversation .turn:last-child .latency", timeout=30_000)
        assert "categories" not in bodies[-1] and page.locator("#conversation .turn").count() == turns
        expect(page.locator("#filter-count")).to_have_text("all")
        expect(page.locator("#conversation .turn").last.locator(".card.answer:not(.abstained)")).to_have_count(1)

        # 5. Server errors say what happened and offer a retry; a 422 (the question's fault) does not.
        fakes.append((503, "application/json", json.dumps({"error": {"code": "not_ready", "message": "loading"}})))
        _ask_in_page(page, "What is GQA?")
        card = page.locator("#conversation .turn").last.locator(".card.error")
        expect(card).to_contain_text("not ready yet")
        expect(page.locator("#status")).to_contain_text("Error:")
        turns = page.locator("#conversation .turn").count()
        card.get_by_role("button", name="Try again").click()
        page.wait_for_selector("#conversation .turn:last-child .latency", timeout=30_000)
        assert page.locator("#conversation .turn").count() == turns
        expect(page.locator("#conversation .turn").last.locator(".bubble.user")).to_have_text("What is GQA?")
        fakes.append((422, "application/json", json.dumps({"error": {"code": "invalid_request", "message": evil}})))
        _ask_in_page(page, "Bad question")
        card = page.locator("#conversation .turn").last.locator(".card.error")
        expect(card.locator(".error-message")).to_have_text(evil)
        expect(card.get_by_role("button", name="Try again")).to_have_count(0)

        # 6. A connection that dies mid-answer is reported as such, not as "could not reach the server".
        page.evaluate("window.__dropStream = true")
        _ask_in_page(page, "Why is decode memory-bound?")
        expect(page.locator("#conversation .turn").last.locator(".error-message")).to_contain_text("connection was lost")
        page.evaluate("window.__dropStream = false")

        # 7. Over the 2,000-character limit: nothing is cut off silently, the count says why it won't send.
        box = page.locator("#question")
        box.fill("why " * 525)
        assert len(box.input_value()) == 2100
        expect(page.locator("#char-count")).to_contain_text("too long")
        expect(page.locator("#send")).to_be_disabled()
        turns = page.locator("#conversation .turn").count()
        box.press("Enter")
        page.wait_for_timeout(200)
        assert page.locator("#conversation .turn").count() == turns and box.get_attribute("aria-invalid") == "true"
        box.fill("")
        expect(page.locator("#char-count")).to_be_hidden()
        assert page_errors == [], f"JavaScript errors: {page_errors}"
    finally:
        context.close()

    # 8. Touch: the first tap on a chip previews the quote, the second opens the passage.
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
                                  service_workers="block")
    page = context.new_page()
    try:
        page.goto(f"{server}/", wait_until="domcontentloaded")
        _ask_in_page(page, QUESTION)
        chip = page.locator("#conversation .turn").last.locator(".answer-text .chip").first
        chip.tap()
        expect(page.locator("#cite-popover")).to_be_visible()
        expect(page.locator("#cite-popover .pop-foot")).to_contain_text("Tap the chip again")
        assert page.url == f"{server}/"
        popover = page.locator("#cite-popover").bounding_box()
        assert popover and popover["x"] >= 0 and popover["x"] + popover["width"] <= 375
        chip.tap()
        page.wait_for_url("**/modules/**")
        expect(page.locator("mark.cited").first).to_be_in_viewport()
    finally:
        context.close()


def test_a_three_turn_conversation_carries_its_context(browser, server: str) -> None:  # noqa: ANN001
    """Follow-ups are sent with the conversation, the page shows what was searched, and New
    conversation starts fresh (the next follow-up then has nothing to lean on)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/ask/stream") else None)
    page.goto(server + "/")
    _ask_in_page(page, "What is the KV cache size per token of Llama-2-7B in fp16?")
    _ask_in_page(page, "And for the 70B model?")
    _ask_in_page(page, "Why does it grow with context length?")
    turns = page.locator("#conversation .turn")
    expect(turns).to_have_count(3)
    assert "history" not in sent[0] and len(sent[1].get("history", [])) == 1 and len(sent[2].get("history", [])) == 2, sent
    assert sent[2]["history"][0]["question"].startswith("What is the KV cache size per token of Llama-2-7B")
    expect(turns.nth(1).locator(".searched")).to_have_text(
        "Searched: What is the KV cache size per token of Llama-2-70B in fp16?")
    expect(turns.nth(1).locator(".answer-text")).to_contain_text("327,680")  # the 70B figure, not the 7B one
    # "it" is the KV cache of the conversation: searched with the previous question as context
    expect(turns.nth(2).locator(".searched")).to_contain_text("(context: And for the 70B model?)")
    page.reload()  # the conversation, and what each turn searched, survive a reload
    expect(page.locator("#conversation .turn").nth(1).locator(".searched")).to_contain_text("Llama-2-70B")
    page.locator("#new-chat").click()
    _ask_in_page(page, "Why does it grow with context length?")
    assert "history" not in sent[-1]
    expect(page.locator("#conversation .turn")).to_have_count(1)
    context.close()


# ReDoc's sidebar links "API docs by Redocly" with a logo hard-coded to this CDN; the /redoc CSP
# blocks it on purpose (the docs make no third-party requests), and the image hides itself.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_api_docs_render_under_their_csp(browser, server: str) -> None:  # noqa: ANN001
    """/docs (Swagger UI) and /redoc render every operation under their own, narrower CSP headers,
    with no CSP violation (but ReDoc's blocked third-party logo) and no request off the server."""
    from playwright.sync_api import expect

    status, body = _get(f"{server}/openapi.json")
    assert status == 200
    operations = sum(len(methods) for methods in json.loads(body)["paths"].values())
    for path, selector in (("/docs", ".opblock"), ("/redoc", "li[data-item-id^='operation/']")):
        page = browser.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc, p=problems: p.append(str(exc)))
        page.on("console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None)
        external: list[str] = []  # responses, not requests: Chromium reports the CSP-blocked logo as a failed request
        page.on("response", lambda r, e=external: None if r.url.startswith((server, "data:", "blob:")) else e.append(r.url))
        try:
            resp = page.goto(f"{server}{path}", wait_until="networkidle")
            assert resp is not None and "script-src 'self'" in resp.headers["content-security-policy"]
            expect(page.locator(selector)).to_have_count(operations, timeout=15_000)
            if path == "/redoc":  # the search runs in the blob: worker the policy allows
                page.locator("input[placeholder='Search...']").fill("ask")
                expect(page.get_by_role("search").get_by_role("menuitem", name="Ask", exact=True)).to_be_visible()
            allowed = f"Loading the image '{REDOCLY_LOGO}' violates"
            assert [p for p in problems if not (path == "/redoc" and p.startswith(allowed))] == [], path
            assert external == [], path
        finally:
            page.close()
