"""CI gate: the golden test split through the real index must stay above these floors.

Floors = the values `tmrag eval --split test` measures with the default configuration (chunks of
160 tokens without overlap, MiniLM-L6, hybrid RRF + module-bm25 reranker) minus a margin of about
3 questions, so a real regression fails the build but run-to-run noise does not. Raise them when
the system improves.

The test labels were audited blind (an annotator who saw only the questions and the notes listed
every module that answers each question, with verbatim evidence), and only the additions rated
"strong" were applied, so the floors do not reward fitting the labels to the system."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tmrag.evaluation.golden import load_golden
from tmrag.evaluation.runner import default_mode, modes_for, run_eval

from ..conftest import ROOT

pytestmark = pytest.mark.slow

MEASURED = {"hit5": 1.000, "mrr10": 0.946, "ndcg10": 0.941, "bib_hit": 0.870, "cites_relevant": 0.928,
            "support": 1.000, "abstain_recall": 0.692, "false_abstention": 0.027,
            "caught_or_noted": 0.846, "false_note": 0.027, "coverage_recall": 0.923, "false_partial": 0.072}
# Margins: ~3 of 111 answerable test questions (0.027); 2 of 23 bibliography ones; 1 of 13 unanswerable.
FLOORS = {"hit5": 0.97, "mrr10": 0.92, "ndcg10": 0.91, "bib_hit": 0.78, "cites_relevant": 0.90, "support": 1.0,
          "abstain_recall": 0.61, "caught_or_noted": 0.76, "coverage_recall": 0.84}
CEILINGS = {"false_abstention": 0.055, "false_note": 0.075, "false_partial": 0.11}

# The review set's test split (eval/review.jsonl: written blind, with verbatim evidence, by a helper
# who never saw system output): 188 answerable, 28 unanswerable, 48 with two or more sides, 79
# numeric with must-contain numbers. Margins: 1 of 28, ~3 of 188, 1 of 48, 3 of 79.
REVIEW_MEASURED = {"coverage_recall": 0.821, "false_partial": 0.048, "sides_cited": 0.938, "must_all": 0.734,
                   "cites_relevant": 0.973, "support": 1.000}
REVIEW_FLOORS = {"coverage_recall": 0.71, "sides_cited": 0.91, "must_all": 0.68, "cites_relevant": 0.95, "support": 1.0}
REVIEW_CEILINGS = {"false_partial": 0.06}
# The same split typed all in lower case, as many users type (`tmrag eval --lowercase`): names then
# carry no capitals for the checks to see. Measured: coverage recall 0.714 (0.179 before the notes'
# spellings were restored), false partial 0.043, every expected number 0.734, cites-relevant 0.973.
LOWERCASE_FLOORS = {"coverage_recall": 0.5, "must_all": 0.68, "cites_relevant": 0.95, "support": 1.0}


def test_golden_set_shape() -> None:
    qs = load_golden(ROOT / "eval" / "golden.jsonl")
    assert len(qs) >= 250 and len({q.id for q in qs}) == len(qs)
    kinds = [q.type for q in qs]
    assert kinds.count("multi") >= 25 and kinds.count("bibliography") >= 25 and kinds.count("unanswerable") >= 25
    assert sum(bool(q.must_contain) for q in qs) >= 30
    assert {q.split for q in qs} == {"dev", "test"}
    # The near-topic calibration supplement (c-*, written after test misses were seen) stays in dev.
    assert all(q.split == "dev" for q in qs if "calibration" in q.tags or q.id.startswith("c-"))
    # So do the blind questions (e-*, written by annotators who never saw system output) and the
    # definition questions (d-*, generated from glossary entries): they were added after test
    # results were known, and the test split stays as it was when the targets were set.
    assert all(q.split == "dev" for q in qs if q.id[:2] in ("e-", "d-"))
    modules = {p.stem for p in (ROOT / "corpus" / "modules").glob("*.md")}
    single = [m for q in qs if q.type == "single" for m in q.relevant_modules]
    assert all(single.count(m) >= 2 for m in modules)
# Short chat-box questions (eval/short.jsonl, test split: 35 answerable, 15 not; written blind in
# session 24). Measured: coverage recall 0.750, false partial 0.000, false abstention 0.000,
# must-contain recall 0.941, sides 1.000, cites-relevant 1.000. Margins: 2 of 16, 2 of 34.
SHORT_FLOORS = {"coverage_recall": 0.62, "must_recall": 0.88, "cites_relevant": 0.94, "support": 1.0}
SHORT_CEILINGS = {"false_partial": 0.06, "false_abstention": 0.06}


def _gate(engine, path: Path, floors: dict, ceilings: dict, lowercase: bool = False) -> None:  # noqa: ANN001
    questions = [q for q in load_golden(path) if q.split == "test"]
    questions = [replace(q, question=q.question.lower()) for q in questions] if lowercase else questions
    mode = default_mode(engine.settings)
    report = run_eval(engine, questions, {mode: modes_for(engine.settings)[mode]}, mode)
    got = report["modes"][mode]
    failures = [f"{k}: {got[k]:.3f} < floor {v}" for k, v in floors.items() if got[k] < v]
    failures += [f"{k}: {got[k]:.3f} > ceiling {v}" for k, v in ceilings.items() if got[k] > v]
    assert not failures, "; ".join(failures)


def test_test_split_stays_above_floors(real_engine) -> None:  # noqa: ANN001
    _gate(real_engine, ROOT / "eval" / "golden.jsonl", FLOORS, CEILINGS)


def test_review_test_split_stays_above_floors(real_engine) -> None:  # noqa: ANN001
    _gate(real_engine, ROOT / "eval" / "review.jsonl", REVIEW_FLOORS, REVIEW_CEILINGS)


def test_review_test_split_typed_in_lower_case_stays_above_floors(real_engine) -> None:  # noqa: ANN001
    _gate(real_engine, ROOT / "eval" / "review.jsonl", LOWERCASE_FLOORS, REVIEW_CEILINGS, lowercase=True)


def test_short_test_split_stays_above_floors(real_engine) -> None:  # noqa: ANN001
    _gate(real_engine, ROOT / "eval" / "short.jsonl", SHORT_FLOORS, SHORT_CEILINGS)


def test_short_set_shape() -> None:
    qs = load_golden(ROOT / "eval" / "short.jsonl")
    test = [q for q in qs if q.split == "test"]
    assert len(qs) == 100 and len(test) == 50 and sum(not q.answerable for q in qs) == 30
    assert all(q.missing for q in qs if not q.answerable) and all(q.evidence for q in qs if q.answerable)


def test_review_set_shape() -> None:
    qs = load_golden(ROOT / "eval" / "review.jsonl")
    test = [q for q in qs if q.split == "test"]
    kinds = [q.type for q in test]
    assert len(qs) >= 400 and len(test) >= 200
    assert kinds.count("unanswerable") >= 25 and kinds.count("comparison") >= 25 and kinds.count("numeric") >= 25
    assert all(q.missing for q in qs if not q.answerable) and all(q.evidence for q in qs if q.answerable)


# Follow-ups (eval/conversations.jsonl, test split: 85 conversations written blind, 48 of them added
# in session 16; topic switches pair each first turn with a review question on other modules).
# Measured: in context cites-relevant 0.975 (standalone rewrite 0.975, alone 0.325), must-contain
# 0.694 (0.725, 0.188): the gap to the rewrites is 0.031; switches: new topic cited 0.958, old topic
# cited 0.011; the 10 written switches: new 1.000, old 0.000. Where the switch's question asked alone
# cites its topic (91 of 95): new topic cited 1.000. Margins: about 2-3 of 85-95, 1 of 10.
CONVERSATION_FLOORS = {"in_context_cites": 0.93, "in_context_must": 0.66, "new_topic_cited": 0.9,
                       "written_new_topic_cited": 0.9, "new_topic_cited_where_alone_does": 0.95}
MUST_GAP_CEILING = 0.06  # the 0.05 between follow-ups in context and their rewrites, plus a question
CONVERSATION_CEILINGS = {"old_topic_cited": 0.07, "written_old_topic_cited": 0.1}


def test_follow_ups_stay_above_floors(real_engine) -> None:  # noqa: ANN001
    from tmrag.evaluation.conversations import load_conversations, run_conversations, topic_switches

    conversations = [c for c in load_conversations(ROOT / "eval" / "conversations.jsonl") if c.split == "test"]
    review = [q for q in load_golden(ROOT / "eval" / "review.jsonl") if q.split == "test"]
    report = run_conversations(real_engine, conversations)
    switches = topic_switches(real_engine, conversations, review)
    got = {"in_context_cites": report["summary"]["in_context"]["cites_relevant"],
           "in_context_must": report["summary"]["in_context"]["must_recall"],
           "new_topic_cited": switches["new_topic_cited"], "old_topic_cited": switches["old_topic_cited"],
           "new_topic_cited_where_alone_does": switches["new_topic_cited_where_alone_does"],
           "written_new_topic_cited": report["summary"]["switch"]["new_topic_cited"],
           "written_old_topic_cited": report["summary"]["switch"]["old_topic_cited"]}
    failures = [f"{k}: {got[k]:.3f} < floor {v}" for k, v in CONVERSATION_FLOORS.items() if got[k] < v]
    failures += [f"{k}: {got[k]:.3f} > ceiling {v}" for k, v in CONVERSATION_CEILINGS.items() if got[k] > v]
    gap = report["summary"]["standalone"]["must_recall"] - got["in_context_must"]
    failures += [f"must-contain {gap:.3f} below the standalone rewrites > ceiling {MUST_GAP_CEILING}"] \
        if gap > MUST_GAP_CEILING else []
    assert not failures, "; ".join(failures)
