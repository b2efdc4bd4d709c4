"""tmrag chat's /up and /down rate the last answer into the insights store (no server), and its
questions are logged when the log is on."""

from __future__ import annotations

import io
import json

from tmrag.build.indexer import build_index
from tmrag.chat import run_chat
from tmrag.engine import Engine
from tmrag.insights.store import InsightsStore


def test_chat_rates_the_last_answer_and_logs_its_questions(tiny_settings, fake_embedder, tmp_path) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    engine = Engine.open(tiny_settings, embedder=fake_embedder)
    settings = tiny_settings.model_copy(update={"data_dir": tmp_path / "data", "log_questions": True})
    lines = "/up\nWhat does the KV cache store?\n/down the numbers are wrong\nWhy?\n/up\n"
    out = io.StringIO()
    assert run_chat(engine, as_json=True, stdin=io.StringIO(lines), out=out, settings=settings) == 0
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert events[0]["error"]["code"] == "nothing_to_rate"
    assert events[2] == {"event": "feedback", "rating": "down"} and events[4] == {"event": "feedback", "rating": "up"}
    store = InsightsStore(settings.data_dir)
    down, up = store.feedback()
    assert (down.question, down.rating, down.comment) == ("What does the KV cache store?", "down", "the numbers are wrong")
    assert down.answer == events[1]["answer"] and down.build_id == events[1]["index"]["build_id"]
    assert down.citations == [f"{c['module_id']}#{c['anchor']}" for c in events[1]["citations"]]
    assert (up.question, up.resolved_question) == ("Why?", events[3]["resolved_question"])
    logged = store.questions()  # written before run_chat returned
    assert [q.question for q in logged] == ["What does the KV cache store?", "Why?"]
    assert all(q.vector is not None for q in logged)


def test_chat_without_the_log_stores_only_ratings(tiny_settings, fake_embedder, tmp_path) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    engine = Engine.open(tiny_settings, embedder=fake_embedder)
    settings = tiny_settings.model_copy(update={"data_dir": tmp_path / "data"})
    run_chat(engine, as_json=True, stdin=io.StringIO("What does the KV cache store?\n"), out=io.StringIO(), settings=settings)
    assert not (tmp_path / "data").exists()
    run_chat(engine, as_json=True, stdin=io.StringIO("What does the KV cache store?\n/up\n"), out=io.StringIO(),
             settings=settings)
    store = InsightsStore(settings.data_dir)
    assert store.questions() == [] and [f.rating for f in store.feedback()] == ["up"]


def test_a_rating_that_cannot_be_stored_is_reported_and_the_chat_goes_on(tiny_settings, fake_embedder, tmp_path) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    engine = Engine.open(tiny_settings, embedder=fake_embedder)
    (tmp_path / "data").write_text("a file where the data folder should be")
    settings = tiny_settings.model_copy(update={"data_dir": tmp_path / "data"})
    out = io.StringIO()
    lines = "What does the KV cache store?\n/down wrong\nWhy?\n"
    run_chat(engine, as_json=True, stdin=io.StringIO(lines), out=out, settings=settings)
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert events[1]["error"]["code"] == "storage_error" and events[2]["resolved_question"]
