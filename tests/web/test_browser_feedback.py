"""Feedback through the chat page, end to end: the real server (subprocess, real index, question
log on, its own data folder) driven by headless Chromium. A reader rates one answer down with a
comment and another up; the ratings survive a reload, nothing breaks the page's CSP, and
`tmrag insights --json` reads both ratings and both logged questions back."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import ROOT
from .test_browser import NEAR_QUESTION, QUESTION, _ask_in_page, _get, browser, served  # noqa: F401 - browser is a fixture

pytestmark = pytest.mark.slow
COMMENT = "The per-token figure should say which layers it counts <b>here</b>"
ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("insights-data")


@pytest.fixture(scope="module")
def server(real_settings, data_dir: Path) -> Iterator[str]:  # noqa: ANN001
    with served({**ENV, "TMRAG_INDEX_DIR": str(Path(real_settings.index_dir).resolve()),
                 "TMRAG_CORPUS_DIR": str(ROOT / "corpus"), "TMRAG_DATA_DIR": str(data_dir), "TMRAG_LOG_QUESTIONS": "1"}) as base:
        yield base


def _rate(page, rating: str, comment: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    box = page.locator("#conversation .turn").last.locator(".feedback")
    expect(box).to_contain_text("Was this answer helpful?")
    box.locator(f"button.thumb-{rating}").click()
    expect(box.locator(f"button.thumb-{rating}")).to_have_attribute("aria-pressed", "true")
    text = box.locator("textarea.feedback-comment")
    expect(text).to_be_focused()  # the comment box opens ready to type
    if comment:
        text.fill(comment)
    box.locator("button.feedback-send").click()
    expect(box.locator(".feedback-thanks")).to_be_visible()


def _written(base: str, n: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        metrics = _get(f"{base}/metrics")[1].decode()
        if re.search(rf"^tmrag_question_log_written_total {n}\.0$", metrics, re.M):
            return
        time.sleep(0.1)
    pytest.fail(f"the question log did not write {n} questions")


def test_rating_answers_in_the_page_reaches_the_insights_report(browser, server: str, data_dir: Path) -> None:  # noqa: ANN001, F811
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.goto(f"{server}/", wait_until="domcontentloaded")
    _ask_in_page(page, QUESTION)
    _rate(page, "down", COMMENT)
    _ask_in_page(page, NEAR_QUESTION)
    _rate(page, "up", "")
    page.reload(wait_until="domcontentloaded")  # the ratings are part of the saved conversation
    expect(page.locator("#conversation .feedback-thanks")).to_have_count(2)
    assert not problems, problems
    context.close()

    _written(server, 2)
    env = {**os.environ, **ENV, "TMRAG_DATA_DIR": str(data_dir), "TMRAG_CORPUS_DIR": str(ROOT / "corpus")}
    out = subprocess.run([sys.executable, "-m", "tmrag", "insights", "--since", "1d", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    report = json.loads(out)
    assert report["questions"] == 2 and (report["feedback_up"], report["feedback_down"]) == (1, 1)
    (down,) = report["down_rated"]
    assert (down["question"], down["comment"]) == (QUESTION, COMMENT)
    assert down["citations"] and all(re.fullmatch(r"[a-z0-9.-]+#[a-z0-9-]+|source:[a-z0-9.-]+", c) for c in down["citations"])
    assert down["answer"] and "[1]" in down["answer"]
