"""Shorthand the notes spell out is spelled out in the question; the notes' own shorthand stays."""

from tmrag.query.shorthand import Shorthand

FREQUENCY = {"std": 2, "standard": 90, "eval": 103, "evaluations": 85, "tok": 0, "token": 689}


def test_rare_shorthand_is_spelled_out_and_the_notes_own_stays() -> None:
    shorthand = Shorthand(lambda word: FREQUENCY.get(word, 0))
    assert shorthand.expand("std at d=4096?") == "standard deviation at d=4096?"
    assert shorthand.expand("how big is the eval set?") == "how big is the eval set?"
    assert shorthand.expand("decode at 50 tok/s, d_std and seq2seq") == "decode at 50 tok/s, d_std and seq2seq"
