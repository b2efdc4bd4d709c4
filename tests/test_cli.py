"""The CLI verbs on the real index (slow), the module entry point, `serve`'s bind and errors under --json."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from tmrag.cli import main

from .conftest import real_index_turn
from .fakes import write_corpus


def _args(settings) -> list[str]:  # noqa: ANN001
    return ["--corpus", str(settings.corpus_dir), "--out", str(settings.index_dir)]


@pytest.mark.slow
def test_ask_prints_markers_citations_and_sources(real_settings, capsys) -> None:  # noqa: ANN001
    assert main(["ask", "Which paper introduced the Transformer?", *_args(real_settings)]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "Citations:" in out and "vaswani-2017-attention" in out


@pytest.mark.slow
def test_ask_prints_a_note_for_names_the_cited_passages_never_mention(real_settings, capsys) -> None:  # noqa: ANN001
    question = "How much does Anthropic charge per million input tokens for Claude Haiku?"
    assert main(["ask", question, *_args(real_settings)]) == 0
    # the answer itself opens by saying what the notes don't state (a partial answer)
    assert capsys.readouterr().out.startswith(
        "The notes don't state how much does Anthropic charge per million input tokens for Claude Haiku;")
    assert main(["ask", question, "--json", *_args(real_settings)]) == 0
    assert json.loads(capsys.readouterr().out)["unmentioned_terms"] == ["Haiku"]


@pytest.mark.slow
def test_ask_and_search_json_follow_the_http_contract(real_settings, capsys) -> None:  # noqa: ANN001
    assert main(["ask", "What does LoRA train?", "--json", *_args(real_settings)]) == 0
    r = json.loads(capsys.readouterr().out)
    assert {"answer", "abstained", "citations", "sources", "index", "timings_ms"} <= set(r)
    assert main(["search", "LoRA rank", "-k", "3", "--json", *_args(real_settings)]) == 0
    assert len(json.loads(capsys.readouterr().out)["results"]) == 3


@pytest.mark.slow
def test_errors_are_messages_not_tracebacks(real_settings, tmp_path, capsys) -> None:  # noqa: ANN001
    assert main(["ask", "hi", "--corpus", str(real_settings.corpus_dir), "--out", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert "run `tmrag index`" in err and "Traceback" not in err


@pytest.mark.slow
def test_python_dash_m_and_index_up_to_date(real_settings) -> None:  # noqa: ANN001
    with real_index_turn():  # another xdist worker may be building the real index right now
        out = subprocess.run([sys.executable, "-m", "tmrag", "index", *_args(real_settings)], capture_output=True,
                             text=True, check=True)
    assert "up to date" in out.stdout


@pytest.mark.slow
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


@pytest.mark.slow
def test_bad_questions_options_and_settings_are_one_line_errors(real_settings, tmp_path, capsys,  # noqa: ANN001
                                                                 monkeypatch) -> None:
    nowhere = ["--corpus", str(real_settings.corpus_dir), "--out", str(tmp_path / "none")]
    # Checked before anything loads: a 50,000-character argv can crash the ONNX Runtime import.
    assert main(["ask", "x" * 50000, *nowhere]) == 1
    assert capsys.readouterr().err == "tmrag: question is 50000 characters; the limit is 2000\n"
    assert main(["search", "kv cache \udcff", *nowhere]) == 1  # undecodable bytes from the shell
    assert capsys.readouterr().err == "tmrag: query is not valid UTF-8 text\n"
    for argv in (["search", "kv", "-k", "0"], ["ask", "kv", "-k", "-3"], ["search", "kv", "-k", "51"],
                 ["serve", "--port", "70000"]):  # -k: 1-50, as over HTTP
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2 and "Traceback" not in capsys.readouterr().err
    monkeypatch.setenv("TMRAG_FUSION", "bogus")
    assert main(["ask", "kv cache", *nowhere]) == 1
    assert capsys.readouterr().err.startswith("tmrag: invalid setting: TMRAG_FUSION: Input should be 'rrf'")


def _serve(tmp_path: Path, port: int) -> subprocess.Popen:
    # No corpus there: the engine fails to load at once (reported by /readyz), so no model loads in these tests.
    return subprocess.Popen([sys.executable, "-m", "tmrag", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--corpus", str(tmp_path / "no-corpus"), "--out", str(tmp_path / "no-index")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serve_on_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _serve(tmp_path, port)
        try:
            out, err = proc.communicate(timeout=20)
        finally:
            proc.kill()
    assert (proc.returncode, out) == (1, "")
    assert err == f"tmrag: cannot listen on 127.0.0.1:{port}: Address already in use\n"  # no "serving on", no traceback


def test_serve_on_an_address_not_on_this_machine_is_one_line(capsys: pytest.CaptureFixture) -> None:
    assert main(["serve", "--host", "203.0.113.1", "--port", "0"]) == 1  # TEST-NET-3: never a local address
    assert capsys.readouterr().err == "tmrag: cannot listen on 203.0.113.1:0: Cannot assign requested address\n"


def test_serve_prints_the_bound_url_once_listening(tmp_path: Path) -> None:
    proc = _serve(tmp_path, 0)
    watchdog = threading.Timer(20, proc.kill)  # a server that never says it listens fails the test, not hangs it
    watchdog.start()
    try:
        first = proc.stderr.readline()
        match = re.fullmatch(r"tmrag serving on http://127\.0\.0\.1:(\d+)/\n", first)
        assert match and int(match[1]) != 0, first  # port 0 is reported as the port the kernel picked
        with urllib.request.urlopen(f"http://127.0.0.1:{match[1]}/healthz", timeout=10) as response:
            assert response.status == 200
    finally:
        watchdog.cancel()
        proc.terminate()
        proc.communicate(timeout=20)


def test_errors_under_json_are_the_http_error_shape_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = write_corpus(tmp_path / "bad", {"attention": "\n## Overview\n\nCited [@nowhere-2020].\n"})
    index = ["--out", str(tmp_path / "no-index")]
    assert main(["ask", "What is attention?", "--json", "--corpus", str(bad), *index]) == 1
    out, err = capsys.readouterr()
    error = json.loads(out)["error"]
    assert error["code"] == "corpus_error"
    assert re.search(r": \d+ corpus error\(s\); `tmrag corpus check` lists them$", error["message"])
    assert any(re.search(r"bad/modules/attention\.md:\d+: error: .*nowhere-2020", p) for p in error["problems"])
    assert err == ""
    assert main(["search", "x" * 3000, "--json", *index]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "error": {"code": "invalid_query", "message": "query is 3000 characters; the limit is 2000"}}
    assert main(["corpus", "stats", "--json", "--corpus", str(tmp_path / "none")]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "corpus_error"
    # Without --json (and for eval, whose --json names a report file) errors stay lines on stderr.
    assert main(["ask", "What is attention?", "--corpus", str(bad), *index]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines()[-1].endswith("corpus error(s); `tmrag corpus check` lists them")
    assert "attention.md" in err
    assert main(["eval", "--json", str(tmp_path / "r.json"), "--golden", str(tmp_path / "none.jsonl"),
                 "--corpus", str(bad), *index]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("tmrag: ")


def test_serve_socket_is_tcp_so_asyncio_disables_nagle() -> None:
    """asyncio sets TCP_NODELAY on accepted connections only when the listening socket's proto
    is IPPROTO_TCP; with proto 0 each HTTP response waited ~40 ms for a delayed ACK."""
    import socket

    from tmrag.commands import bind

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
