"""A number a generated sentence works out from numbers the passages state: "at 176.2M versus
135.3M parameters it is about 30% larger", "5,000 + 20,000 = 25,000", "a 93.3% reduction leaves
about 6.7%", "0.217 s, about 217 ms". No passage states the result, yet it is checked: one sum,
difference, product or ratio of numbers the sentence states before it (or a sum or product of three),
or one of them in another unit, must give it, as rounded."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

SLACK = 1.02  # the half-unit of rounding, and a little: "0.0212 GPU-seconds" for 0.021234 (float error aside)
OPERANDS = 3  # a product or sum of up to three numbers ("2 × 70×10^9 × 256 = 35.84 TFLOPs")
# A number said again in another unit: a percentage, a metric prefix step (s/ms, GB/MB), millions, billions
UNIT_STEPS = (1e2, 1e3, 1e6, 1e9)


def derived(quantities: list[set[str]], stated: list[bool]) -> bool:
    """Every quantity of a sentence (each as its possible forms, in the order written) that is not
    ``stated`` is one step of arithmetic from the quantities before it, as a result follows what
    it is worked out from ("32 ms … 33 tokens/s" with 32 changed is not 33 − 1); a result then
    counts for the next one ("= 10,000 tokens … 65×")."""
    known: list[set[float]] = []
    for forms, given in zip(quantities, stated, strict=True):
        if not given and not any(_rounds_to(r, forms) for r in _results(known)):
            return False
        known.append({float(v) for v in forms})
    return True


def _results(known: list[set[float]]) -> Iterator[float]:
    for a, b in itertools.permutations(range(len(known)), 2):
        for x, y in itertools.product(known[a], known[b]):
            yield from (x + y, x - y, x * y)
            if y:
                yield from (x / y, x / y - 1)  # a ratio, and "N% larger"
    for forms in known:
        yield from (1 - x for x in forms)  # "a 93.3% reduction leaves 6.7%"
        yield from (1 / x for x in forms if x)  # "a 2.35× reduction leaves 43%"
        yield from (x * k for x in forms for step in UNIT_STEPS for k in (step, 1 / step))  # "0.217 s, about 217 ms"
    for picked in itertools.combinations(range(len(known)), OPERANDS):
        for xs in itertools.product(*(known[i] for i in picked)):
            yield from (math.prod(xs), sum(xs))


def _rounds_to(result: float, forms: set[str]) -> bool:
    """``result`` written as one of ``forms`` (a percentage is one as a fraction too), rounded to the
    figures it is written with: "43%" is 0.425-0.435, "0.0212" 0.02115-0.02125, "25,000" 24,500-25,500."""
    return any(float(form) and abs(result - float(form)) <= SLACK * _half_unit(form) for form in forms)


def _half_unit(form: str) -> float:
    """Half a unit of ``form``'s last significant figure (an integer's trailing zeros are not)."""
    mantissa, _, exponent = form.lower().partition("e")
    digits = mantissa.lstrip("-")
    place = -len(digits.split(".")[1]) if "." in digits else len(digits) - len(digits.rstrip("0"))
    return 0.5 * 10.0 ** (place + int(exponent or 0))
