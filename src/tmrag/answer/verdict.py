"""The answer to "which of the two is bigger?" when the quotes state both sides' results: "Building
one 625M-item HNSW shard takes longer: 8.7 hours against 6.9 hours." Graders read an answer that
quotes both numbers but never says which wins as answering half the question.

The sentence is only said when it is certain: each side's result is the one result, in one shared
kind of quantity, of the quoted clause that speaks of that side more than of the other, and every
such kind of quantity the two share gives the same winner."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..query.wording import FRAME_WORDS
from ..tokenize import tokenize
from .text import NUMBER_RE

# a whole number: "$7.17 per clip" is a price per clip, not "$7"
_NUMBER = r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?![.,]?\d)(?:\s*[×x]\s*10\^?(?P<exp>[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|-?\d+))?"
# Each unit's kind of quantity and its size in that kind's base unit: a result may be written in
# another unit than the other side's ("320 KiB" against "0.5 MiB", "25,000 s" against "6.9 hours").
UNITS: dict[str, tuple[str, float]] = {
    "ms": ("time", 1e-3), "s": ("time", 1), "sec": ("time", 1), "second": ("time", 1), "seconds": ("time", 1),
    "min": ("time", 60), "minute": ("time", 60), "minutes": ("time", 60), "hour": ("time", 3600),
    "hours": ("time", 3600), "h": ("time", 3600), "day": ("time", 86400), "days": ("time", 86400),
    "GPU-second": ("gpu time", 1), "GPU-seconds": ("gpu time", 1), "GPU-hour": ("gpu time", 3600),
    "GPU-hours": ("gpu time", 3600), "H100-hours": ("gpu time", 3600),
    "bytes": ("bytes", 1), "KB": ("bytes", 1e3), "MB": ("bytes", 1e6), "GB": ("bytes", 1e9), "TB": ("bytes", 1e12),
    "PB": ("bytes", 1e15), "KiB": ("bytes", 2**10), "MiB": ("bytes", 2**20), "GiB": ("bytes", 2**30),
    "TiB": ("bytes", 2**40),
    "tokens": ("positions", 1), "patches": ("positions", 1),  # a vision transformer's patches are its tokens
    "parameters": ("parameters", 1), "params": ("parameters", 1),
    "FLOPs": ("flops", 1), "GFLOPs": ("flops", 1e9), "TFLOPs": ("flops", 1e12), "PFLOPs": ("flops", 1e15),
    "%": ("percent", 1), "×": ("ratio", 1),
}
SCALE_SUFFIX = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}  # "537M parameters"
_UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
# Not a rate ("10.6 MB/s", "50 tokens per second") nor an adjective ("a 15.6T-token corpus").
QUANTITY = re.compile(rf"(?<![\w.,]){_NUMBER}\s?(?P<scale>[KMBT](?=\s))?\s?(?P<unit>{_UNIT})(?![\w/-])(?!\s+per\b)")
MONEY = re.compile(rf"\$\s?{_NUMBER}(?P<scale>[KMB])?(?![\w/])(?!\s+per\b)")
SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
RESULT_SIGN = re.compile(r"[=≈→]")
CLAUSE_BREAK = re.compile(r";\s+(?:\(\d+\)\s+)?|:\s+\(\d+\)\s+|,\s+and\s+|\.\s+(?=[A-Z])")

# Which of the two is bigger, as the question asks it: the verb, and the comparative that says
# whether the larger or the smaller number wins. Not "which saves more" or "which wins": their
# numbers may be what is left after the saving, or a score whose better end the question doesn't say.
_MORE = "bigger|larger|longer|more|higher|greater|heavier"
_LESS = "smaller|shorter|cheaper|less|fewer|lower|lighter"
# The phrase keeps what it is more of, when a few words end its clause or meet a preposition ("has
# the bigger GPU bill under each review's assumptions").
_PREPOSITION = r"(?:in|on|under|for|at|with|per|from|of|over|when|if)\b"
_TAIL_END = rf"(?=\s*[?:,;.]|\s+{_PREPOSITION})"
WHICH_MORE = re.compile(rf"\bwhich\b(?:\s+(?:one|of\s+(?:the|these|those)\s+(?:two|three)|[\w-]+(?:\s+[\w-]+)?))?\s+"
                        rf"(?P<phrase>(?:is|are|takes|needs|uses|eats|costs|holds|has|comes\s+out|requires|stores)\s+"
                        rf"(?:the\s+)?(?P<word>{_MORE}|{_LESS})\b"
                        rf"(?:(?:\s+(?!or\b|{_PREPOSITION})[\w'-]+){{1,3}}?{_TAIL_END})?)", re.I)


# The kinds of quantity a question asks for by name: asked for more than one ("give the parameter
# counts, plus the memory for each"), the answer keeps the sentences that state the other.
ASKED_KINDS = {
    "time": re.compile(r"\b(?:hours?|seconds?|minutes?|days?|how\s+long|wall[\s-]clock|latency)\b", re.I),
    "bytes": re.compile(r"\b(?:memory|bytes?|[KMGT]i?B|how\s+big|size|disk|storage)\b", re.I),
    "parameters": re.compile(r"\bparam(?:eter)?s?\b", re.I),
    "flops": re.compile(r"\b(?:FLOPs?|compute)\b", re.I),
    "money": re.compile(r"\$|\b(?:dollars?|costs?|price|bill)\b", re.I),
    "gpu time": re.compile(r"\bGPU[\s-](?:seconds?|hours?|time|bill)\b", re.I),
    "positions": re.compile(r"\b(?:tokens?|patches)\b", re.I),
}


def asks_which(question: str) -> bool:
    """The question asks which of two is bigger, longer, cheaper, …: a verdict may answer it."""
    return WHICH_MORE.search(question) is not None


def asks_one_kind(question: str) -> bool:
    return len(named_kinds(question)) <= 1


def named_kinds(text: str) -> set[str]:
    return {kind for kind, named in ASKED_KINDS.items() if named.search(text)}


# What a comparative compares when its phrase names no quantity: "which takes longer" a time (or a
# sequence's length), "which is cheaper" a cost. Others ("bigger", "more") may compare any.
COMPARED_KINDS = {"longer": {"time", "positions"}, "shorter": {"time", "positions"},
                  "cheaper": {"money", "gpu time", "flops"}}


@dataclass(frozen=True)
class Quantity:
    text: str  # as the notes write it
    kind: str
    value: float  # in the kind's base unit


def quantities(clause: str) -> list[Quantity]:
    """A clause's results: what follows its last "=" or "≈" when it works one out, else every quantity."""
    signs = list(RESULT_SIGN.finditer(clause))
    tail = clause[signs[-1].end():] if signs else clause
    found = [(m.start(), Quantity(m.group(0).strip(), *_sized(m, *UNITS[m.group("unit")]))) for m in QUANTITY.finditer(tail)]
    found += [(m.start(), Quantity(m.group(0).strip(), "money", _sized(m, "money", 1)[1])) for m in MONEY.finditer(tail)]
    return [q for _, q in sorted(found, key=lambda f: f[0])]


def _sized(m: re.Match[str], kind: str, unit: float) -> tuple[str, float]:
    value = float(m.group("num").replace(",", ""))
    if m.group("exp"):
        value *= 10.0 ** int(m.group("exp").translate(SUPERSCRIPT))
    return kind, value * unit * SCALE_SUFFIX.get(m.group("scale") or "", 1)


@dataclass(frozen=True)
class Verdict:
    sentence: str  # its numbers as the quotes write them, so the cited quotes back it
    markers: list[int]  # the quotes that state them
    stating: frozenset[int]  # the answer's sentences (indices into ``quoted``) that state a side's result

    def text(self) -> str:
        return self.sentence + "".join(f" [{m}]" for m in self.markers)


@dataclass(frozen=True)
class Clause:
    marker: int
    sentence: int  # which of the answer's sentences it is part of
    results: list[Quantity]
    marks: set[str]  # what tells the sides apart (:func:`_marks`)

    @classmethod
    def of(cls, text: str, marker: int, sentence: int) -> Clause:
        return cls(marker, sentence, quantities(text), _marks(text))


def verdict(question: str, descriptions: list[str], quoted: list[tuple[str, int]]) -> Verdict | None:
    """The sentence that says which of two sides wins, or None when the question asks no such
    thing or the quotes don't settle it. ``descriptions`` are the sides as the question describes
    them, whole: their own numbers and words tell their clauses apart, and name the winner.
    ``quoted`` are the answer's sentences with their markers."""
    m = WHICH_MORE.search(question)
    if not m or len(descriptions) != 2:
        return None
    clauses = [Clause.of(c, marker, n) for n, (sentence, marker) in enumerate(quoted) for c in CLAUSE_BREAK.split(sentence)]
    # "which takes more compute": FLOPs, not the parameter counts the quotes also compare
    compared = named_kinds(m.group("phrase")) or COMPARED_KINDS.get(m.group("word").lower())
    results = [pair for pair in _results(descriptions, clauses) if compared is None or pair[0][0].kind in compared]
    winners = {_winner(pair, m.group("word").lower() in _MORE.split("|")) for pair in results}
    if len(winners) != 1 or (winner := winners.pop()) is None:
        return None
    first, second = results[0][winner], results[0][1 - winner]
    phrase = " ".join(m.group("phrase").split())
    sentence = f"{_capitalised(descriptions[winner])} {phrase}: {first[0].text} against {second[0].text}."
    return Verdict(sentence, sorted({first[1], second[1]}), frozenset(f[2] for pair in results for f in pair))


Found = tuple[Quantity, int, int]  # a side's result, the marker of the quote and the sentence that state it


def _winner(pair: tuple[Found, Found], more: bool) -> int | None:
    a, b = pair[0][0].value, pair[1][0].value
    if a == b:
        return None
    return int((b > a) == more)


def _results(descriptions: list[str], clauses: list[Clause]) -> list[tuple[Found, Found]]:
    """Each kind of quantity both sides state a result in, as the pair of their results."""
    words = [_marks(d) - FRAME_WORDS for d in descriptions]
    own = [words[0] - words[1], words[1] - words[0]]
    kinds = {q.kind for c in clauses for q in c.results}
    pairs = []
    for kind in sorted(kinds):
        found = [_side_result(mine, own[1 - n], clauses, kind) for n, mine in enumerate(own)]
        if found[0] is not None and found[1] is not None:
            pairs.append((found[0], found[1]))
    return pairs


def _side_result(words: set[str], others: set[str], clauses: list[Clause], kind: str) -> Found | None:
    """The one result of ``kind`` in the clauses that speak of a side (its own words, more than the
    other side's); None when they state none, or several: "63 s" worst case and "31.5 s" expected
    wait both lean to the backoff side, and its "result" would be a guess."""
    values: dict[float, Found] = {}
    for clause in clauses:
        if len(words & clause.marks) > len(others & clause.marks):
            values |= {q.value: (q, clause.marker, clause.sentence) for q in clause.results if q.kind == kind}
    return next(iter(values.values())) if len(values) == 1 else None


# A verdict as an answer opens with it: what it claims of the notes is the two numbers it compares.
VERDICT_OPENING = re.compile(r"^[^\[\]]*?: (?P<a>[^\[\]]+?) against (?P<b>[^\[\]]+?)\.(?P<markers>(?:\s*\[\d+\])+)\s*")


def as_claims(answer: str) -> str:
    """``answer`` with an opening verdict written as the numbers it rests on, each with the
    verdict's markers: the quotes it cites must state them."""
    m = VERDICT_OPENING.match(answer)
    if not m:
        return answer
    markers = m.group("markers").strip()
    return f"{m.group('a')} {markers} {m.group('b')} {markers} {answer[m.end():]}"


def _marks(text: str) -> set[str]:
    """What tells a side's clauses apart: its words, and its numbers whole ("16 bytes" is not the
    "16" of "16,384 ranks", which the tokenizer splits)."""
    return {t for t in tokenize(text) if not t.isdigit()} | set(NUMBER_RE.findall(text))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
