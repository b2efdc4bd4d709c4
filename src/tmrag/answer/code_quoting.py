"""A question about a function the notes sketch in code ("the minimal react_loop in the agents
notes: what's its default step budget?") is asked of the sketch itself: its defaults are written
only in its signature (``max_steps=10``), which no prose sentence repeats and no sentence split
reaches, since a code block is one atomic unit. The signature is quoted first."""

from __future__ import annotations

import re

from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from .answer_shape import ASKS_DEFAULT
from .quotes import Quote, first_sentences, renumbered
from .text import MAX_SENTENCES

# A function named the way code names it: "react_loop", "guarded_generate", "regression_gate".
IDENTIFIER = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?!\w)")
# A parameter's default in a signature: "max_steps=10", "threshold=0.5".
DEFAULT_VALUE = re.compile(r"[(,]\s*[A-Za-z_]\w*\s*=\s*[-\d.]+\s*[,)]")
DEFINED = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\(", re.M)


def signature_span(text: str, name: str) -> tuple[int, int] | None:
    """Where ``def name(…):`` stands in a passage's text, its parameters over several lines too."""
    m = re.search(rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\((?:[^()]|\([^()]*\))*\)[^:\n]*:",
                  text, re.M)
    if m is None:
        return None
    start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
    return start, m.end()


class Signatures:
    """Every function the notes sketch in code, by name: the passage that defines it, where its
    signature stands. Built once per index; a question names a sketch wherever it ranks."""

    def __init__(self, index: LoadedIndex) -> None:
        self.by_name: dict[str, tuple[int, tuple[int, int]]] = {}
        self.texts = [chunk.text for chunk in index.chunks]
        for row, chunk in enumerate(index.chunks):
            for m in DEFINED.finditer(chunk.text):
                span = signature_span(chunk.text, m.group(1))
                if span is not None:
                    self.by_name.setdefault(m.group(1), (row, span))

    def lead(self, ranking: Ranking, quotes: list[Quote]) -> list[Quote]:
        """``quotes`` led by the signature of a function the question names, when it asks a default
        the signature gives; the last sentence gives way, so the answer keeps its length."""
        if not ASKS_DEFAULT.search(ranking.query.text):
            return quotes  # a signature without the asked default only takes a sentence's place
        for name in IDENTIFIER.findall(ranking.query.text):
            if name not in self.by_name:
                continue
            row, span = self.by_name[name]
            if not states_defaults([self.texts[row][span[0]:span[1]]]):
                continue
            if any(q.row == row and span in q.spans for q in quotes):
                return quotes
            rest = first_sentences(quotes, MAX_SENTENCES - 1)
            return renumbered([Quote(row, [span], reading=[span]), *rest])
        return quotes


def states_defaults(sentences: list[str]) -> bool:
    """A quoted signature that gives its parameters' defaults: it states what "by default" asks,
    in code, which the checks that read prose for the asked words cannot see."""
    return any(s.lstrip().startswith(("def ", "async def ")) and DEFAULT_VALUE.search(s) for s in sentences)
