from types import SimpleNamespace

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
