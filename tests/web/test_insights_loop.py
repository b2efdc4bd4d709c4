"""The owner's loop through the real app (tiny index, fake embedder) and real SQLite: questions
asked over HTTP are logged only when the log is on, feedback is validated and stored, and
`tmrag insights --json` groups the uncovered questions, counts them and exports golden candidates
that `tmrag eval` refuses until they are labelled."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from tmrag.cli import main
from tmrag.errors import GoldenFileError
from tmrag.evaluation.golden import load_golden

from .edge import ANSWERED, client, error, tiny_settings

# Two topics the tiny corpus lacks, phrased so the fake embedder's bag of words groups them.
HIKING = ["Where should I go hiking in spring?", "Where should I go hiking in spring?", "Where should I go hiking in summer?"]
BAKERY = ["When does the bakery open on Sunday?", "When does the bakery open on Monday?"]


def _metric(text: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", text, re.M)
    assert match, f"{name} missing from /metrics"
    return float(match.group(1))


def test_the_log_is_off_by_default_and_writes_nothing(tmp_path: Path) -> None:
    settings = tiny_settings(tmp_path, data_dir=tmp_path / "data")
    assert settings.log_questions is False
    c = client(settings)
    for q in [ANSWERED, *HIKING]:
        assert c.post("/ask", json={"question": q}).status_code == 200
    assert c.post("/ask/stream", json={"question": BAKERY[0]}).status_code == 200
    metrics = c.get("/metrics").text
    assert _metric(metrics, "tmrag_question_log_enabled") == 0
    assert _metric(metrics, "tmrag_question_log_written_total") == 0
    assert not (tmp_path / "data").exists()


def _streamed(text: str) -> dict:
    """The /ask/stream events folded into the fields the checks read."""
    body: dict = {"answer": ""}
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        data = json.loads(lines["data"])
        body["answer"] += data["text"] if lines["event"] == "answer" else ""
        body.update({k: v for k, v in data.items() if k in ("citations", "abstained", "coverage")})
    return body


def _ask_all(c, questions: list[str]) -> list[dict]:  # noqa: ANN001
    answers = []
    for n, q in enumerate(questions):
        resp = c.post("/ask/stream" if n % 2 else "/ask", json={"question": q})  # half streamed, as the page asks
        assert resp.status_code == 200
        answers.append(_streamed(resp.text) if n % 2 else resp.json())
    return answers


def _feedback_is_validated(c) -> None:  # noqa: ANN001
    ok = {"question": ANSWERED, "answer": "Because [1].", "citations": ["attention#overview"], "rating": "up"}
    error(c.post("/feedback", json={**ok, "rating": "sideways"}), 422, "invalid_request")
    error(c.post("/feedback", json={**ok, "comment": "x" * 2001}), 422, "invalid_request")
    error(c.post("/feedback", json={**ok, "citations": ["m#a"] * 21}), 422, "invalid_request")
    error(c.post("/feedback", json={**ok, "client_ip": "10.0.0.1"}), 422, "invalid_request")
    error(c.post("/feedback", json={k: v for k, v in ok.items() if k != "question"}), 422, "invalid_request")
    error(c.post("/feedback", content=b"rating=up", headers={"content-type": "text/plain"}), 415, "unsupported_media_type")
    error(c.post("/feedback", content=b"{" + b" " * 40_000 + b"}", headers={"content-type": "application/json"}),
          413, "payload_too_large")


def test_ask_rate_and_get_insights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    settings = tiny_settings(tmp_path, data_dir=tmp_path / "data", log_questions=True)
    c = client(settings)
    questions = [ANSWERED, *HIKING, *BAKERY, ANSWERED]
    answers = _ask_all(c, questions)
    _feedback_is_validated(c)
    good = answers[0]
    assert c.post("/feedback", json={"question": ANSWERED, "answer": good["answer"], "rating": "up"}).status_code == 204
    cited = [f"{x['module_id']}#{x['anchor']}" for x in good["citations"]]
    down = {"question": ANSWERED, "answer": good["answer"], "citations": cited, "rating": "down",
            "comment": "wrong <script>alert(1)</script>"}
    resp = c.post("/feedback", json=down)
    assert resp.status_code == 204 and resp.content == b""
    assert c.app.state.question_log.flush()
    assert _metric(c.get("/metrics").text, "tmrag_question_log_written_total") == len(questions)

    monkeypatch.setenv("TMRAG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TMRAG_CORPUS_DIR", str(settings.corpus_dir))
    golden, page = tmp_path / "candidates.jsonl", tmp_path / "report.html"
    assert main(["insights", "--since", "1d", "--json", "--export-golden", str(golden), "--html", str(page)]) == 0
    report = json.loads(capsys.readouterr().out)

    coverage = [a["coverage"] for a in answers]
    assert report["questions"] == len(questions)
    assert report["by_coverage"] == {k: coverage.count(k) for k in ("answered", "partial", "not_covered")}
    assert sum(d["answered"] + d["partial"] + d["not_covered"] for d in report["per_day"]) == len(questions)
    assert (report["feedback_up"], report["feedback_down"]) == (1, 1)
    _check_topics(report["topics"], questions, coverage)
    cited_modules = {x["module_id"] for a in answers if not a["abstained"] for x in a["citations"] if x["module_id"]}
    assert {m["name"] for m in report["most_cited_modules"]} == cited_modules
    assert set(report["never_cited_modules"]) == {"attention", "kv-cache"} - cited_modules
    (rated,) = report["down_rated"]
    assert (rated["question"], rated["comment"], rated["citations"]) == (ANSWERED, down["comment"], cited)
    assert "<script>" not in page.read_text() and "&lt;script&gt;" in page.read_text()
    assert 'src="data:image/png;base64,' in page.read_text()
    _check_export(golden, questions, coverage)


def _check_topics(topics: list[dict], questions: list[str], coverage: list[str]) -> None:
    gaps = {q for q, cov in zip(questions, coverage, strict=True) if cov != "answered"}
    assert gaps == set(HIKING) | set(BAKERY), "the fake index should answer all but the hiking and bakery questions"
    hiking, bakery = topics[0], topics[1]  # most asked first
    assert (hiking["asked"], hiking["distinct"]) == (3, 2) and "hiking" in hiking["terms"]
    assert set(hiking["examples"]) == set(HIKING)
    assert (bakery["asked"], bakery["distinct"]) == (2, 2) and "bakery" in bakery["terms"]
    assert hiking["nearest_module"] in ("attention", "kv-cache") and hiking["nearest_module"] in hiking["label"]
    assert sum(t["asked"] for t in topics) == sum(cov != "answered" for cov in coverage)


def _check_export(path: Path, questions: list[str], coverage: list[str]) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    not_covered = {q for q, cov in zip(questions, coverage, strict=True) if cov == "not_covered"}
    assert rows[0]["question"] == ANSWERED and "down-rated: wrong" in rows[0]["note"]  # rated down first
    assert {r["question"] for r in rows} == not_covered | {ANSWERED} and len(rows) == len({r["id"] for r in rows})
    assert all(r["relevant_modules"] == [] and r["answerable"] for r in rows)
    with pytest.raises(GoldenFileError, match=rf"{re.escape(str(path))}:1: ins-\w+: relevant_modules is empty"):
        load_golden(path)
    rows[0]["relevant_modules"] = ["attention"]  # the owner labels the first, declines the rest
    for r in rows[1:]:
        r["answerable"] = False
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert [q.id for q in load_golden(path)] == [r["id"] for r in rows]


def test_a_full_queue_drops_and_counts_while_answers_go_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tiny_settings(tmp_path, data_dir=tmp_path / "data", log_questions=True, log_queue_size=1)
    c = client(settings)
    log, release = c.app.state.question_log, threading.Event()
    write = log.store.add_questions
    monkeypatch.setattr(log.store, "add_questions", lambda rows: (release.wait(10), write(rows))[1])  # a stuck disk
    for q in [ANSWERED] * 5:
        assert c.post("/ask", json={"question": q}).status_code == 200
    dropped = _metric(c.get("/metrics").text, "tmrag_question_log_dropped_total")
    assert dropped >= 3 and dropped == log.dropped  # one entry in the writer's hands, one in the queue
    release.set()
    assert log.flush()
    assert log.written == 5 - dropped


def test_feedback_that_cannot_be_stored_is_a_503_saying_so(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the data folder should be")
    c = client(tiny_settings(tmp_path, data_dir=tmp_path / "data"))
    body = error(c.post("/feedback", json={"question": ANSWERED, "answer": "a", "rating": "up"}), 503, "storage_error")
    assert "insights database" in body["error"]["message"]
