"""`tmrag quiz` with piped input: a card, a graded answer with covered/missed points and where
they are quoted from, /skip, /progress, /quit; and the parser's filters."""

from __future__ import annotations

import io

import pytest

from tmrag.cli import build_parser
from tmrag.quiz import run_quiz

GOOD = ("Dot products of random vectors grow with the dimension, so unscaled scores get large. "
        "Large scores saturate the softmax and its gradients vanish.")


def test_a_piped_session(study) -> None:  # noqa: ANN001
    out = io.StringIO()
    run_quiz(study.engine, "cli-user", None, ["attention"], stdin=io.StringIO(f"{GOOD}\n/skip\n/progress\n/quit\n"), out=out)
    text = out.getvalue()
    assert text.count("[The Transformer · attention ·") == 3  # first card, after the answer, after /skip
    assert "Why scale the attention scores by the square root of d?" in text
    assert "Score " in text and "✓ Dot products of random vectors" in text and "Attention § Interview questions" in text
    assert "The Transformer" in text.split("Progress")[1]
    assert [r.seen for r in study.progress("cli-user").modules if r.name == "attention"] == [1]


def test_a_bad_profile_is_an_error(study) -> None:  # noqa: ANN001
    from tmrag.errors import InvalidQueryError

    with pytest.raises(InvalidQueryError, match="learner"):
        run_quiz(study.engine, "no spaces", None, None, stdin=io.StringIO(""), out=io.StringIO())


def test_parser() -> None:
    args = build_parser().parse_args(["quiz", "--category", "Inference", "--module", "kv-cache", "--profile", "me"])
    assert (args.category, args.module, args.profile) == (["Inference"], ["kv-cache"], "me")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["quiz", "--category", "Cooking"])
