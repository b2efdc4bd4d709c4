"""Quiz cards, derived from the loaded index when the engine loads (no extra build files).

Three kinds: a module's interview question with its model answer, a glossary term ("Define X")
with its definition, and a worked number (a ``- Label: … = result`` line of a "Worked numbers"
section, asked with its group's heading). A card's key points are the index's own sentences of
the reference, so their vectors are the ones `tmrag index` already computed with the same
embedder, and each key point can be cited exactly like an /ask quote.

A card id hashes the kind, the module and the normalised prompt: editing the reference, or any
other card, keeps it; editing the prompt makes a new card whose *slot* (module, kind, ordinal)
lets the store carry its history over (study/store.py)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Literal

from ..answer.text import display_sentence, span_text
from ..corpus.model import Corpus, Module
from ..query.loaded_index import LoadedIndex

CardKind = Literal["interview", "glossary", "number"]
CARD_ID_HEX = 12  # 48 bits: ~1,000 cards collide with odds near 1e-9
INTERVIEW_SECTION = "Interview questions"
NUMBERS_SECTION = "Worked numbers"
QUESTION_RE = re.compile(r"^\*\*Q(\d+)\.\s+(.+?)\*\*[ \t]*$", re.M)
SECTION_RE = re.compile(r"^## ", re.M)
GROUP_RE = re.compile(r"^(?:###\s+(.+?)|\*\*([^*\n]+?):?\*\*:?)[ \t]*$", re.M)  # "### Title" or "**Title:**"
BULLET_RE = re.compile(r"^- ([^:\n]{3,60}): (.*=.*)$", re.M)  # a labelled line that states a result
MAX_GROUP_CHARS = 160  # a longer bold line is a paragraph's lead-in, not a heading a prompt can quote


@dataclass(frozen=True)
class KeyPoint:
    """One sentence of the reference: where the index holds it and its vector."""

    row: int  # chunk row in the index
    j: int  # sentence number in that chunk
    text: str


@dataclass
class Card:
    id: str
    kind: CardKind
    prompt: str
    module_id: str
    section: str | None
    anchor: str | None
    category: str
    slot: str  # module, kind and ordinal: where a card with an edited prompt is found again
    reference: str
    points: list[KeyPoint] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(f"{self.prompt}\n{self.reference}".encode()).hexdigest()[:CARD_ID_HEX]


def normalise(prompt: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", prompt.lower()))


def card_id(kind: str, module_id: str, prompt: str) -> str:
    return hashlib.sha256(f"{kind}\x1f{module_id}\x1f{normalise(prompt)}".encode()).hexdigest()[:CARD_ID_HEX]


def section_span(module: Module, title: str) -> tuple[int, int] | None:
    """Character span of a ``## title`` section's body in the module file."""
    m = re.search(rf"^## {re.escape(title)}[ \t]*$", module.text, re.M)
    if not m:
        return None
    nxt = SECTION_RE.search(module.text, m.end())
    return m.end(), nxt.start() if nxt else len(module.text)


class SentenceLocator:
    """Index sentences by module and file offset, to turn a reference span into key points."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        self.by_module: dict[str, list[tuple[int, int, int, int]]] = {}  # (start, end, row, j)
        for row, c in enumerate(index.chunks):
            if c.kind == "module" and c.module_id is not None and c.start is not None:
                self.by_module.setdefault(c.module_id, []).extend(
                    (c.start + a, c.start + b, row, j) for j, (a, b) in enumerate(c.sentences))
        for spans in self.by_module.values():
            spans.sort()

    def within(self, module_id: str, start: int, end: int) -> list[KeyPoint]:
        out = []
        for a, b, row, j in self.by_module.get(module_id, []):
            if start <= a < end and b > a:
                chunk = self.index.chunks[row]
                out.append(KeyPoint(row, j, span_text(chunk.text, (a - chunk.start, b - chunk.start)).strip()))
        return out


def interview_cards(module: Module, where: SentenceLocator) -> list[Card]:
    span = section_span(module, INTERVIEW_SECTION)
    if span is None:
        return []
    text, (lo, hi) = module.text, span
    questions = list(QUESTION_RE.finditer(text, lo, hi))
    cards = []
    for n, q in enumerate(questions):
        end = questions[n + 1].start() if n + 1 < len(questions) else hi
        points = where.within(module.id, q.end(), end)
        if not points:
            continue
        prompt = q.group(2).strip()
        cards.append(Card(card_id("interview", module.id, prompt), "interview", prompt, module.id, INTERVIEW_SECTION,
                          "interview-questions", module.category, f"{module.id}/interview/{q.group(1)}",
                          text[q.end():end].strip(), points))
    return cards


def number_cards(module: Module, where: SentenceLocator) -> list[Card]:
    span = section_span(module, NUMBERS_SECTION)
    if span is None:
        return []
    lo, hi = span
    groups = [(g.start(), (g.group(1) or g.group(2) or "").strip()) for g in GROUP_RE.finditer(module.text, lo, hi)]
    cards = []
    for n, b in enumerate(BULLET_RE.finditer(module.text, lo, hi)):
        group = next((g for at, g in reversed(groups) if at < b.start()), "")
        if not group or len(group) > MAX_GROUP_CHARS:
            continue
        prompt = f"{module.title} — {display_sentence(group).rstrip('.:')}: {display_sentence(b.group(1))}?"
        points = where.within(module.id, b.start(), b.end())
        if points and "=" in points[0].text:  # the line states its result, not the setting of later lines
            cards.append(Card(card_id("number", module.id, prompt), "number", prompt, module.id, NUMBERS_SECTION,
                              "worked-numbers", module.category, f"{module.id}/number/{n}", b.group(0)[2:], points))
    return cards


def glossary_cards(corpus: Corpus, index: LoadedIndex) -> list[Card]:
    """'Define X': the definition is one index sentence; the card belongs to the first module using it."""
    cards = []
    for row, c in enumerate(index.chunks):
        module = corpus.modules.get(c.module_id or "")
        if c.kind != "glossary" or module is None:
            continue
        prompt = f"Define {c.doc_id}."
        cards.append(Card(card_id("glossary", module.id, prompt), "glossary", prompt, module.id, None, None,
                          module.category, f"glossary/{c.doc_id.lower()}", c.text,
                          [KeyPoint(row, j, c.text[a:b]) for j, (a, b) in enumerate(c.sentences)]))
    return cards


def build_cards(corpus: Corpus, index: LoadedIndex) -> list[Card]:
    """Every card, in corpus order; a prompt that two cards of one module share is kept once."""
    where = SentenceLocator(index)
    cards: list[Card] = []
    for module in corpus.modules.values():
        cards += interview_cards(module, where) + number_cards(module, where)
    cards += glossary_cards(corpus, index)
    unique: dict[str, Card] = {}
    for c in cards:
        unique.setdefault(c.id, c)
    return list(unique.values())
