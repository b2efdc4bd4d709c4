"""The made-up sentences scripts/support_labels.py checks verification against."""

from __future__ import annotations

import json
import random
from pathlib import Path

from ..conftest import load_script

LABELS = Path(__file__).resolve().parents[2] / "eval/support-labels.jsonl"


def test_a_changed_digit_changes_one_digit_and_nothing_else() -> None:
    script = load_script("support_labels")
    rng = random.Random(0)
    for sentence in ("9.1 ms at 50% of 7.9 PFLOPS", "fp16 on an H100"):
        changed = script.changed_digit(sentence, rng)
        assert len(changed) == len(sentence)
        assert [(a, b) for a, b in zip(sentence, changed, strict=True) if a != b][0][0].isdigit()
        assert sum(a != b for a, b in zip(sentence, changed, strict=True)) == 1
    assert script.changed_digit("no digits here", rng) is None


def test_every_labelled_sentence_names_the_passages_its_prompt_showed() -> None:
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    assert {r["label"] for r in rows} <= {"supported", "partly", "unsupported"}
    assert all(r["passages"] and r["markers"] and r["sentence"].strip() for r in rows)
    assert {r["set"] for r in rows} == {"d35", "d36", "d37", "d38", "d39v4", "d39v5"}
