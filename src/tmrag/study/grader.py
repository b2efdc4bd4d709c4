"""Grading a free-text answer against a card's key points (its reference sentences).

One forward pass embeds the answer and each of its sentences and clauses in context, the same way
`tmrag index` embedded the reference sentences. A key point's match blends its best cosine with
an answer span and how many of its content words and numbers the answer states; the score is
the weighted share of key points matched, then lowered for what only looks like an answer: a
blank or "I don't know", a copy of the question, a list of keywords with no sentence around
them, or an answer that matches another card of the module better than this one. The weights
and thresholds were chosen on the labelled set's dev split only (bench/quiz_grader.py,
docs/decisions.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..build.chunking import SENTENCE_END
from ..build.protocol import TextEmbedder
from ..query.loaded_index import LoadedIndex
from ..tokenize import STOPWORDS, tokenize
from .cards import Card

WORD_RE = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
CLAUSE_RE = re.compile(r"[;:—]\s+|,\s+(?=(?:and|but|so|which|while|because|whereas)\b)|\s+(?=because\b)")
IDK_RE = re.compile(r"^\W*(?:i\s+(?:do\s*n[o']?t|dont|have\s+no)\s+(?:know|idea|remember)|idk|no\s+idea|not\s+sure|"
                    r"pass|skip|dunno|no\s+clue|\?+|n/?a|none)\b", re.I)
IDK_MAX_WORDS = 12  # "I don't know, something about heads?" is still no answer; longer text is graded
MAX_POINT_WEIGHT = 12  # content words a key point counts for at most: one long sentence is not the whole answer


@dataclass(frozen=True)
class GraderParams:
    """Chosen on the labelled set's dev split by bench/quiz_grader.py --sweep (docs/decisions.md, Study mode)."""

    sim_low: float = 0.1  # a cosine at or below this is no match of meaning (MiniLM cosines of unrelated text ~0.1)
    sim_high: float = 0.75  # at or above this, a full match of meaning
    semantic_weight: float = 0.5  # of a key point's match; the rest is its content words found in the answer
    number_miss: float = 0.7  # a key point's numbers all absent from the answer scales its match by this
    covered: float = 0.5  # a key point matched at least this much is listed as covered
    copy_novel: float = 0.4  # an answer with under this share of content words new to the question is a copy
    copy_factor: float = 0.1
    dump_function_ratio: float = 0.16  # function words below this share of words: a keyword list, not an answer
    dump_min_words: int = 6  # words (not numbers or symbols): fewer is a terse answer or a formula, not a dump
    dump_factor: float = 0.1
    neighbour_margin: float = 0.0  # another card of the module matched better (and by more words): its answer
    neighbour_factor: float = 0.4
    neighbour_words: bool = True  # require the other card to share more of the answer's words too


@dataclass(frozen=True)
class PointMatch:
    index: int
    match: float  # 0–1
    similarity: float
    covered: bool


@dataclass(frozen=True)
class Grade:
    score: float
    points: list[PointMatch]
    flags: list[str]  # why the score was lowered: blank, idk, copy, keyword_dump, neighbour


def answer_spans(text: str) -> list[tuple[int, int]]:
    """Sentences and, inside long ones, clauses: one key point is often half a sentence."""
    spans, start = [], 0
    for m in list(SENTENCE_END.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        if text[start:end].strip():
            spans.append((start, end))
            cuts = [start] + [c.end() for c in CLAUSE_RE.finditer(text, start, end)] + [end]
            if len(cuts) > 2:
                spans += [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if len(text[a:b].split()) >= 3]
        start = m.end() if m else end
    return spans or [(0, len(text))]


def numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in NUMBER_RE.findall(text)}


def function_ratio(text: str) -> float:
    words = [w.lower() for w in WORD_RE.findall(text)]
    return sum(w in STOPWORDS for w in words) / len(words) if words else 0.0


class Grader:
    """Vectors of every card's key points, held once; grading one answer is one forward pass."""

    def __init__(self, cards: list[Card], index: LoadedIndex, embedder: TextEmbedder,
                 params: GraderParams | None = None) -> None:
        self.embedder, self.params = embedder, params or GraderParams()
        self.cards = {c.id: c for c in cards}
        rows = [index.sent_rows[p.row] + p.j for c in cards for p in c.points]
        self.vectors = index.sentence_vectors[rows] if rows else np.zeros((0, embedder.dimension), np.float32)
        self.offsets: dict[str, tuple[int, int]] = {}
        at = 0
        for c in cards:
            self.offsets[c.id] = (at, at + len(c.points))
            at += len(c.points)
        self.siblings: dict[str, list[str]] = {}
        for c in cards:
            self.siblings.setdefault(f"{c.module_id}/{c.kind}", []).append(c.id)
        self.tokens = {c.id: [set(tokenize(p.text)) for p in c.points] for c in cards}
        self.prompt_tokens = {c.id: set(tokenize(c.prompt)) for c in cards}
        self.card_tokens = {c.id: set().union(*self.tokens[c.id]) for c in cards}
        self.reference_numbers = {c.id: numbers(c.reference) for c in cards}

    def embed(self, text: str) -> np.ndarray:
        spans = answer_spans(text)
        whole, parts = self.embedder.encode_in_context([text], [spans])
        vecs = np.vstack([whole[:1], parts[0]])
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs[norms[:, 0] > 0] / norms[norms[:, 0] > 0]

    def grade(self, card: Card, answer: str) -> Grade:
        text = answer.strip()
        words = text.split()
        zero = [PointMatch(i, 0.0, 0.0, False) for i in range(len(card.points))]
        if not tokenize(text):
            return Grade(0.0, zero, ["blank"])
        if len(words) <= IDK_MAX_WORDS and IDK_RE.match(text):
            return Grade(0.0, zero, ["idk"])
        vecs = self.embed(text)
        matches = self.matches(card, text, vecs)
        weights = np.array([min(len(t), MAX_POINT_WEIGHT) or 1 for t in self.tokens[card.id]], float)
        score = float(np.dot(weights, [m.match for m in matches]) / weights.sum())
        score, flags = self.penalties(card, text, vecs, score)
        return Grade(round(min(max(score, 0.0), 1.0), 4), matches, flags)

    def matches(self, card: Card, text: str, vecs: np.ndarray) -> list[PointMatch]:
        p = self.params
        a, b = self.offsets[card.id]
        sims = (vecs @ self.vectors[a:b].T).max(axis=0) if b > a else np.zeros(0)
        have, have_numbers = set(tokenize(text)), numbers(text)
        out = []
        for i, (sim, point) in enumerate(zip(sims, card.points, strict=True)):
            meaning = min(max((float(sim) - p.sim_low) / (p.sim_high - p.sim_low), 0.0), 1.0)
            wanted = self.tokens[card.id][i]
            words = len(wanted & have) / len(wanted) if wanted else meaning
            match = p.semantic_weight * meaning + (1 - p.semantic_weight) * words
            if (need := numbers(point.text)) and not need & have_numbers:
                match *= p.number_miss
            out.append(PointMatch(i, round(match, 4), round(float(sim), 4), match >= p.covered))
        return out

    def penalties(self, card: Card, text: str, vecs: np.ndarray, score: float) -> tuple[float, list[str]]:
        p, flags = self.params, []
        own = set(tokenize(text))
        novel = len(own - self.prompt_tokens[card.id]) / len(own)
        if novel < p.copy_novel and not self.states_result(card, text):
            score, flags = score * p.copy_factor, flags + ["copy"]
        if len(WORD_RE.findall(text)) >= p.dump_min_words and function_ratio(text) < p.dump_function_ratio:
            score, flags = score * p.dump_factor, flags + ["keyword_dump"]
        if self.closer_sibling(card, own, vecs):
            score, flags = score * p.neighbour_factor, flags + ["neighbour"]
        return score, flags

    def states_result(self, card: Card, text: str) -> bool:
        """The answer gives a number of the reference that the question does not: a worked-number
        answer repeats the question's givens and still adds the result."""
        return bool(numbers(text) & (self.reference_numbers[card.id] - numbers(card.prompt)))

    def meaning(self, card_id: str, vecs: np.ndarray) -> float:
        a, b = self.offsets[card_id]
        return float((vecs @ self.vectors[a:b].T).max(axis=0).mean()) if b > a else 0.0

    def closer_sibling(self, card: Card, own: set[str], vecs: np.ndarray) -> bool:
        """The answer means another card of the same module (and kind) clearly more than this one
        (and, with neighbour_words, shares more of its words with it)."""
        p = self.params
        mine, my_words = self.meaning(card.id, vecs), len(own & self.card_tokens[card.id])
        for other in self.siblings[f"{card.module_id}/{card.kind}"]:
            if other != card.id and self.meaning(other, vecs) > mine + p.neighbour_margin and (
                    not p.neighbour_words or len(own & self.card_tokens[other]) > my_words):
                return True
        return False
