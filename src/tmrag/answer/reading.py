"""How quoted sentences read together: a sentence that points back at the one before it, two
consecutive sentences kept in the order written, and a sentence another one already says."""

from __future__ import annotations

import re

from ..tokenize import tokenize
from .text import NUMBER_RE

RESTATED_SHARE = 0.85  # a sentence this much contained in another restates it (dev: 4% of answers had one)
RESTATED_MIN_WORDS = 5  # a short label ("Decoder weights: the same") is not a restatement
# A sentence that opens by pointing back at the one before it.
BACK_REFERENCE = re.compile(r"(?:[-*+]\s+)?[*_]*(?:This|That|These|Those|It|Its|They|Their|Then|Such|Both|Thus|Hence"
                            r"|Therefore|So|Here|The same|As a result|In other words|In short|Otherwise|Instead|However"
                            r"|Again|Only if|All (?:two|three|four|five)|Each of (?:them|these|those)|Neither|Either"
                            r"|In exchange|In turn"
                            r"|The (?:result|fix|catch|trick|effect|upshot) is"
                            r"|The (?:method|approach|technique|scheme) (?!of\b|for\b|that\b))\b")  # "The method needs no …"
# "RoPE therefore gives …": a consequence of the sentence before it, which says why.
CONSEQUENCE = re.compile(r"(?:[\w'-]+\s+){1,3}(?:therefore|thus|hence|then)\b")
# "AWQ then scales those channels up": a demonstrative in the opening words names what came before.
DEMONSTRATIVE = re.compile(r"(?:[\w'-]+\s+){1,4}(?:those|these)\s+(?!who\b|which\b|that\b)[a-z]")

def points_back(sentence: str) -> bool:
    """The sentence opens by pointing back at the one before it, draws a consequence of it or
    takes up what it named."""
    return bool(BACK_REFERENCE.match(sentence) or CONSEQUENCE.match(sentence) or DEMONSTRATIVE.match(sentence))

def in_runs(order: list[int]) -> list[int]:
    """Sentence indices in reading order, except that two consecutive sentences read in the order
    written: "The obstacle … is the softmax" before "online softmax removes that obstacle",
    whichever was stronger. A longer run keeps its strongest sentence first (dev8: reading three in
    order buried the answer after its background)."""
    chosen = set(order)
    pairs = {j: j - 1 for j in chosen if j - 1 in chosen and j - 2 not in chosen and j + 1 not in chosen}
    out: list[int] = []
    for j in order:
        if j in out:
            continue
        if j in pairs:
            out += [pairs[j], j]
        elif j + 1 in pairs:
            out += [j, j + 1]
        else:
            out.append(j)
    return out

def within(small: str, big: str) -> bool:
    """``small`` says nothing ``big`` does not: nearly all its words and every number of it are in
    ``big`` ("LLM-as-judge uses a strong model to grade … against a rubric" beside the glossary's
    longer definition)."""
    words, other = set(tokenize(small)), set(tokenize(big))
    return (RESTATED_MIN_WORDS <= len(words) <= len(other) and len(words & other) >= RESTATED_SHARE * len(words)
            and set(NUMBER_RE.findall(small)) <= set(NUMBER_RE.findall(big)))
