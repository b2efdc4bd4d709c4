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
