"""Retrieval and answer metrics as small pure functions (binary relevance)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from ..answer.text import answer_sentences, claim_pieces, plain_math
from ..tokenize import powers_of_ten


def dedup(items: Iterable[str | None]) -> list[str]:
    """Distinct non-empty items in first-seen order (a module hit twice counts once)."""
    return list(dict.fromkeys(i for i in items if i))


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return 1.0 if any(r in relevant for r in ranked[:k]) else 0.0


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def mrr_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    for i, r in enumerate(ranked[:k], 1):
        if r in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 1) for i, r in enumerate(ranked[:k], 1) if r in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def citation_precision(cited: Sequence[str], relevant: set[str]) -> float | None:
    """Share of cited passages that belong to a relevant document; None when nothing is cited."""
    return sum(c in relevant for c in cited) / len(cited) if cited else None


def support_rate(answer: str, quotes: dict[int, str], normalize) -> float | None:  # noqa: ANN001
    """Share of answer sentences whose (normalized) text occurs in the quote of a marker it
    carries. ``quotes`` maps marker -> quoted source text."""
    sentences = answer_sentences(answer)
    if not sentences:
        return None
    ok = sum(any(m in quotes and all(normalize(p) in normalize(quotes[m]) for p in claim_pieces(t)) for m in ms)
             for t, ms in sentences)
    return ok / len(sentences)


def contains_recall(answer: str, must: Sequence[str]) -> float | None:
    if not must:
        return None
    norm = _fold(answer)
    figures = [float(n.replace(",", "")) for n in NUMBER.findall(norm)]
    return sum(_fold(m) in norm or _figure_in(_fold(m), figures) for m in must) / len(must)


# An expected figure precise enough to be told apart by its value ("68.3", "0.217", "1,304"): an answer
# that writes it to more places, or as a fraction for a percentage ("0.68256" for "68.3"), states it.
# Round figures ("20", "400", "8%") still have to be written as expected: too many numbers round to them.
FIGURE = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|-?\d+(?:\.\d+)?%?")
NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")
FIGURE_DIGITS = 3  # significant digits an expected figure needs before its value alone is matched


def _figure_in(expected: str, numbers: Sequence[float]) -> bool:
    if not FIGURE.fullmatch(expected):
        return False
    digits = expected.rstrip("%").replace(",", "").replace("-", "")
    places = len(digits.split(".")[1]) if "." in digits else 0
    significant = digits.replace(".", "").lstrip("0")
    if len(significant if "." in digits else significant.rstrip("0")) < FIGURE_DIGITS:
        return False
    value = float(digits) * (-1 if expected.startswith("-") else 1)
    return any(round(x, places) == value or round(100 * x, places) == value for x in numbers)


def _fold(text: str) -> str:
    """An expected string and an answer compared as written out: the notes' TeX ("5.88\\times10^{23}",
    "1/64 \\approx 0.0156") and an answer's plain text ("5.88×10^23", "1.4×10¹¹", "1/64 ≈ 0.0156") meet."""
    text = powers_of_ten(plain_math(text.replace("\\,", "")))
    return re.sub(r"\s+", " ", re.sub(r"\$(?!\d)", "", text)).lower()  # a math "$" goes, a price's stays


def precision_recall(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float | None, float | None]:
    """None where undefined (nothing predicted / nothing to find): shown as "–", not a perfect 1.0."""
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    fp = sum(p and not a for p, a in zip(predicted, actual, strict=True))
    fn = sum(a and not p for p, a in zip(predicted, actual, strict=True))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def names_missing(missing: Sequence[str], asked: str) -> bool:
    """Whether an answer's ``missing`` list names the thing a label says is missing: some
    content word of the label appears among them ("layers" in "transformer layers of Llama")."""
    said = {w for m in missing for w in _words(m)}
    return bool(said & _words(asked)) if asked else bool(missing)


def sides_cited(cited_modules: Sequence[str], side_modules: Sequence[Sequence[str]]) -> float:
    """1.0 when every side of a comparison cites one of the modules that cover it."""
    cited = set(cited_modules)
    return float(all(cited & set(modules) for modules in side_modules if modules))


def _words(text: str) -> set[str]:
    stop = {"the", "a", "an", "of", "for", "in", "on", "and", "or", "to", "its", "per", "with", "by", "what", "how"}
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9][a-z0-9.+-]*", text.lower()) if w not in stop}
