"""Measuring the quiz grader against a labelled set of answers (eval/quiz_answers.jsonl, written
blind by someone who never saw the grader): each row is a card (by module and prompt), an
answer, its writer's label 0-2 and its type. Reports, for one split: AUC of correct (label 2)
against wrong (label 0: wrong, off-topic, neighbour, keyword dump, blank, copy), Spearman and
Pearson correlation with the labels, and the share of keyword dumps and neighbour answers below
the pass mark."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import roc_auc_score

from ..errors import GoldenFileError
from ..study.cards import Card, normalise
from ..study.grader import Grader
from ..study.service import PASS_MARK

Split = Literal["dev", "test", "all"]


class LabelledAnswer(BaseModel):
    id: str
    card_kind: Literal["interview", "glossary"]
    module_id: str
    prompt: str
    answer: str
    label: Literal[0, 1, 2]
    type: Literal["correct_paraphrase", "partial", "wrong", "off_topic", "neighbour", "keyword_dump", "blank_or_idk",
                  "copy_question"]
    split: Literal["dev", "test"]


class GraderReport(BaseModel):
    split: str
    answers: int
    cards: int
    unmatched: int
    auc_correct_vs_wrong: float
    spearman: float
    pearson: float
    keyword_dump_below_pass: float
    neighbour_below_pass: float
    correct_at_or_above_pass: float  # label 2 answers the learner is told they recalled
    wrong_below_pass: float  # label 0 answers the learner is told they did not
    mean_score_by_type: dict[str, float]
    mean_score_by_label: dict[int, float]


def load_labels(path: Path) -> list[LabelledAnswer]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(LabelledAnswer.model_validate_json(line))
            except ValidationError as exc:
                raise GoldenFileError(f"{path}:{n}: {exc.errors()[0]['msg']}") from None
    return rows


def card_key(kind: str, module_id: str, prompt: str) -> tuple[str, str]:
    """Interview cards by module and normalised question; glossary cards by term alone (the
    labels may name any module that uses the term)."""
    return (kind, normalise(prompt)) if kind == "glossary" else (module_id, normalise(prompt))


def index_cards(cards: list[Card]) -> dict[tuple[str, str], Card]:
    out = {}
    for c in cards:
        if c.kind == "glossary":
            out[card_key("glossary", c.module_id, c.prompt.removeprefix("Define ").removesuffix("."))] = c
        elif c.kind == "interview":
            out[card_key("interview", c.module_id, c.prompt)] = c
    return out


def score_rows(grader: Grader, cards: list[Card], rows: list[LabelledAnswer]) -> tuple[list[tuple[LabelledAnswer, float]], int]:
    """(row, score) for every row whose card exists, and how many rows matched no card."""
    by_key = index_cards(cards)
    scored, unmatched = [], 0
    for r in rows:
        card = by_key.get(card_key(r.card_kind, r.module_id, r.prompt))
        if card is None:
            unmatched += 1
            continue
        scored.append((r, grader.grade(card, r.answer).score))
    return scored, unmatched


def report(scored: list[tuple[LabelledAnswer, float]], unmatched: int, split: str) -> GraderReport:
    labels = [r.label for r, _ in scored]
    scores = [s for _, s in scored]
    ends = [(r.label == 2, s) for r, s in scored if r.label != 1]
    by_type: dict[str, list[float]] = defaultdict(list)
    by_label: dict[int, list[float]] = defaultdict(list)
    for r, s in scored:
        by_type[r.type].append(s)
        by_label[r.label].append(s)

    def below(kind: str) -> float:
        return sum(s < PASS_MARK for s in by_type[kind]) / len(by_type[kind]) if by_type[kind] else float("nan")

    return GraderReport(
        split=split, answers=len(scored), cards=len({(r.module_id, r.prompt) for r, _ in scored}), unmatched=unmatched,
        auc_correct_vs_wrong=round(float(roc_auc_score([e for e, _ in ends], [s for _, s in ends])), 4),
        spearman=round(float(spearmanr(labels, scores).statistic), 4),
        pearson=round(float(pearsonr(labels, scores).statistic), 4),
        keyword_dump_below_pass=round(below("keyword_dump"), 4), neighbour_below_pass=round(below("neighbour"), 4),
        correct_at_or_above_pass=round(sum(s >= PASS_MARK for s in by_label[2]) / max(len(by_label[2]), 1), 4),
        wrong_below_pass=round(sum(s < PASS_MARK for s in by_label[0]) / max(len(by_label[0]), 1), 4),
        mean_score_by_type={k: round(sum(v) / len(v), 4) for k, v in sorted(by_type.items())},
        mean_score_by_label={k: round(sum(v) / len(v), 4) for k, v in sorted(by_label.items())})


def evaluate(grader: Grader, cards: list[Card], path: Path, split: Split) -> GraderReport:
    rows = [r for r in load_labels(path) if split == "all" or r.split == split]
    scored, unmatched = score_rows(grader, cards, rows)
    return report(scored, unmatched, split)


def to_json(rep: GraderReport) -> str:
    return json.dumps(rep.model_dump(), indent=2)
