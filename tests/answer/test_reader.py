"""The answerability reader: verified weights, and a score that separates an answer from a near miss."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tmrag.answer.reader import READER_DIR, AnswerReader
from tmrag.config import Settings
from tmrag.errors import ModelError

pytestmark = pytest.mark.slow  # a real model, even if a small one


def test_reader_scores_a_stated_answer_above_a_near_miss() -> None:
    # A small reader (held-out dev45 + dev46 AUC 0.84): clear-cut pairs, read against the
    # threshold below which coverage calls an answer partial.
    reader, partial_below = AnswerReader(), Settings().coverage_reader_logit
    q = "How many layers does Llama 3 405B have?"
    stated = reader.score(q, "Llama 3 405B has 126 layers and a model dimension of 16,384.")
    near = reader.score(q, "A 405B-parameter dense transformer trained on 15.6T tokens, the configuration reported "
                           "for Llama 3 405B.")
    assert stated > partial_below and stated > near
    assert reader.score("What is the capital of France?", "Paris is the capital of France.") > partial_below > \
        reader.score("What is the capital of France?", "France is a country in Europe with a large population.")


def test_reader_refuses_weights_that_do_not_match_their_hash(tmp_path: Path) -> None:
    shutil.copytree(READER_DIR, tmp_path / "reader")
    meta = json.loads((tmp_path / "reader" / "reader.json").read_text())
    meta["sha256"] = "0" * 64
    (tmp_path / "reader" / "reader.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="sha256"):
        AnswerReader(tmp_path / "reader").score("q?", "a.")


def test_a_numeric_question_restated_with_a_figure_of_its_own_is_answered_whatever_the_reader_says() -> None:
    from types import SimpleNamespace

    from tmrag.answer.reader_checks import restates_with_number

    def ranking(question: str, names: list[str], numeric: bool = True) -> SimpleNamespace:
        return SimpleNamespace(query=SimpleNamespace(text=question, names=names), intent=SimpleNamespace(numeric=numeric))

    q = ranking("How far did DeepSeek-R1-Zero's AIME 2024 pass@1 climb over RL?", ["DeepSeek-R1-Zero", "AIME"])
    stated = "DeepSeek-R1-Zero reported AIME 2024 pass@1 rising from 15.6% to 71.0% over RL training."
    assert restates_with_number(q, [stated])
    assert not restates_with_number(q, ["DeepSeek-R1-Zero reported AIME 2024 pass@1 rising over RL training."])  # no figure
    assert not restates_with_number(q, ["AIME 2024 pass@1 rose from 15.6% to 71.0% over RL."])  # not said of R1-Zero
    assert not restates_with_number(q, ["RL helps reasoning: one model rose to 71.0%."])  # little of the question
    assert not restates_with_number(ranking(q.query.text, q.query.names, numeric=False), [stated])


def test_an_assumed_or_default_figure_asked_for_and_said_as_such_is_answered_whatever_the_reader_says() -> None:
    from tmrag.answer.reader_checks import gives_asked_value

    assumed = ["For cost, optimize the LLM half.", "The traffic figures are assumptions for this exercise: 20M queries per day."]
    assert gives_asked_value("How many queries per day does the design review assume?", assumed)
    assert not gives_asked_value("How many queries per day does Perplexity actually handle?", assumed)
    assert not gives_asked_value("Assuming 20M queries per day, how many GPUs does it need?", assumed)  # a premise
    default = ["Hooks take a list of commands with optional timeouts; the documented default timeout is 60 seconds."]
    assert gives_asked_value("How long does the harness wait on a hook by default?", default)
    assert not gives_asked_value("How long does the harness wait on a hook by default?", ["Timeouts are optional."])
