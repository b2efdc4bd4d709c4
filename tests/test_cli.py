"""The CLI verbs on the real index (slow) and the module entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tmrag.cli import main

pytestmark = pytest.mark.slow


def _args(settings) -> list[str]:  # noqa: ANN001
    return ["--corpus", str(settings.corpus_dir), "--out", str(settings.index_dir)]


def test_ask_prints_markers_citations_and_sources(real_settings, capsys) -> None:  # noqa: ANN001
    assert main(["ask", "Which paper introduced the Transformer?", *_args(real_settings)]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "Citations:" in out and "vaswani-2017-attention" in out


def test_ask_prints_a_note_for_names_the_cited_passages_never_mention(real_settings, capsys) -> None:  # noqa: ANN001
    question = "How much does Anthropic charge per million input tokens for Claude Haiku?"
    assert main(["ask", question, *_args(real_settings)]) == 0
    assert "Note: the cited passages never mention Haiku" in capsys.readouterr().out
    assert main(["ask", question, "--json", *_args(real_settings)]) == 0
    assert json.loads(capsys.readouterr().out)["unmentioned_terms"] == ["Haiku"]


def test_ask_and_search_json_follow_the_http_contract(real_settings, capsys) -> None:  # noqa: ANN001
    assert main(["ask", "What does LoRA train?", "--json", *_args(real_settings)]) == 0
    r = json.loads(capsys.readouterr().out)
    assert {"answer", "abstained", "citations", "sources", "index", "timings_ms"} <= set(r)
    assert main(["search", "LoRA rank", "-k", "3", "--json", *_args(real_settings)]) == 0
    assert len(json.loads(capsys.readouterr().out)["results"]) == 3


def test_errors_are_messages_not_tracebacks(real_settings, tmp_path, capsys) -> None:  # noqa: ANN001
    assert main(["ask", "hi", "--corpus", str(real_settings.corpus_dir), "--out", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert "run `tmrag index`" in err and "Traceback" not in err


def test_python_dash_m_and_index_up_to_date(real_settings) -> None:  # noqa: ANN001
    out = subprocess.run([sys.executable, "-m", "tmrag", "index", *_args(real_settings)], capture_output=True,
                         text=True, check=True)
    assert "up to date" in out.stdout


def test_eval_rejects_bad_golden_files_and_baselines_with_file_line_messages(real_settings, tmp_path,  # noqa: ANN001
                                                                             capsys) -> None:
    good = {"id": "x-1", "question": "What does the KV cache store?", "relevant_modules": ["kv-cache"],
            "answerable": True, "tags": ["single"]}
    lines = [good, {**good, "relevant_modules": "kv-cache"}, "not json", {**good, "question": "dup"},
             {**good, "id": "x-4", "relevant_modules": ["kv-cahce"], "relevant_sections": ["kv-cache#nope"]}]
    golden = tmp_path / "golden.jsonl"
    golden.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    base = ["eval", *_args(real_settings), "--split", "all", "--reports-dir", str(tmp_path / "r")]
    assert main([*base, "--golden", str(golden)]) == 1
    err = capsys.readouterr().err
    assert f"{golden}:2: relevant_modules must be a list of strings" in err
    assert f"{golden}:3: invalid JSON" in err and f"{golden}:4: duplicate id 'x-1'" in err
    golden.write_text("\n".join(json.dumps(x) for x in (lines[0], lines[4])) + "\n")
    assert main([*base, "--golden", str(golden)]) == 1
    err = capsys.readouterr().err
    assert f"{golden}:2: x-4: unknown module 'kv-cahce'" in err and "unknown section 'kv-cache#nope'" in err
    for args, message in (([], "No such file or directory"), (["--golden", str(tmp_path / "none.jsonl")], ""),
                          (["--golden", str(golden), "--modes", "nope"], "unknown mode(s) nope")):
        assert main([*base, "--baseline", str(tmp_path / "missing.json"), *args]) == 1
        err = capsys.readouterr().err
        assert err.startswith("tmrag: ") and message in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()  # every check ran before the slow part


def test_bad_questions_options_and_settings_are_one_line_errors(real_settings, tmp_path, capsys,  # noqa: ANN001
                                                                 monkeypatch) -> None:
    nowhere = ["--corpus", str(real_settings.corpus_dir), "--out", str(tmp_path / "none")]
    # Checked before anything loads (a 50,000-character argv used to crash the ONNX Runtime import).
    assert main(["ask", "x" * 50000, *nowhere]) == 1
    assert capsys.readouterr().err == "tmrag: question is 50000 characters; the limit is 2000\n"
    assert main(["search", "kv cache \udcff", *nowhere]) == 1  # undecodable bytes from the shell
    assert capsys.readouterr().err == "tmrag: query is not valid UTF-8 text\n"
    for argv in (["search", "kv", "-k", "0"], ["ask", "kv", "-k", "-3"], ["serve", "--port", "70000"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2 and "Traceback" not in capsys.readouterr().err
    monkeypatch.setenv("TMRAG_FUSION", "bogus")
    assert main(["ask", "kv cache", *nowhere]) == 1
    assert capsys.readouterr().err.startswith("tmrag: invalid setting: TMRAG_FUSION: Input should be 'rrf'")
