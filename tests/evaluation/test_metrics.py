"""Metrics on hand-computed cases."""

import math

import pytest

from tmrag.evaluation import metrics as M


def test_hit_recall_mrr() -> None:
    ranked = ["a", "b", "c", "d"]
    assert M.hit_at_k(ranked, {"c"}, 2) == 0.0 and M.hit_at_k(ranked, {"c"}, 3) == 1.0
    assert M.recall_at_k(ranked, {"b", "d", "z"}, 4) == pytest.approx(2 / 3)
    assert M.mrr_at_k(ranked, {"c", "d"}, 10) == pytest.approx(1 / 3)
    assert M.mrr_at_k(ranked, {"d"}, 3) == 0.0


def test_ndcg_hand_computed() -> None:
    # relevant at ranks 2 and 3 of 2 relevant: DCG = 1/log2(3) + 1/log2(4); IDCG = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert M.ndcg_at_k(["x", "a", "b"], {"a", "b"}, 10) == pytest.approx(expected)
    assert M.ndcg_at_k(["a", "b"], {"a", "b"}, 10) == pytest.approx(1.0)
    assert M.ndcg_at_k(["x"], set(), 10) == 0.0


def test_dedup_and_citation_precision() -> None:
    assert M.dedup(["a", None, "a", "b"]) == ["a", "b"]
    assert M.citation_precision(["a", "b", "a", "c"], {"a"}) == 0.5
    assert M.citation_precision([], {"a"}) is None


def test_answer_sentences_and_support() -> None:
    answer = "A [CLS] token is prepended. [1] Second claim [2] [3] Made up. [9] Uncited tail."
    assert M.answer_sentences(answer) == [("A [CLS] token is prepended.", [1]), ("Second claim", [2, 3]),
                                          ("Made up.", [9]), ("Uncited tail.", [])]
    quotes = {1: "Then a [CLS] token is prepended. More.", 3: "Second claim holds."}
    assert M.support_rate(answer, quotes, str.lower) == pytest.approx(2 / 4)


def test_a_generated_answer_may_cite_before_its_full_stop() -> None:
    answer = "Prefill is compute-bound [1]. Decode reads every weight [2][3]. It costs $2.50 [1]! Uncited."
    assert M.answer_sentences(answer) == [("Prefill is compute-bound.", [1]), ("Decode reads every weight.", [2, 3]),
                                          ("It costs $2.50!", [1]), ("Uncited.", [])]


def test_contains_recall_folds_latex_thousands() -> None:
    assert M.contains_recall("It is 524{,}288 bytes", ["524,288", "0.5 MiB"]) == 0.5
    assert M.contains_recall("x", []) is None


def test_contains_recall_reads_tex_and_plain_figures_alike() -> None:
    answer = "6ND = 5.88×10^23 FLOPs; 2 × 7×10¹⁰ = 1.4×10¹¹ per token; 1/64 ≈ 0.0156; it costs $0.97."
    assert M.contains_recall(answer, ["5.88\\times10^{23}", "1.4\\times10^{11}", "1/64 \\approx 0.0156", "$0.97"]) == 1.0
    # a price keeps its "$", and a figure still has to be the figure
    assert M.contains_recall("0.97 ms at 5.89×10^23", ["$0.97", "5.88\\times10^{23}"]) == 0.0


def test_a_precise_figure_is_found_by_its_value_a_round_one_only_as_written() -> None:
    assert M.contains_recall("right with probability 0.68256, about 1,304.2 GPU-seconds", ["68.3", "1,304"]) == 1.0
    assert M.contains_recall("the mean is 0.2171 s", ["0.217"]) == 1.0
    # a value that rounds elsewhere, and round figures a nearby number would match, are not found
    assert M.contains_recall("probability 0.6844", ["68.3"]) == 0.0
    assert M.contains_recall("about 3.6 GB, 19 ms and 8.1%", ["4", "20", "8%"]) == 0.0


def test_precision_recall_and_percentile() -> None:
    pred, actual = [True, True, False, False], [True, False, True, False]
    assert M.precision_recall(pred, actual) == (0.5, 0.5)
    assert M.precision_recall([False, False], [False, False]) == (None, None)  # undefined, not perfect
    assert M.percentile([1, 2, 3, 4], 50) == 2.5 and M.percentile([5], 95) == 5
    assert M.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


def test_eval_mode_selection_accepts_default_alias_and_names_the_choices() -> None:
    from tmrag.errors import ConfigError
    from tmrag.evaluation.runner import select_modes

    modes = {"bm25": {}, "dense": {}, "hybrid+module-bm25": {}}
    assert select_modes(modes, "hybrid+module-bm25", None) == modes
    assert list(select_modes(modes, "hybrid+module-bm25", "default, bm25")) == ["bm25", "hybrid+module-bm25"]
    with pytest.raises(ConfigError, match=r"unknown mode\(s\) nope; choose from default, bm25, dense"):
        select_modes(modes, "hybrid+module-bm25", "bm25,nope")
    with pytest.raises(ConfigError, match="none given"):
        select_modes(modes, "hybrid+module-bm25", " , ")


def test_baseline_comparison_knows_which_rates_should_fall() -> None:
    from tmrag.evaluation.runner import compare_baseline

    base = {"modes": {"m": {"mrr10": 0.90, "false_abstention": 0.02, "false_note": 0.05}}}
    better = {"modes": {"m": {"mrr10": 0.91, "false_abstention": 0.01, "false_note": 0.03}}}
    worse = {"modes": {"m": {"mrr10": 0.85, "false_abstention": 0.05, "false_note": 0.09}}}
    assert compare_baseline(better, base) == []
    assert sorted(d.split(":")[0] for d in compare_baseline(worse, base)) == [
        "m.false_abstention", "m.false_note", "m.mrr10"]


def test_coverage_metrics() -> None:
    assert M.names_missing(["the number of layers of Llama 3 405B"], "number of layers of Llama 3 405B")
    assert not M.names_missing(["Haiku"], "GPT-4o pricing")
    assert M.names_missing(["anything"], "")  # no label: any stated gap counts
    assert M.sides_cited(["flamingo-x", "llava-y"], [["flamingo-x"], ["llava-y", "other"]]) == 1.0
    assert M.sides_cited(["flamingo-x"], [["flamingo-x"], ["llava-y"]]) == 0.0
