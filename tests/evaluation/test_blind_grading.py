"""Blind grading batches (scripts/blind_grading.py): each batch comes with the brief a grader reads."""

from __future__ import annotations

import json
from pathlib import Path

from ..conftest import load_script


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_each_batch_has_a_brief_naming_only_its_batch_rubric_and_grades(tmp_path: Path) -> None:
    evidence = [{"section": "kv#x", "quote": "A token needs 0.5 MiB."}]
    questions = _write(tmp_path / "q.jsonl", [
        {"id": f"q{n}", "question": f"question {n}?", "answerable": True, "relevant_modules": ["kv"], "tags": ["numeric"],
         "must_contain": ["0.5 MiB"], "evidence": evidence if n else []} for n in range(3)])
    a = _write(tmp_path / "a.jsonl", [{"id": f"q{n}", "answer": "old", "citations": []} for n in range(3)])
    b = _write(tmp_path / "b.jsonl", [{"id": f"q{n}", "answer": "new" if n else "old", "citations": []} for n in range(3)])
    rubric = _write(tmp_path / "rubric.md", [])
    out = tmp_path / "g"
    versions = [("A", a), ("B", b)]
    load_script("blind_grading").batches(out, tmp_path / "key.json", versions, 2, rubric, whole=True, questions=questions)
    for n in (1, 2):
        brief = (out / f"brief{n}.md").read_text()
        assert str(out / f"batch{n}.jsonl") in brief and str(out / f"grades{n}.jsonl") in brief
        assert str(out / f"batch{3 - n}.jsonl") not in brief and str(out / "GRADING.md") in brief
        assert "module files" in brief  # q0 has no quoted evidence: its modules may be read
    key = json.loads((tmp_path / "key.json").read_text())
    assert sorted(v["version"] for v in key.values()) == ["A", "A", "A+B", "B", "B"]


def test_tally_lists_moved_questions_and_saves_the_new_grades(tmp_path: Path, capsys) -> None:
    questions = _write(tmp_path / "q.jsonl", [
        {"id": f"q{n}", "question": f"question {n}?", "answerable": True, "relevant_modules": ["kv"],
         "tags": ["numeric"], "must_contain": [], "evidence": []} for n in range(2)])
    key = {"i1": {"qid": "q0", "version": "A"}, "i2": {"qid": "q0", "version": "B"},
           "i3": {"qid": "q1", "version": "A+B"}}
    (tmp_path / "key.json").write_text(json.dumps(key))
    graded = tmp_path / "g"
    graded.mkdir()
    _write(graded / "grades1.jsonl", [
        {"item": "i1", "grade": "bad", "failure": "missing_side", "reason": "one side only"},
        {"item": "i3", "grade": "good", "failure": None, "reason": "fine"}])
    _write(graded / "grades2.jsonl", [{"item": "i2", "grade": "good", "failure": None, "reason": "both sides"}])
    saved = tmp_path / "saved.json"
    load_script("blind_grading").tally(tmp_path / "key.json", graded, "B", "A", None, questions, listed=True, save=saved)
    out = capsys.readouterr().out
    assert "q0 better bad -> good" in out and "one side only" in out and "both sides" in out
    assert "q1 better" not in out and "q1 worse" not in out  # an unchanged answer is graded once for both
    assert '"numeric better": 1' in out and '"numeric same": 1' in out
    assert json.loads(saved.read_text()) == {"q0": "good", "q1": "good"}
