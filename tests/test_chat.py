"""tmrag chat on a tiny index: follow-ups in context, /new, JSON lines, bad input."""

from __future__ import annotations

import io
import json

from tmrag.build.indexer import build_index
from tmrag.chat import run_chat
from tmrag.engine import Engine


def test_chat_answers_follow_ups_in_context_and_starts_over(tiny_settings, fake_embedder) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    engine = Engine.open(tiny_settings, embedder=fake_embedder)
    lines = "What does the KV cache store?\nWhy?\n/new\nWhy?\n\n" + "x" * 2001 + "\n/quit\nnot reached\n"
    out = io.StringIO()
    assert run_chat(engine, as_json=True, stdin=io.StringIO(lines), out=out) == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    first, follow_up, reset, alone, error = records  # the blank line is skipped, /quit ends before the last
    assert first["resolved_question"] == "What does the KV cache store?"
    assert "KV cache" in follow_up["resolved_question"] and follow_up["resolved_question"] != "Why?"
    assert reset == {"event": "new_conversation"}
    assert alone["resolved_question"] == "Why?"  # nothing to lean on after /new
    assert error["error"]["code"] == "invalid_query"


def test_chat_text_mode_shows_what_was_searched(tiny_settings, fake_embedder) -> None:  # noqa: ANN001
    build_index(tiny_settings, embedder=fake_embedder)
    engine = Engine.open(tiny_settings, embedder=fake_embedder)
    out = io.StringIO()
    run_chat(engine, as_json=False, stdin=io.StringIO("What does the KV cache store?\nWhy?\n"), out=out)
    assert out.getvalue().count("Searched: ") == 1 and "Searched: Why? (context: What does the KV cache store?)" in out.getvalue()


def test_a_context_vector_that_sums_to_nothing_falls_back_to_embedding_the_text(tiny_settings, fake_embedder) -> None:  # noqa: ANN001
    from tmrag.engine import Engine

    build_index(tiny_settings, embedder=fake_embedder)
    engine = Engine.open(tiny_settings, embedder=fake_embedder)
    assert engine.context_vector("?!", "?! (context: …)") is None  # the fake's vectors of no words are zero
    assert engine.context_vector("why?", "why? (context: What is the KV cache?)") is not None
