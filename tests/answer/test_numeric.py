"""Numeric questions: which candidate sentence looks like the asked case's result."""

import pytest

from tmrag.answer.numeric import NumberScorer, asked_units, case_values, derivatives, quantities, wants_number
from tmrag.query.intent import classify

QUESTION = ("A cross-encoder reranker has an 87 ms mean service time and 4,630 peak QPS. Under an M/M/1 model, "
            "how many GPUs do you need for a p99 of 1 s versus 500 ms?")


def test_a_derived_result_outranks_a_set_up_line_and_prose() -> None:
    scorer = NumberScorer(quantities(QUESTION))
    result = "0.5 s SLO: 4,630 / 2.284 = 2,027.2, round up to 2,028 GPUs."
    set_up = "Assume each call occupies one GPU replica for a mean service time of 87 ms."
    prose = "Queueing delay grows without bound as a server approaches full utilization."
    def total(sentence: str) -> float:
        return scorer.result(sentence) + scorer.case(sentence)

    # the set-up line only repeats the asked case's 87 ms: it restates a given, as prose restates the topic
    assert total(result) > max(total(set_up), total(prose))


def test_the_asked_case_counts_once_across_the_answer() -> None:
    scorer = NumberScorer(quantities(QUESTION))
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
    # items numbered "(1) … (2) …" count the parts: no number is asked
    assert not wants("Two questions: (1) in the Sora design, what happens to a prompt? (2) how is a push rolled back?")


def test_the_worked_example_already_quoted_outranks_a_sibling_example_elsewhere() -> None:
    scorer = NumberScorer(quantities(QUESTION))
    sentence = "0.5 s SLO: 4,630 / 2.284 = 2,027.2, round up to 2,028 GPUs."
    scorer.take("Assume an 87 ms service time.", ("queueing", "worked-numbers"))
    assert scorer.case(sentence, ("queueing", "worked-numbers")) > scorer.case(sentence, ("other", "worked-numbers"))
    assert scorer.case(sentence, ("other", "worked-numbers")) == scorer.case(sentence)


def test_a_quantity_meets_its_other_spellings() -> None:
    assert quantities("at 1K tokens versus 200K") == quantities("n = 1,000 and n = 200,000")
    assert quantities("a 1e24 FLOP budget") <= quantities("N = √(10^24/120) ≈ 9.1×10^10")
    assert quantities("about 91B parameters") == quantities("9.1×10¹⁰")
    assert quantities("right 20% of the time") >= quantities("p = 0.2") | quantities("20 runs")
    assert quantities("1.8 trillion tokens") == quantities("1.8T tokens") != quantities("1.8 tokens")


def test_a_line_labelled_with_the_asked_case_outranks_one_labelled_with_another() -> None:
    scorer = NumberScorer(quantities("the chance at Jaccard similarity 0.8 with 14 bands of 8 rows?"))
    asked = "s = 0.8: 0.8^8 = 0.1678, (0.8322)^14 = 0.0765, so P = 0.9235."
    other = "s = 0.5: 0.5^8 = 0.0039, (0.9961)^14 = 0.9467, so P = 0.0533."
    unlabelled = "So P = 0.9235 at 0.8, with 0.8^8 = 0.1678 and (0.8322)^14 = 0.0765."
    assert scorer.labelled(asked) == 1 and scorer.labelled(other) == -1 and scorer.labelled(unlabelled) == 0
    assert scorer.result(asked) > scorer.result(unlabelled) > scorer.result(other)


def test_a_number_inside_a_name_does_not_make_a_case_label() -> None:
    scorer = NumberScorer(quantities("What are Mixtral 8x7B's total and active parameter counts?"))
    assert scorer.labelled("Active with top-2: 2 × 176,160,768 × 32 = 11,274,289,152 expert parameters.") == 0


def test_a_sentence_stating_only_results_the_answer_already_holds_is_held_back() -> None:
    scorer = NumberScorer(quantities(QUESTION))
    again = "At 90% to 80% utilisation that is 2,028 GPUs."
    before = scorer.case(again)
    scorer.take("0.5 s SLO: 4,630 / 2.284 = 2,027.2, round up to 2,028 GPUs, or 90% to 80% utilisation.")
    assert scorer.case(again) < before
    assert scorer.case("The 1 s SLO needs 673 GPUs.") >= 0  # a new result is not held back


def test_a_worked_case_is_set_up_by_values_not_by_numbers_in_names() -> None:
    assert case_values("How far did DeepSeek-R1-Zero's AIME 2024 pass@1 climb?") == {"2024"}
    assert case_values("Llama-3-70B on 8xH100 at batch 256 with 2,000 cached tokens") == {"8", "256", "2000"}
    assert case_values("the toy BPE corpus: low x5, lower x2") == {"5", "2"}  # a multiplier is a value
    assert case_values("the 1F1B schedule vs GPipe with 8 micro-batches") == {"8"}  # a schedule's name, not values
    assert case_values("two parts: (1) with 8 GPUs, what breaks? 2) and at 16?") == {"8", "16"}  # item markers


def test_a_premise_that_derives_something_is_still_a_premise() -> None:
    scorer = NumberScorer(quantities("With 100 ms service time and 1,000 req/s, what does halving p99 cost?"))
    premise = "Assume a service time S = 100 ms per replica, so μ = 10 requests/s at 1,000 requests/s."
    result = "Halving p99 means ρ from 0.9 to 0.8, which costs 1.125×, or 12.5% more replicas at 100 ms."
    assert scorer.result(result) > scorer.result(premise)


def test_a_sentence_setting_up_another_case_is_held_back() -> None:
    scorer = NumberScorer(quantities("acceptance rate 0.8, 5 draft tokens, a draft costing 10% — the speedup?"))
    asked = "α = 0.8, γ = 5: iteration cost 1 + 5 × 0.1 = 1.5, speedup 3.689 / 1.5 ≈ 2.46x."
    sibling = "If the draft had proposed a token with q = 0.2 and p = 0.5, it would be accepted with probability 1."
    constants = "Regression at 0.8 with z = 1.96 needs about 1,772 items."  # the asked case with a formula's constants
    assert scorer.labelled(asked) == 1 and scorer.labelled(sibling) == -1 and scorer.labelled(constants) == 0
    assert scorer.labelled("L = ½(−3 − 1)² = 8.0") == 0  # a derivation, not a value set up


def test_a_bare_title_is_not_a_result() -> None:
    scorer = NumberScorer(quantities("acceptance rate 0.8, 5 draft tokens, a draft costing 10% — the speedup?"))
    title = "**Speedup with a draft costing c = 0.1 of the target.**"
    assert scorer.result(title, title=True) < scorer.result(title) - 0.1  # no premise credit, no case label


def test_the_line_that_sets_the_asked_derivative_equal_to_its_value_is_the_answer() -> None:
    scorer = NumberScorer(quantities("x=2, w1=0.5: what's dL/dw1?"), derivatives("x=2, w1=0.5: what's dL/dw1?"))
    assert derivatives("what's dL/dw1?") == {"dl/dw1"} == derivatives("∂ L/∂ w_1")
    asked = scorer.result(r"$\partial L/\partial w_1 = 12 \times x = 12 \times 2 = 24$.")
    other = scorer.result(r"$\partial L/\partial w_2 = -4 \times h = -4$.")
    assert asked > other  # the same kind of line for another weight does not state what was asked


def test_a_line_that_only_restates_the_questions_givens_is_not_the_answer() -> None:
    q = "TIES merge of τ2=[0.4,0.2,-0.01,-0.6] and τ1=[0.5,-0.1,0.02,0.3]: what merged vector?"
    scorer = NumberScorer(quantities(q))
    givens, result = r"$\tau_2 = [0.4, 0.2, -0.01, -0.6]$", r"Merged: $(0.5+0.4)/2 = 0.45$, then $-0.6$."
    assert scorer.case(givens) < scorer.case(result)  # nothing new in the givens line


def test_a_comparison_that_asks_by_how_much_wants_a_number() -> None:
    q = "retrieval vs long context: which is cheaper per question, and by how much?"
    assert wants_number(classify(q, [], False), q)
    q = "GQA vs MQA: how does each shrink the KV cache?"
    assert not wants_number(classify(q, ["GQA", "MQA", "KV"], False), q)


def test_a_value_in_scientific_notation_is_a_case_value_not_a_name() -> None:
    from tmrag.answer.numeric import case_values

    assert case_values("I have a 1e24 FLOP budget: what model size?") == {"1e+24"}
    assert case_values("Llama-3-70B on an H100 at 4K tokens") == {"4000"}


def test_a_tables_row_for_the_asked_case_outranks_a_labelled_line() -> None:
    q = "what are the signal and noise coefficients at t = 1?"
    scorer = NumberScorer.for_question(q)
    row = "Step t 1 — ᾱ_t: 0.9999; Signal √ᾱ_t: 0.99995; Noise √(1 − ᾱ_t): 0.0100."
    other = "Step t 250 — ᾱ_t: 0.524; Signal √ᾱ_t: 0.724; Noise √(1 − ᾱ_t): 0.690."
    assert scorer.result(row, table_row=True) > scorer.result(row) > scorer.result(other, table_row=True)


@pytest.mark.slow
def test_a_case_set_by_one_assigned_symbol_is_looked_up_in_its_worked_section(real_engine) -> None:  # noqa: ANN001
    # the table of the linear schedule sits in the next chunk of the section the set-up ranks in
    r = real_engine.ask("Under DDPM's linear beta schedule, how much noise has been mixed in after just the first "
                        "forward step? I'd like alpha-bar plus the signal and noise coefficients at t = 1.")
    assert "0.99995" in r.answer and "0.0100" in r.answer


def test_a_number_in_the_unit_the_question_asks_for_scores_above_one_in_another() -> None:
    question = "At 40% utilisation of an H100's 989 TFLOPS, what effective FLOP/s per GPU divides the clip's FLOPs?"
    assert asked_units(question) == {"FLOP/s"}  # not the TFLOPS it gives, nor the FLOPs it divides
    scorer = NumberScorer.for_question(question)
    asked = scorer.result("- Effective throughput: 0.4 × 989×10¹² = 3.956×10¹⁴ FLOP/s.")
    other = scorer.result("- Passes: 50 steps × 2 (guidance) = 100, so 100 × 4.0866×10¹⁶ = 4.0866×10¹⁸ FLOPs.")
    assert asked > other
    assert asked_units("what is the cost per clip?") == set()


def test_one_figure_written_several_ways_shares_a_form_when_mantissas_count() -> None:
    from tmrag.answer.numeric import quantity_forms

    model, notes = quantity_forms("312×10^12 FLOP/s and 4,096 and 10^-8", mantissas=True), \
        quantity_forms("312 TFLOPS, 989T, $d=4{,}096$, $\\epsilon = 10^{-8}$", mantissas=True)
    shown = set().union(*notes)
    assert all(forms & shown for forms in model)
    assert {"989", "9.89e+14"} in notes  # "989T" states 989 as well as 9.89×10^14
    # without mantissas a scaled figure is only its value, and LaTeX is read as it stands
    assert quantity_forms("312×10^12") == [{"3.12e+14"}] and {"4"} in quantity_forms("$d=4{,}096$")
