from types import SimpleNamespace

import pytest

from tmrag.answer.composing import both_sides_said


def _ranking(sides: list[str]) -> SimpleNamespace:
    return SimpleNamespace(intent=SimpleNamespace(sides=sides))


def test_a_comparison_missing_an_attribute_keeps_its_sides_and_one_missing_a_side_does_not() -> None:
    compared = _ranking(["DARE's drop-and-rescale", "inverse propensity scoring"])
    assert both_sides_said(compared, ["the multiplier"])
    assert not both_sides_said(_ranking(["Lion", "AdamW"]), ["Lion"])
    assert not both_sides_said(_ranking([]), ["the multiplier"])  # not a comparison
    # "model" describes a side without naming it, so a missing "model size" is no side
    assert both_sides_said(_ranking(["Flamingo-style model", "LLaVA model"]), ["the model size"])


@pytest.mark.slow
def test_a_which_of_two_answer_opens_with_its_verdict_and_quotes_the_results_it_rests_on(real_engine) -> None:  # noqa: ANN001
    answer = real_engine.ask("Planning the v8 encoder upgrade on the 5B-item embeddings platform: which takes longer on "
                             "the wall clock, re-embedding the whole catalogue on 200 GPUs at 1,000 items/s each, or "
                             "building one 625M-item HNSW shard at 20,000 insertions/s? Hours for each please.")
    assert answer.answer.startswith("Building one 625M-item HNSW shard at 20,000 insertions/s takes longer: "
                                    "8.7 hours against 6.9 hours. [1] [2]")
    assert "$80,640" not in answer.answer  # the cost sentence states neither side's hours
    assert [c.marker for c in answer.citations] == [1, 2]
    # asked for two kinds of quantity, the answer keeps the sentences that state the other kind
    both = real_engine.ask("Which is bigger: one layer's sparse autoencoder (16x expansion on a 4,096-wide residual "
                           "stream) or Llama 2 7B's input and output embedding matrices put together? Give the "
                           "parameter counts, plus the memory for each.")
    assert both.answer.startswith("One layer's sparse autoencoder is bigger: 2.15 GB against 524 MB.")
    assert "537M parameters" in both.answer


@pytest.mark.slow
def test_a_numeric_comparison_side_its_answer_never_names_gets_its_own_stated_result(real_engine) -> None:  # noqa: ANN001
    # the DiT worked numbers rank first; Flamingo's module adds another model's token counts
    answer = real_engine.ask("image token counts: flamingo after its perceiver resampler vs DiT with patch size 2 "
                             "on a 256x256 image, and how does each count change at 512x512?")
    assert "256 tokens" in answer.answer
    assert "Flamingo's Perceiver Resampler emits 64 visual tokens per image" in answer.answer
