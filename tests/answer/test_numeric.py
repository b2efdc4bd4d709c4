"""Numeric questions: which candidate sentence looks like the asked case's result."""

from tmrag.answer.numeric import NumberScorer, numbers, wants_number
from tmrag.query.intent import classify

QUESTION = ("A cross-encoder reranker has an 87 ms mean service time and 4,630 peak QPS. Under an M/M/1 model, "
            "how many GPUs do you need for a p99 of 1 s versus 500 ms?")


def test_a_derived_result_outranks_a_set_up_line_and_prose() -> None:
    scorer = NumberScorer(numbers(QUESTION))
    result = "0.5 s SLO: 4,630 / 2.284 = 2,027.2, round up to 2,028 GPUs."
    set_up = "Assume each call occupies one GPU replica for a mean service time of 87 ms."
    prose = "Queueing delay grows without bound as a server approaches full utilization."
    assert scorer.result(result) > scorer.result(set_up) > scorer.result(prose)


def test_the_asked_case_counts_once_across_the_answer() -> None:
    scorer = NumberScorer(numbers(QUESTION))
    first = "With an 87 ms service time at 4,630 peak QPS the fleet needs 673 GPUs."
    again = "At 4,630 peak QPS and 87 ms that is 2,028 GPUs."
    other_case = "For 500 ms the allowed load per replica falls to 2.284 requests per second."
    assert scorer.case(again) > scorer.case(other_case)
    scorer.take(first)
    assert scorer.case(again) == 0 < scorer.case(other_case)


def test_which_questions_want_a_number() -> None:
    def wants(question: str) -> bool:
        return wants_number(classify(question, [], False), question)

    assert wants(QUESTION)
    assert wants("How many layers does GPT-3 have?")
    assert not wants("GRPO vs PPO: how does each estimate the advantage baseline?")  # a comparison in prose
    assert wants("Compare the KV cache of Llama 2 7B at 4,096 tokens with 32,768 tokens")


def test_the_worked_example_already_quoted_outranks_a_sibling_example_elsewhere() -> None:
    scorer = NumberScorer(numbers(QUESTION))
    sentence = "0.5 s SLO: 4,630 / 2.284 = 2,027.2, round up to 2,028 GPUs."
    scorer.take("Assume an 87 ms service time.", ("queueing", "worked-numbers"))
    assert scorer.case(sentence, ("queueing", "worked-numbers")) > scorer.case(sentence, ("other", "worked-numbers"))
    assert scorer.case(sentence, ("other", "worked-numbers")) == scorer.case(sentence)
