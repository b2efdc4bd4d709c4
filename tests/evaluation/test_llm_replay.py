"""The loopback endpoint that measures LLM mode (scripts/llm_replay.py): it records each prompt and
replays the reply written for it, over real HTTP."""

from __future__ import annotations

import httpx

from ..conftest import load_script


def _ask(url: str, question: str) -> httpx.Response:
    messages = [{"role": "system", "content": "rules"}, {"role": "user", "content": f"Passages: …\n\nQuestion: {question}"}]
    return httpx.post(f"{url}/chat/completions", json={"model": "m", "messages": messages, "stream": True}, timeout=5)


def test_the_recorder_keeps_every_prompt_and_the_replayer_answers_each_by_its_own() -> None:
    replay = load_script("llm_replay")
    seen: list[dict] = []
    with replay.serving(replay.endpoint(None, seen)):
        url = replay.os.environ["TMRAG_LLM_BASE_URL"]
        assert replay.NOT_COVERED in _ask(url, "one?").text
    assert [s["messages"][-1]["content"].endswith("one?") for s in seen] == [True]
    written = {seen[0]["key"]: "Written for one [1]."}
    with replay.serving(replay.endpoint(written, [])):
        url = replay.os.environ["TMRAG_LLM_BASE_URL"]
        assert "Written for one [1]." in _ask(url, "one?").text
        assert _ask(url, "two?").status_code == 404  # no reply was written for it: nothing is made up
    assert "TMRAG_LLM_BASE_URL" not in replay.os.environ  # LLM mode is pointed at it only while it serves


def test_a_folders_prompt_settings_hold_while_its_replies_replay() -> None:
    replay = load_script("llm_replay")
    folder = replay.Path(__file__).resolve().parents[2] / "eval/llm-replies/dev38"
    kept = replay.json.loads((folder / "settings.json").read_text())
    replies, settings = replay.written(folder)
    assert settings == kept and len(replies) == len((folder / "prompts.jsonl").read_text().splitlines())
    assert set(kept) == {f"TMRAG_{n.upper()}" for n in replay.PROMPT_SETTINGS}
    with replay.serving(replay.endpoint({}, []), kept):
        from tmrag.config import Settings

        settings = Settings()
        assert [str(getattr(settings, n)) for n in replay.PROMPT_SETTINGS] == list(kept.values())
    assert "TMRAG_LLM_NEIGHBOURS" not in replay.os.environ


def test_a_quoted_list_item_is_found_though_its_chunk_ends_after_the_items_label() -> None:
    replay = load_script("llm_replay")
    quote = replay.folded("- **Stragglers and failures.** A synchronous step waits for the slowest GPU, and faults are routine.")
    first = replay.folded("- **Pipeline bubbles.** Uneven stages.\n- **Stragglers and failures.**")
    second = replay.folded("A synchronous step waits for the slowest GPU, and faults are routine. Next item.")
    assert replay.shown(quote, second) and not replay.shown(quote, first)
    assert not replay.shown(quote, replay.folded("A synchronous step waits for the fastest GPU."))


def test_a_second_record_serves_the_written_replies_and_briefs_only_the_new_prompts(tmp_path) -> None:  # noqa: ANN001
    replay = load_script("llm_replay")
    seen: list[dict] = []
    with replay.serving(replay.endpoint({}, seen, record_new=True)):
        _ask(replay.os.environ["TMRAG_LLM_BASE_URL"], "one?")
    first = {"item": "r-1", "key": seen[0]["key"], "system": "rules", "user": "Question: one?"}
    replay.write_briefs(tmp_path, [first], writers=1)
    (tmp_path / "c1.jsonl").write_text(replay.json.dumps({"item": "r-1", "completion": "One [1].\nNOT_STATED: x"}) + "\n")
    replies, _ = replay.written(tmp_path)
    with replay.serving(replay.endpoint(replies, seen, record_new=True)):
        url = replay.os.environ["TMRAG_LLM_BASE_URL"]
        assert "One [1]." in _ask(url, "one?").text
        assert replay.NOT_COVERED in _ask(url, "one, again?").text  # a follow-up nobody has answered yet
    again = {"item": "r-1#2", "key": seen[-1]["key"], "system": "rules", "user": "Question: one, again?"}
    replay.write_briefs(tmp_path, [again], writers=1)
    assert "r-1#2" in (tmp_path / "p1-r2.jsonl").read_text() and "r-1#2" not in (tmp_path / "p1.jsonl").read_text()
    assert "c1-r2.jsonl" in (tmp_path / "brief1-r2.md").read_text()
    (tmp_path / "c1-r2.jsonl").write_text(replay.json.dumps({"item": "r-1#2", "completion": "Both [2]."}) + "\n")
    replies, _ = replay.written(tmp_path)
    assert replies == {seen[0]["key"]: "One [1].\nNOT_STATED: x", seen[-1]["key"]: "Both [2]."}
