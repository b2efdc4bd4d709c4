"""The answerability reader: verified weights, and a score that separates an answer from a near miss."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tmrag.answer.reader import READER_DIR, AnswerReader
from tmrag.errors import ModelError

pytestmark = pytest.mark.slow  # a real model, even if a small one


def test_reader_scores_a_stated_answer_above_a_near_miss() -> None:
    # A weak reader (review dev AUC 0.78): clear-cut pairs only.
    reader = AnswerReader()
    q = "How many layers does Llama 3 405B have?"
    stated = reader.score(q, "Llama 3 405B has 126 layers and a model dimension of 16,384.")
    near = reader.score(q, "A 405B-parameter dense transformer trained on 15.6T tokens, the configuration reported "
                           "for Llama 3 405B.")
    assert stated > near
    assert reader.score("What is the capital of France?", "Paris is the capital of France.") > 0 > \
        reader.score("What is the capital of France?", "France is a country in Europe with a large population.")


def test_reader_refuses_weights_that_do_not_match_their_hash(tmp_path: Path) -> None:
    shutil.copytree(READER_DIR, tmp_path / "reader")
    meta = json.loads((tmp_path / "reader" / "reader.json").read_text())
    meta["sha256"] = "0" * 64
    (tmp_path / "reader" / "reader.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="sha256"):
        AnswerReader(tmp_path / "reader").score("q?", "a.")
