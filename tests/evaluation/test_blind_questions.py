"""The fresh-question tooling (scripts/blind_questions.py): writer briefs and the check of what they wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import ROOT, load_script

NOTES = {"kv": "---\nid: kv\n---\n# KV\n\n## Worked numbers: KV cache\n\nA token needs 0.5 MiB of cache in fp16.\n"}


def _question(**changes: object) -> dict:
    q = {"id": "r-1", "question": "How much KV cache per token?", "relevant_modules": ["kv"],
         "relevant_sections": ["kv#worked-numbers-kv-cache"], "relevant_sources": [], "answerable": True,
         "must_contain": ["0.5 MiB"], "tags": ["numeric", "dev", "dev99", "review"], "sides": [], "side_modules": [],
         "missing": "", "evidence": [{"section": "kv#worked-numbers-kv-cache",
                                      "quote": "A token needs 0.5 MiB of cache in fp16."}]}
    q.update(changes)
    return q


def test_a_question_true_to_the_notes_has_no_problems() -> None:
    assert load_script("blind_questions").problems(_question(), NOTES) == []


@pytest.mark.parametrize(("changes", "problem"), [
    ({"relevant_sections": ["kv#worked-numbers"]}, "unknown section kv#worked-numbers"),
    ({"evidence": [{"section": "kv", "quote": "A token needs 1 MiB of cache."}]}, "quote not verbatim"),
    ({"must_contain": ["0.25 MiB"]}, "must_contain '0.25 MiB' is in none of its modules"),
    ({"answerable": False}, "answerable does not match the tags"),
    ({"relevant_modules": ["vit"]}, "unknown module vit"),
])
def test_each_way_a_question_departs_from_the_notes_is_named(changes: dict, problem: str) -> None:
    assert any(p.startswith(problem) for p in load_script("blind_questions").problems(_question(**changes), NOTES))


def test_a_section_with_only_subsections_is_named_as_one_the_index_has_no_passage_for() -> None:
    notes = {"kv": "---\nid: kv\n---\n# KV\n\n## Worked numbers\n\n### Per token\n\nA token needs 0.5 MiB of cache.\n"}
    script = load_script("blind_questions")
    named = script.problems(_question(relevant_sections=["kv#worked-numbers"], evidence=[]), notes)
    assert any("only subsections" in p for p in named)
    assert script.problems(_question(relevant_sections=["kv#per-token"], evidence=[]), notes) == []


def test_a_writer_gets_twenty_ids_and_a_share_of_the_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = load_script("blind_questions")
    assert script.id_range("r-9761", 20)[-1] == "r-9780" and script.id_range("r-10001", 3) == ["r-10001", "r-10002",
                                                                                                 "r-10003"]
    monkeypatch.chdir(ROOT)
    script.briefs(tmp_path, "dev99", ["r-1", "r-101"], seed=1)
    shares = [set((tmp_path / f"modules{n}.txt").read_text().split()) for n in (1, 2)]
    assert shares[0] and not shares[0] & shares[1]  # every module to one writer
    brief = (tmp_path / "brief2.md").read_text()
    assert '"r-101" … "r-120"' in brief and '"dev99"' in brief and str(tmp_path / "q2.jsonl") in brief
    existing = (tmp_path / "existing.txt").read_text().splitlines()
    assert json.loads((ROOT / "eval" / "review.jsonl").read_text().splitlines()[0])["question"].split()[0] in existing[0]
