"""Company lenses. A design review closes with what an interviewer from each company would probe
("A Google or DeepMind interviewer will likely probe …. An OpenAI interviewer will likely probe
…"). A question that names a company asks for that company's lens: the other companies' lines
come with the section, not with the answer."""

from __future__ import annotations

import re

from ..query.loaded_index import LoadedIndex
from ..tokenize import tokenize
from .quotes import Quote, renumbered
from .text import span_text

LENS = re.compile(r"\W*An?\s+(?P<party>[A-Z][\w/ -]*?)\s+interviewer\b")  # "A Google or DeepMind interviewer"
PARTY_SPLIT = re.compile(r"\s+or\s+|\s*/\s*|\s+and\s+")
# "whose interviewer would push on cost", "which company's …": the company is what is asked
ASKS_PARTY = re.compile(r"\bwhose\b|\bwhich\s+(?:company|companies|interviewer|lab)", re.I)


def party_words(sentence: str) -> set[str] | None:
    """The names of the company whose lens the sentence gives ({"google", "deepmind"}), or None."""
    m = LENS.match(sentence)
    return {w for p in PARTY_SPLIT.split(m.group("party")) for w in tokenize(p)} if m else None


def asked_lenses(question: str, quotes: list[Quote], index: LoadedIndex) -> list[Quote]:
    """``quotes`` without the lens lines of companies the question does not name, when it names
    the company of some quoted lens line; unchanged otherwise."""
    if ASKS_PARTY.search(question):
        return quotes
    asked = set(tokenize(question))
    parties = {(q.row, sp): party_words(span_text(index.chunks[q.row].text, sp)) for q in quotes for sp in q.spans}
    if not any(p and p & asked for p in parties.values()):
        return quotes
    dropped = {key for key, p in parties.items() if p is not None and not p & asked}
    if not dropped:
        return quotes
    for q in quotes:
        q.spans = [sp for sp in q.spans if (q.row, sp) not in dropped]
        q.reading = [sp for sp in q.reading if (q.row, sp) not in dropped]
    return renumbered([q for q in quotes if q.spans])
