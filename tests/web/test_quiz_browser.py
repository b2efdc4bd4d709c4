"""A full quiz round in the chat page, in headless Chromium against the real server on the real
index: switch to "Quiz me", limit to one category, answer a card, read the covered/missed feedback,
follow a missed point's citation to the highlighted passage, take the next card, open progress."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import ROOT
from .test_browser import browser, served  # noqa: F401 - the shared Chromium fixture

pytestmark = pytest.mark.slow
CATEGORY = "Inference"
ANSWER = "It comes from the GPU being fast at maths while memory traffic is what limits speed, using tiles in SRAM."


@pytest.fixture(scope="module")
def quiz_server(real_settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: ANN001
    with served({"TMRAG_INDEX_DIR": str(Path(real_settings.index_dir).resolve()), "TMRAG_CORPUS_DIR": str(ROOT / "corpus"),
                 "TMRAG_DATA_DIR": str(tmp_path_factory.mktemp("quizdata"))}) as base:
        yield base


def test_quiz_round(browser, quiz_server: str) -> None:  # noqa: ANN001, F811
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    try:
        page.goto(f"{quiz_server}/", wait_until="domcontentloaded")
        page.click("#mode-quiz")
        expect(page.locator("#quiz")).to_be_visible()
        expect(page.locator("#ask-form")).to_be_hidden()
        page.check(f"input[name=category][value='{CATEGORY}']")
        page.click("#quiz-start")
        prompt = page.locator("#quiz-prompt")
        expect(prompt).not_to_be_empty()
        first_prompt = prompt.text_content()
        assert CATEGORY in page.locator(".quiz-card .quiz-meta").text_content()

        page.fill("#quiz-answer", ANSWER)
        page.click("#quiz-submit")
        expect(page.locator("#quiz-score")).to_contain_text("%")
        points = page.locator(".quiz-points li")
        assert points.count() >= 1
        missed = page.locator("#quiz-missed a.cite")
        assert missed.count() >= 1, "a one-line answer should miss some key point"
        href = missed.first.get_attribute("href")
        assert href and "?hl=" in href

        page.click("#quiz-next")
        expect(prompt).not_to_have_text(first_prompt or "")
        page.click("#quiz-progress-button")
        charts = page.locator("#quiz-progress svg.quiz-chart")
        expect(charts).to_have_count(9)
        inference = page.locator(".quiz-cat", has_text=CATEGORY).first
        expect(inference.locator(".quiz-meta")).to_contain_text("1/")
        assert inference.locator("rect.seen").count() == 1

        page.goto(f"{quiz_server}{href}", wait_until="domcontentloaded")
        expect(page.locator("mark").first).to_be_visible()
        assert not errors, errors
    finally:
        context.close()
