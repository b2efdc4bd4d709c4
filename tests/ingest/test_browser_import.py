"""An imported corpus served for real: `tmrag import`, `tmrag index` and `tmrag serve` as processes
(real model), the chat page in headless Chromium showing the corpus's own categories and answering
with one of them as the filter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..web.test_browser import _ask_in_page, browser, served  # noqa: F401 - browser is a fixture
from .notes_folders import VAULT, write_folder

pytestmark = pytest.mark.slow
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def _tmrag(*args: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "tmrag", *args], capture_output=True, text=True, env=ENV, cwd=cwd,
                          timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def notes_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("imported")
    write_folder(work / "vault", VAULT)
    _tmrag("import", "vault", "--into", "notes", cwd=work)
    _tmrag("index", "--corpus", "notes", "--out", "idx", cwd=work)
    with served({**ENV, "TMRAG_CORPUS_DIR": str(work / "notes"), "TMRAG_INDEX_DIR": str(work / "idx")}, cwd=work) as base:
        yield base


def test_chat_page_filters_by_the_imported_categories(browser, notes_server: str) -> None:  # noqa: ANN001, F811
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block").new_page()
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/ask/stream") else None)
    page.goto(f"{notes_server}/", wait_until="domcontentloaded")
    boxes = page.locator("input[name=category]")
    expect(boxes).to_have_count(2)
    assert [boxes.nth(i).get_attribute("value") for i in range(2)] == ["Notes", "Serving"]
    page.locator("details:has(input[name=category])").evaluate("d => { d.open = true; }")
    page.locator("label.cat", has_text="Serving").click()
    _ask_in_page(page, "What does the KV cache keep?")
    assert sent[-1]["categories"] == ["Serving"]
    turn = page.locator("#conversation .turn").last
    expect(turn.locator(".scope")).to_have_text("Searched only: Serving")
    expect(turn.locator(".card.answer:not(.abstained)")).to_have_count(1)
    expect(turn.locator(".answer-text button.chip").first).to_be_visible()
