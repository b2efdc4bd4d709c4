"""Which questions the Evidence component retrieves part by part."""

from __future__ import annotations

import pytest

from tmrag.answer.evidence import separate_questions


@pytest.mark.parametrize(("question", "separate"), [
    # two lookups, each with its own question mark and question word
    ("how many parameters does GPT-2 small's learned position table have? and how many do RoPE or ALiBi add?", True),
    ("How many weights share one scale? And roughly how many calibration sequences do GPTQ and AWQ need?", True),
    # one worked case the second question goes on from: its parts share the example's numbers
    ("With 8 GPUs and 4 replicas, how many requests per second fit? What is the p99 then?", False),
    # one question, one question mark
    ("How many parameters does GPT-2 small's position table have, and how many does RoPE add?", False),
])
def test_separate_questions(question: str, separate: bool) -> None:
    assert separate_questions(question) is separate
