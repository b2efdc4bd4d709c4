"""LLM mode's check of a number a sentence works out itself from numbers the passages state."""

from __future__ import annotations

from tmrag.answer.arithmetic import derived
from tmrag.answer.numeric import quantity_forms


def worked_out(sentence: str, passages: str) -> bool:
    shown = set().union(*quantity_forms(passages, mantissas=True))
    written = quantity_forms(sentence, mantissas=True)
    return derived(written, [bool(forms & shown) for forms in written])


def test_a_result_one_step_from_the_numbers_before_it_passes_as_rounded() -> None:
    assert worked_out("S + K = 5,000 + 20,000 = 25,000 tokens.", "a 5,000-token summary and 20,000 tokens of state")
    assert worked_out("A 93.3% reduction leaves about 6.7% of the cache.", "MLA cuts the KV cache by 93.3%.")
    assert worked_out("A 2.35x reduction leaves about 43% of the cache.", "INT2 KV gives a 2.35x memory reduction.")
    assert worked_out("At 176.2M versus 135.3M it is about 30% larger.", "176.2M parameters; 135.3M parameters")
    assert worked_out("2 × 70 × 10^9 × 256 = 3.584×10^13 FLOPs", "2 FLOPs per parameter, 70B parameters, batch 256")


def test_a_number_said_again_in_another_unit_passes() -> None:
    assert worked_out("The mean response time is about 0.217 s, about 217 ms.", "mean response time 0.217 s")
    assert worked_out("Utilisation is 0.599, or 59.9% of capacity.", "utilisation 0.599")
    # a figure no unit step reaches is still a number no passage states
    assert not worked_out("The mean response time is about 0.217 s, about 271 ms.", "mean response time 0.217 s")


def test_a_result_off_by_more_than_its_rounding_or_ahead_of_its_operands_fails() -> None:
    assert not worked_out("S + K = 5,000 + 20,000 = 26,000 tokens.", "a 5,000-token summary and 20,000 tokens of state")
    assert not worked_out("A 2.35x reduction leaves about 45% of the cache.", "INT2 KV gives a 2.35x memory reduction.")
    # "32 ms" is 33 - 1, but nothing before it works it out
    assert not worked_out("TTFT under 1 s and TPOT under 32 ms, about 33 tokens/s.", "TTFT 1 s; TPOT 30 ms, about 33 tokens/s")
    # a changed figure is no percentage of the one before it ("6 bytes" is not 1/16 as a percent)
    assert not worked_out("Those 16 bytes are 6 bytes of bf16 weights.", "16 bytes per parameter, 2 bytes of bf16 weights")
