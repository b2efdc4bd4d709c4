"""Study mode over a loaded engine: which card next, grading an answer and scheduling it with
FSRS, and a learner's progress. One instance per loaded engine (its cards come from that build)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from ..answer.quotes import Quote
from ..answer.text import display_sentence
from ..config import CATEGORIES
from ..engine import Engine
from ..errors import InvalidQueryError, NotFoundError, preview
from .cards import Card, build_cards
from .grader import Grade, Grader
from .store import StudyStore, now
from .types import GradedAnswer, NextCard, PointFeedback, ProgressReport, ProgressRow, QuizCard, RatingName, Reference

STORE_FILE = "study.sqlite3"
LEARNER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # a browser UUID or a CLI profile name
MAX_ANSWER_CHARS = 4000  # a spoken interview answer is a few hundred words; the model window is 256 word pieces
PASS_MARK = 0.5  # at or above it the card counts as recalled (FSRS Hard or better)
# Score bands → FSRS rating: below the pass mark Again; then Hard, Good, Easy as the answer covers more.
RATINGS: list[tuple[float, Rating]] = [(0.85, Rating.Easy), (0.7, Rating.Good), (PASS_MARK, Rating.Hard),
                                       (0.0, Rating.Again)]


def rating_for(score: float) -> Rating:
    return next(r for floor, r in RATINGS if score >= floor)


def check_learner(learner: str) -> str:
    if not LEARNER_RE.match(learner):
        raise InvalidQueryError("learner must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return learner


class Study:
    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.engine = engine
        self.cards = build_cards(engine.corpus, engine.index)
        self.by_id = {c.id: c for c in self.cards}
        self.grader = Grader(self.cards, engine.index, engine.embedder)
        self.store = StudyStore(data_dir / STORE_FILE)
        self.store.sync(self.cards)
        self.scheduler = Scheduler(enable_fuzzing=False)  # same answer, same next date: reproducible schedules

    def select(self, categories: list[str] | None, modules: list[str] | None) -> list[Card]:
        unknown = [m for m in modules or [] if m not in self.engine.corpus.modules]
        if unknown:
            raise InvalidQueryError(f"unknown modules: {preview(unknown)}")
        chosen = [c for c in self.cards if (not categories or c.category in categories)
                  and (not modules or c.module_id in modules)]
        if not chosen:
            raise NotFoundError("no quiz cards match these categories and modules")
        return chosen

    def next(self, learner: str, categories: list[str] | None = None, modules: list[str] | None = None) -> NextCard:
        """Due cards first (most overdue first), then new ones in the notes' order; when neither is
        left, the card due soonest (reviewing ahead)."""
        chosen = {c.id: c for c in self.select(categories, modules)}
        scheduled = [s for s in self.store.schedule(check_learner(learner)) if s.card_id in chosen]
        at = now()
        due = [s.card_id for s in scheduled if s.due <= at]
        seen = {s.card_id for s in scheduled}
        new = [cid for cid in chosen if cid not in seen]
        pick = (due or new or [s.card_id for s in scheduled])[0]
        return NextCard(card=self.quiz_card(chosen[pick]), due_count=len(due), new_count=len(new))

    def card(self, card_id: str) -> Card:
        if card_id not in self.by_id:
            raise NotFoundError(f"no quiz card {card_id!r} (the notes may have changed: ask for the next card)")
        return self.by_id[card_id]

    def answer(self, learner: str, card_id: str, answer: str) -> GradedAnswer:
        check_learner(learner)
        if len(answer) > MAX_ANSWER_CHARS:
            raise InvalidQueryError(f"answer is longer than {MAX_ANSWER_CHARS} characters")
        card = self.card(card_id)
        grade = self.grader.grade(card, answer)
        rating = rating_for(grade.score)
        due = self.store.record(learner, card.id, grade.score, int(rating), lambda state, at: self.reschedule(state, at, rating))
        return self.feedback(card, grade, rating, due)

    def reschedule(self, state: str | None, at: datetime, rating: Rating) -> tuple[str, datetime]:
        card = FsrsCard.from_json(state) if state else FsrsCard()
        card, _ = self.scheduler.review_card(card, rating, review_datetime=at)
        return card.to_json(), card.due

    def feedback(self, card: Card, grade: Grade, rating: Rating, due: datetime) -> GradedAnswer:
        chunks = self.engine.index.chunks
        citations = [self.engine.composer.citation(chunks[p.row], Quote(p.row, [chunks[p.row].sentences[p.j]], n + 1))
                     for n, p in enumerate(card.points)]
        texts = [display_sentence(p.text) for p in card.points]
        points = [PointFeedback(text=texts[m.index], marker=m.index + 1, match=m.match) for m in grade.points]
        return GradedAnswer(
            score=grade.score, rating=_name(rating), flags=grade.flags, next_due=due.isoformat(),
            covered=[p for p, m in zip(points, grade.points, strict=True) if m.covered],
            missed=[p for p, m in zip(points, grade.points, strict=True) if not m.covered],
            reference=Reference(text=" ".join(f"{t} [{n + 1}]" for n, t in enumerate(texts)), citations=citations))

    def progress(self, learner: str) -> ProgressReport:
        scores = self.store.latest_scores(check_learner(learner))
        at = now()
        due = {s.card_id for s in self.store.schedule(learner) if s.due <= at}
        rows: dict[tuple[str, str], list[Card]] = defaultdict(list)
        for c in self.cards:
            rows[("category", c.category)].append(c)
            rows[("module", c.module_id)].append(c)

        def row(name: str, cards: list[Card]) -> ProgressRow:
            seen = [scores[c.id] for c in cards if c.id in scores]
            return ProgressRow(name=name, category=cards[0].category, cards=len(cards), seen=len(seen),
                               mean_score=round(sum(seen) / len(seen), 4) if seen else None,
                               due_now=sum(c.id in due for c in cards))

        order = {c: n for n, c in enumerate(CATEGORIES)}  # the notes' own order of categories
        cats = sorted((n for k, n in rows if k == "category"), key=lambda n: order.get(n, len(order)))
        return ProgressReport(learner=learner, categories=[row(n, rows[("category", n)]) for n in cats],
                              modules=[row(n, cs) for (k, n), cs in rows.items() if k == "module"])

    @staticmethod
    def quiz_card(card: Card) -> QuizCard:
        return QuizCard(id=card.id, kind=card.kind, prompt=card.prompt, module_id=card.module_id, section=card.section,
                        category=card.category)


def _name(rating: Rating) -> RatingName:
    return {Rating.Again: "again", Rating.Hard: "hard", Rating.Good: "good", Rating.Easy: "easy"}[rating]
