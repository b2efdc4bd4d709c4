"""Numeric questions: the sentences that state the result for the asked case.

A worked example in the notes runs from set-up lines ("Assume each call occupies one GPU for
87 ms") to results ("0.5 s SLO: 4,630 / 2.284 = 2,027.2, round up to 2,028 GPUs"); similarity to
the question ranks them alike, and sibling examples in the same module (127.3 tok/s for another
model) embed as close as the asked one. Two signals separate them: the asked case's own numbers
(the question's 87 ms, 4,630 QPS, 0.7), counted once across the answer so that each case of a
two-case question ("at 1 s versus 500 ms") finds its own sentence, and a derived number the
question did not give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..query.intent import QuestionIntent
from ..query.wording import ITEM_MARK
from ..tokenize import SUPERSCRIPTS, stem_tokens, tokenize
from .text import NUMBER_RE, display_sentence

CASE_BONUS = 0.06  # per number of the question a sentence repeats: the asked case, not a sibling example
CASE_CAP = 3  # numbers counted at most: a set-up line repeating every given must not outrank the result
GIVENS_CAP = 0  # for a line of nothing but the question's givens (dev: 1 loses the 2 questions 0 gains)
RESULT_BONUS = 0.10  # a sentence deriving a number the question did not give ("= 574,074", "≈ 0.942")
# Per sentence from a section the answer already quotes: the rest of the same worked example, not
# a sibling example elsewhere whose sentence embeds as close (dev sweep 0-0.15: 0.07 best; 0.10
# starts costing false-partial).
SAME_EXAMPLE = 0.07
# A case line labelled with the asked case ("s = 0.8: …") over a sibling labelled with another
# ("s = 0.5: …"), which embeds as close (dev sweep 0.03-0.08 alike, +1 question; 0.12 loses 2).
LABEL_CASE = 0.06
# A question that sets up a worked case gives at least this many values ("14 bands of 8 rows at
# 0.8"); only then are a top passage's section siblings searched for its result. One value alone
# ("AIME 2024", "a 78,000-token context") more often asks a stated fact, and the siblings crowd
# it out with another example's numbers (golden dev at 0 or 1: cites-relevant and false-partial
# each lose a question; review dev numbers 0.812 at 0, 1 and 2 alike).
WORKED_CASE_VALUES = 2
# A one-symbol variable set to a literal ("q = 0.2", "α = 0.8", "w_1 = 0.5"), not a derivation's
# first step ("L = ½(−3 − 1)² = 8.0"): the values a sentence's case is set up with.
ASSIGNED_RE = re.compile(r"(?<![\w\\])[A-Za-z\u0370-\u03ff](?:_\{?\w+\}?)?\s*=\s*"
                         r"(-?\d+(?:,\d{3})*(?:\.\d+)?%?)(?!\s*[×x*/^+−\-(\d])")
LABEL_RE = re.compile(r"^([^:]{1,40}?):\s")  # a short label before the colon that opens the line
# A number inside a name (top-2, H100, pass@1, Llama-3-70B, 1F1B) is not a case value; a multiplier
# (x5) is, and so is a size (70B, 4K).
NAME_NUMBER = re.compile(r"(?<![\d.])(?![x×]\d)[A-Za-z]\w*[-@]?\d[\w.]*(?:-\w+)*|(?<![\w.])\d+[A-Z]\d+[A-Z]\w*")
# A sentence whose derived numbers the answer already states ("… about 12.5% more replicas" twice):
# it adds nothing, and its slot is better spent on the question's other result (dev sweep
# 0.03-0.25: 0.05 and above alike, +1 question; 0.10 taken from the middle).
REPEAT_PENALTY = 0.10
# A worked example's premise that also derives something ("Assume S = 100 ms, so μ = 10 requests/s",
# "Setup (illustrative): …"): quotable, but it restates the question's givens rather than answer
# them (dev sweep 0.03-0.15: 0.05 and above alike, +1 question).
SETUP_PENALTY = 0.08
TITLE_RE = re.compile(r"^\s*\*\*[^*]+\*\*\s*$")  # a bold paragraph title ("**Speedup with a draft costing c = 0.1.**")
PREMISE_RE = re.compile(r"(?:Assume|Suppose|Consider|Take|Serve|Imagine|Let|Setup|Set-up)\b", re.I)
PLAIN_PENALTY = 0.05  # a sentence with no number at all: prose about the topic, not the asked result
# Wider than SENTENCE_MARGIN: a worked example states its several results in sentences that embed
# far apart (dev sweep 0.12-0.40: every expected number 0.50 -> 0.65, flat above 0.30).
NUMBER_MARGIN = 0.30
# Of the configured word budget: a worked example's result comes with its arithmetic, and two cases
# of it rarely fit in 120 words (dev: every expected number 0.662 -> 0.700 at 1.25).
NUMBER_WORDS = 1.25
# A derivation or a stated result: an equation, an approximation, or "so/gives/which is" before a number.
RESULT_RE = re.compile(r"[=≈→]|\b(?:so|gives?|giving|which is|comes to|brings|falls|rises|needs|takes|costs?|"
                       r"is about|is roughly|of about|about)\b[^.;]*\d")


# An item marker of a question asked in parts ("(1) in the Sora design, …", "2) what …"): it counts
# the parts, so it sets no case and asks for no number.
ITEM_MARKER = re.compile(rf"(?:^|(?<=[\s:;,.?])){ITEM_MARK}(?=\s)")


def unnumbered(question: str) -> str:
    """``question`` without the markers that number its items."""
    return ITEM_MARKER.sub(" ", question)


def numbers(text: str) -> set[str]:
    return {n.rstrip(".,") for n in NUMBER_RE.findall(text)}


SCALES = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12, "thousand": 1e3, "million": 1e6, "billion": 1e9,
          "trillion": 1e12}
# One quantity as the notes or a question write it: 9.1×10^10, 10^24, 1e24, 200K, 1.8 trillion, 20%, 4,096.
QUANTITY_RE = re.compile(
    r"(?P<mant>\d+(?:\.\d+)?)\s*[×x*]\s*10\^\(?(?P<exp>-?\d+)\)?"
    r"|(?<![\d.])10\^\(?(?P<pow>-?\d+)\)?"
    r"|(?P<ebase>\d+(?:\.\d+)?)[eE](?P<eexp>-?\d+)\b"
    r"|(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?:(?P<unit>[kKMBT])\b|\s(?P<word>thousand|million|billion|trillion)\b)?"
    r"(?P<pct>%)?")


def quantities(text: str) -> set[str]:
    """The values ``text`` states, each in one canonical form, so that a question's "1K", "20%"
    and "1e24" meet the notes' "1,000", "p = 0.2" and "10^24". A percentage also stands as
    written ("95% cache hit")."""
    return set().union(*quantity_forms(text))


def quantity_forms(text: str, mantissas: bool = False) -> list[set[str]]:
    """Each quantity ``text`` states, as the canonical forms it may take (a percentage two);
    ``mantissas``: a scaled figure's mantissa too, since one figure is written "312×10^12", "312T"
    and "312 TFLOPS" (LaTeX's "4{,}096" and "10^{-8}" read as written out)."""
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", lambda m: "^" + m.group(0).translate(SUPERSCRIPTS), text)
    if mantissas:
        text = re.sub(r"\^\{(-?\d+)\}", r"^\1", text.replace("{,}", ","))
    found: list[set[float]] = []
    for m in QUANTITY_RE.finditer(text):
        if m.group("mant"):
            mantissa = float(m.group("mant"))
            found.append({mantissa * 10.0 ** int(m.group("exp"))} | ({mantissa} if mantissas else set()))
        elif m.group("pow"):
            found.append({10.0 ** int(m.group("pow"))})
        elif m.group("ebase"):
            found.append({float(m.group("ebase")) * 10.0 ** int(m.group("eexp"))})
        else:
            number = float(m.group("num").replace(",", ""))
            value = number * SCALES.get(m.group("unit") or m.group("word") or "", 1.0)
            found.append(({value, value / 100} if m.group("pct") else {value}) | ({number} if mantissas else set()))
    return [{f"{v:.6g}" for v in forms} for forms in found]


def case_values(question: str) -> set[str]:
    """The values a question sets its case up with, not the numbers in its names (GPT-3, pass@1)."""
    return quantities(NAME_NUMBER.sub(" ", unnumbered(question)))


def new_case(follow_up: str, previous: str) -> set[str]:
    """The values a follow-up sets that the previous question did not: it asks the same thing of a
    new case ("And if acceptance drops to 0.6?" after γ = 5 at 0.8)."""
    return case_values(follow_up) - case_values(previous)


# A derivative the question asks for ("what's dL/dw1?") and the one a sentence works out
# ("∂L/∂w_1 = 12 × x = 24"): the same symbol once ∂, subscripts and brackets are dropped.
DERIVATIVE = re.compile(r"[d∂]\s*\(?\s*(\w{1,4})\s*\)?\s*/\s*\(?\s*[d∂]\s*(\w{1,4})\s*\)?", re.I)
SYMBOL_BONUS = 0.15  # the line that states the asked symbol's value: the answer, however far it embeds
# A table's row for the asked case ("| 1 | 0.9999 | …" for "at t = 1") holds that case's every value, where a
# labelled line holds one: on top of LABEL_CASE, as much as a derived result.
ROW_CASE = 0.10
LABEL_ASKED = 0.06  # a worked line labelled with what the question asks for ("Output: …" for "the output vector")


def derivatives(text: str) -> set[str]:
    return {f"d{a}/d{b}".replace("_", "").lower() for a, b in DERIVATIVE.findall(text)}


HOW_MUCH = re.compile(r"\bhow\s+(?:much|many)\b", re.I)


def wants_number(intent: QuestionIntent, question: str) -> bool:
    """A question answered by a number: asked as one, or a worked case the question sets up. Not
    a comparison or list that merely reads as numeric ("how does each *estimate* the baseline",
    "what three questions…"): its answer is prose (dev)."""
    if intent.kind in ("numeric", "multi_part"):
        return intent.numeric or len(numbers(unnumbered(question))) >= 2
    if intent.kind == "comparison" and HOW_MUCH.search(question):  # "which is cheaper, and by how much?"
        return True
    return intent.kind in ("comparison", "other") and len(numbers(unnumbered(question))) >= 2


# A unit a question asks its number in, right after its question word: "what effective FLOP/s", "how
# many GB" (not "989 TFLOPS" it gives, nor "the clip's FLOPs" it divides)
ASKED_UNIT = re.compile(r"\b(?:what|how\s+many|how\s+much)\s+(?:[\w-]+\s+){0,2}?(?P<unit>[GTPE]?FLOP(?:S|s|/s)?|"
                        r"tok(?:en)?s?/s|[KMGT]i?B(?:/s)?|GPU-(?:seconds|hours)|req/s)(?![\w/])", re.I)
UNIT_ASKED = 0.06  # as much as a line labelled with the asked words: the unit says what the number is


def asked_units(question: str) -> set[str]:
    """The units ``question`` asks its number in ("FLOP/s" of "what effective FLOP/s per GPU")."""
    return {m.group("unit") for m in ASKED_UNIT.finditer(question)}


@dataclass
class NumberScorer:
    """Scores candidate sentences of one numeric question; ``covered`` holds the question's
    numbers the answer already repeats, ``stated`` the other numbers it states and ``sections``
    the (module, anchor) sections it quotes."""

    asked: set[str]
    symbols: set[str] = field(default_factory=set)  # derivatives the question asks for
    words: set[str] = field(default_factory=set)  # the question's word stems
    covered: set[str] = field(default_factory=set)
    sections: set[tuple] = field(default_factory=set)
    stated: set[str] = field(default_factory=set)
    unit: re.Pattern[str] | None = None  # a number in a unit the question asks its number in
    _found: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def for_question(cls, question: str) -> NumberScorer:
        """A scorer for ``question``: its quantities, the derivatives it asks for, its word stems
        and the units it asks its number in."""
        units = asked_units(question)
        unit = re.compile(rf"\d[\d.,]*(?:×10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)?\s*(?:{'|'.join(map(re.escape, units))})(?![\w/])", re.I) \
            if units else None
        return cls(quantities(question), derivatives(question), set(stem_tokens(tokenize(question))), unit=unit)

    def found(self, sentence: str) -> set[str]:
        if sentence not in self._found:
            self._found[sentence] = quantities(display_sentence(sentence))
        return self._found[sentence]

    def result(self, sentence: str, title: bool = False, table_row: bool = False) -> float:
        """The part of the bonus that does not depend on what the answer already holds. ``title``:
        a bold paragraph title that names a computation without its result; ``table_row``: a
        table's row, read as its statement."""
        text = display_sentence(sentence)
        if sentence not in self._found:
            self._found[sentence] = quantities(text)
        found = self._found[sentence]
        derived = bool(found - self.asked) and bool(RESULT_RE.search(text))
        premise = SETUP_PENALTY * bool(PREMISE_RE.match(text) or title)
        labelled = self.labelled(text) * (not title)
        row = ROW_CASE * (labelled > 0 and table_row)
        return (RESULT_BONUS * derived - premise - PLAIN_PENALTY * (not found)
                + LABEL_CASE * labelled + row + SYMBOL_BONUS * self.states_symbol(text)
                + LABEL_ASKED * self.labelled_asked(text) + UNIT_ASKED * self.in_asked_unit(text))

    def in_asked_unit(self, text: str) -> bool:
        """The sentence gives a number in the unit the question asks for ("= 3.956×10¹⁴ FLOP/s" for
        "what effective FLOP/s per GPU")."""
        return self.unit is not None and self.unit.search(text) is not None

    def labelled_asked(self, text: str) -> bool:
        """A line whose label is words of the question ("Output: 0.736(1, 0) + … = (0.818, 0.182)")."""
        label = LABEL_RE.match(text)
        words = stem_tokens(tokenize(label.group(1))) if label and not NUMBER_RE.search(label.group(1)) else []
        return bool(words) and set(words) <= self.words

    def states_symbol(self, text: str) -> bool:
        """The sentence sets an asked symbol equal to something: "∂L/∂w_1 = 12 × 2 = 24"."""
        head = text.split("=", 1)[0] if "=" in text else ""
        return bool(self.symbols) and bool(derivatives(head) & self.symbols)

    def labelled(self, text: str) -> int:
        """+1 for a case line labelled with the asked case ("s = 0.8: …", "0.5 s SLO: …"), -1 for
        one labelled with another case ("s = 0.5: …"), 0 for a line with no numbered label."""
        label = LABEL_RE.match(text)
        named = case_values(label.group(1)) if label else set()
        if not named:
            named = set().union(*(quantities(v) for v in ASSIGNED_RE.findall(text)))
            if not named <= self.asked and quantities(text) & self.asked:
                return 0  # the asked case with its constants ("90% → 87% with z = 1.96"): no verdict
        return 0 if not named else 1 if named <= self.asked else -1

    def case(self, sentence: str, section: tuple | None = None) -> float:
        """What depends on the answer so far: the asked case's numbers this sentence repeats and
        the answer does not yet, its section already quoted, and nothing new to state."""
        same = SAME_EXAMPLE * (section in self.sections)
        new = self.found(sentence) - self.asked
        repeat = REPEAT_PENALTY * bool(new) * (new <= self.stated)
        # Only the question's own givens ("τ_2 = [0.4, 0.2, -0.01, -0.6]"): it restates the case
        # rather than answer it, like prose that restates the topic.
        cap = CASE_CAP if new else GIVENS_CAP
        return same - repeat + CASE_BONUS * min(len((self.found(sentence) & self.asked) - self.covered), cap)

    def take(self, sentence: str, section: tuple | None = None) -> None:
        self.covered |= self.found(sentence) & self.asked
        self.stated |= self.found(sentence) - self.asked
        if section is not None:
            self.sections.add(section)
