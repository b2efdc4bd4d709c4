"""A question about a function the notes sketch in code ("the minimal react_loop in the agents
notes: what's its default step budget, how many characters of each observation does it keep?") is
asked of the sketch itself: its values are written only in its code (``max_steps=10``,
``str(obs)[:4000]``), which no prose sentence repeats and no sentence split reaches, since a code
block is one atomic unit. The lines that hold what is asked are quoted first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..corpus.markdown import FENCE_RE
from ..query.intent import content_words
from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from ..tokenize import stem_tokens
from .answer_shape import ASKS_DEFAULT
from .quotes import Quote, first_sentences, renumbered
from .text import MAX_SENTENCES

# A function named the way code names it: "react_loop", "guarded_generate", "agentLoop", or a
# plain word called ("the slerp() helper", "sample()"); only a name the notes sketch counts.
IDENTIFIER = re.compile(r"(?<![\w.])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+"
                        r"|[a-z][a-z0-9]*(?=\(\)))(?!\w)")
# A parameter's default in a signature: "max_steps=10", "threshold=0.5".
DEFAULT_VALUE = re.compile(r"[(,]\s*[A-Za-z_]\w*\s*=\s*[-\d.]+\s*[,)]")
LITERAL = re.compile(r"(?<![\w.])\d|[\"']")  # a line that sets or tests a value the notes give in code
# Python's own words say nothing of what a line does ("raised" in a question is no `raise`);
# "return" stays, since a question asks what a function returns.
KEYWORDS = frozenset(stem_tokens(["raise", "if", "for", "in", "not", "and", "or", "try", "except", "continue", "def",
                                  "while", "with", "as", "pass", "break", "none", "true", "false", "is", "else"]))
BODY_LINES = 3  # body lines quoted at most: one per asked value of a two- or three-part question
# A function's signature, its parameters over several lines too: "def react_loop(llm, tools, task, max_steps=10):".
SIGNATURE = re.compile(r"^[ \t]*(?P<signature>(?:async[ \t]+)?def[ \t]+(?P<name>[A-Za-z_]\w*)[ \t]*"
                       r"\((?:[^()]|\([^()]*\))*\)[^:\n]*:)", re.M)


def signature_span(text: str, name: str) -> tuple[int, int] | None:
    """Where ``def name(…):`` stands in a passage's text."""
    return next(((m.start("signature"), m.end("signature")) for m in SIGNATURE.finditer(text) if m.group("name") == name),
                None)


@dataclass(frozen=True)
class Sketch:
    """A function the notes sketch in code: the passage it is in, its signature, and the lines that
    make it up: the constants it reads, then its body (docstrings and comments left out)."""

    row: int
    signature: tuple[int, int]
    lines: tuple[tuple[int, int], ...]


def body_lines(text: str, signature: tuple[int, int]) -> list[tuple[int, int]]:
    """The spans of the function's code lines, each without its indentation: up to the first line
    indented no deeper than ``def``, or the code block's closing fence. A docstring or comment
    restates the prose around the sketch; the values are in the code."""
    indent = signature[0] - text.rfind("\n", 0, signature[0]) - 1
    out, pos, in_docstring = [], text.find("\n", signature[1]) + 1, False
    while 0 < pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        if line.strip() and (len(line) - len(line.lstrip()) <= indent or FENCE_RE.match(line)):
            break
        quotes = line.count('"""') + line.count("'''")
        if line.strip() and not in_docstring and not quotes and not line.lstrip().startswith("#"):
            out.append((pos + len(line) - len(line.lstrip()), pos + len(line.rstrip())))
        in_docstring ^= quotes % 2 == 1  # a docstring that opens here and closes on a later line
        pos = end + 1
    return out


# A constant the code block sets before the function ("RETRYABLE = {429, 500, 529}").
CONSTANT = re.compile(r"^[ \t]*(?P<name>[A-Z][A-Z0-9_]*)[ \t]*=[^=].*$", re.M)


def constants_used(text: str, signature: tuple[int, int], body: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The lines of the function's code block, before it, that set a constant its body reads:
    part of what the function does ("which status codes count as retryable")."""
    fence = max(text.rfind("```", 0, signature[0]), text.rfind("~~~", 0, signature[0]))
    said = " ".join(text[a:b] for a, b in body)
    return [(m.start("name"), m.end()) for m in CONSTANT.finditer(text, fence + 1, signature[0])
            if re.search(rf"\b{m.group('name')}\b", said)]


class Signatures:
    """Every function the notes sketch in code, by name (a name two modules both define has a sketch
    in each). Built once per index; a question names a sketch wherever it ranks."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index

    @cached_property
    def by_name(self) -> dict[str, list[Sketch]]:
        """Read on the first question that names a function, not when the engine opens."""
        out: dict[str, list[Sketch]] = {}
        for row, chunk in enumerate(self.index.chunks):
            for m in SIGNATURE.finditer(chunk.text):
                span = (m.start("signature"), m.end("signature"))
                body = body_lines(chunk.text, span)
                lines = tuple(constants_used(chunk.text, span, body) + body)
                out.setdefault(m.group("name"), []).append(Sketch(row, span, lines))
        return out

    def sketch(self, name: str, ranking: Ranking) -> Sketch | None:
        """The sketch of ``name`` the question means: within its categories, the best-ranked one."""
        if name not in self.by_name:
            return None
        mask = self.index.mask(ranking.categories)
        sketches = [s for s in self.by_name[name] if mask is None or mask[s.row]]
        ranks = {c.row: n for n, c in enumerate(ranking.results)}
        return min(sketches, key=lambda s: ranks.get(s.row, len(ranks)), default=None)

    def lead(self, ranking: Ranking, quotes: list[Quote]) -> list[Quote]:
        """``quotes`` led by the lines of a function the question names that answer it: its
        signature when it asks a default the signature gives, and the lines holding a value (a
        number or a string) said in the question's words (``str(obs)[:4000]`` for "how many
        characters of each tool observation"). The last sentences give way, so the answer keeps
        its length."""
        for name in IDENTIFIER.findall(ranking.query.text):
            sketch = self.sketch(name, ranking)
            if sketch is None:
                continue
            text = self.index.chunks[sketch.row].text
            spans = [sketch.signature] if ASKS_DEFAULT.search(ranking.query.text) and \
                DEFAULT_VALUE.search(text[slice(*sketch.signature)]) else []
            spans += self.asked_lines(ranking.query.text, name, sketch)
            spans = [sp for sp in spans if not any(q.row == sketch.row and sp in q.spans for q in quotes)]
            if not spans:
                continue
            # one prose sentence at least; a question in parts keeps its other parts' sentences
            prose = MAX_SENTENCES if ranking.intent.kind == "multi_part" else max(MAX_SENTENCES - len(spans), 1)
            rest = first_sentences(quotes, prose)
            return renumbered([Quote(sketch.row, sorted(spans), reading=sorted(spans), code=name), *rest])
        return quotes

    def asked_lines(self, question: str, name: str, sketch: Sketch) -> list[tuple[int, int]]:
        """The lines with a literal value that share the most words with the question, in code order."""
        asked = set(stem_tokens([w for word in content_words(question) for w in code_words(word)]))
        asked -= set(stem_tokens(code_words(name))) | KEYWORDS
        text = self.index.chunks[sketch.row].text
        scored = []
        for n, span in enumerate(sketch.lines):
            line = text[slice(*span)]
            shared = len(asked & set(stem_tokens(code_words(line))))
            if shared and LITERAL.search(line):
                scored.append((-shared, n, span))
        return [span for _, _, span in sorted(sorted(scored)[:BODY_LINES], key=lambda s: s[1])]


def code_words(text: str) -> list[str]:
    """A code line's words: identifiers split at underscores and case, comments and strings too."""
    return [w.lower() for w in re.findall(r"[A-Za-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", text))]
