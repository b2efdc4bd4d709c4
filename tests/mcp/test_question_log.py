"""ask_notes hands its answers to the question log when one is given (TMRAG_LOG_QUESTIONS), and
search_notes never does."""

from __future__ import annotations

from pathlib import Path

from tmrag.build.indexer import build_index
from tmrag.engine import Engine
from tmrag.insights.log import QuestionLog
from tmrag.insights.store import InsightsStore
from tmrag.mcp.server import NotesServer

from .test_tools import ANSWERED, call


def test_ask_notes_logs_its_answers(tiny_settings, fake_embedder, tmp_path: Path) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    engine = Engine.open(tiny_settings, embedder=fake_embedder)
    log = QuestionLog(InsightsStore(tmp_path / "data"), maxsize=10)
    server = NotesServer(lambda: engine, question_log=log)
    answered = call(server, "ask_notes", question=ANSWERED).structured_content
    call(server, "search_notes", query="attention")
    assert log.flush()
    (row,) = InsightsStore(tmp_path / "data").questions()
    assert (row.question, row.coverage, row.build_id) == (ANSWERED, answered["coverage"], answered["index"]["build_id"])
    assert row.vector is not None and row.top_modules
