"""The quotes an answer is made of: candidate sentences, the ones picked, and what the answer
cites (a chunk row with sentence spans)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..corpus.model import Corpus
from ..query.loaded_index import LoadedIndex
from .listing import ListItems
from .text import span_text

ANSWER_PASSAGES = 4  # passages the answer may quote from; more adds off-topic sentences
SentenceRef = tuple[int, int]  # (chunk row, sentence index in the chunk)


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate sentence: its similarity to the question, less the passage-rank penalty."""

    score: float
    rank: int  # the passage's rank in the results
    row: int
    j: int
    lift: float = 0.0  # the part of ``score`` that orders sentences but does not widen the margin


@dataclass(frozen=True, slots=True)
class Pick:
    """A sentence the answer quotes. rank -1 is the glossary definition that leads the answer."""

    rank: int
    row: int
    j: int


@dataclass(frozen=True, slots=True)
class Group:
    """A chosen sentence's score and its refs: its antecedent (if it needs one), then itself."""

    score: float
    refs: list[SentenceRef]


@dataclass
class Quote:
    row: int  # chunk row
    spans: list[tuple[int, int]]  # sentence spans relative to chunk text, in document order
    marker: int = 0
    reading: list[tuple[int, int]] = field(default_factory=list)  # the same spans in answer order
    lists: dict[tuple[int, int], ListItems] = field(default_factory=dict)  # a lead-in span's list (module offsets)
    code: str = ""  # the function whose code sketch the spans are lines of; "" for prose


def renumbered(quotes: list[Quote]) -> list[Quote]:
    """``quotes`` with their markers set to 1..n in order, no gap."""
    for marker, quote in enumerate(quotes, 1):
        quote.marker = marker
    return quotes


def shown_sentences(quotes: list[Quote], index: LoadedIndex, corpus: Corpus | None) -> list[str]:
    """The quoted sentences, a quoted lead-in's list items too: the answer shows them."""
    out = []
    for q in quotes:
        chunk = index.chunks[q.row]
        out += [span_text(chunk.text, sp) for sp in q.spans]
        if q.lists and corpus is not None:
            module = corpus.modules[chunk.module_id].text
            out += [module[a:b] for items in q.lists.values() for a, b in items.spans]
    return out


def first_sentences(quotes: list[Quote], n: int, lists: bool = False) -> list[Quote]:
    """The first ``n`` sentences of ``quotes`` in reading order (markers renumbered). A lead-in
    without its list says nothing ("Mixtral 8x7B from first principles (32 layers, …)"): it is
    left out, or with ``lists`` kept with its list as one of the ``n``."""
    kept: list[Quote] = []
    for quote in quotes:
        own = [sp for sp in quote.reading or quote.spans if lists or sp not in quote.lists]
        take = own[: n - sum(len(q.reading) for q in kept)]
        if take:
            kept.append(Quote(quote.row, sorted(take), len(kept) + 1, list(take),
                              {sp: quote.lists[sp] for sp in take if sp in quote.lists}))
    return kept
