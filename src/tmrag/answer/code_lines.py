"""A code block read as evidence for a generated sentence: it has no sentences to quote, so the
lines that share the sentence's words are what the sentence cites ("it renormalises the gates
with a softmax over the chosen k" -> ``gates = F.softmax(topv, dim=-1)  # renormalize over chosen k``)."""

from __future__ import annotations

import re

from ..tokenize import tokenize

CODE_LINES = 3  # lines cited at most: a sentence about a sketch describes a step or two of it
IDENTIFIER_PARTS = re.compile(r"[._]")  # "dpo_loss", "F.softmax", "torch.randn_like"
FENCE = re.compile(r"^\s*(```|~~~)")


def code_words(text: str) -> set[str]:
    """``text``'s tokens, each identifier's parts too: a sentence says "the loss", code ``dpo_loss``."""
    words = set(tokenize(text))
    return words | {part for w in words for part in IDENTIFIER_PARTS.split(w) if len(part) > 1}


def line_spans(text: str) -> list[tuple[int, int]]:
    """Each non-blank line of ``text`` that is not a code fence, as a span."""
    spans, start = [], 0
    for line in text.split("\n"):
        if line.strip() and not FENCE.match(line):
            spans.append((start + len(line) - len(line.lstrip()), start + len(line.rstrip())))
        start += len(line) + 1
    return spans


def supporting_lines(words: set[str], text: str, prose: list[tuple[int, int]] | None = None) -> tuple[tuple[int, int], ...]:
    """The lines of ``text`` (those outside its ``prose`` sentences) that hold most of ``words``,
    best first until a line adds none of them, then in the order written."""
    left = set(words)
    chosen: list[tuple[int, int]] = []
    lines = {span: code_words(text[slice(*span)]) for span in line_spans(text)
             if not any(a < span[1] and span[0] < b for a, b in prose or [])}
    while lines and len(chosen) < CODE_LINES:
        span = max(lines, key=lambda sp: (len(lines[sp] & left), -sp[0]))
        if not lines[span] & left:
            break
        chosen.append(span)
        left -= lines.pop(span)
    return tuple(sorted(chosen))


def lines_over_sentence(words: set[str], text: str, prose: list[tuple[int, int]], j: int) -> tuple[tuple[int, int], ...]:
    """The lines outside ``text``'s prose sentences that a sentence should cite instead of its
    sentence ``j``: when they hold more of its ``words`` (a passage of prose and code, and a
    sentence about the code's call: "clip_grad_norm_(…, max_norm=1.0)")."""
    lines = supporting_lines(words, text, prose)
    held = set().union(*(code_words(text[slice(*span)]) for span in lines))
    return lines if len(words & held) > len(words & code_words(text[slice(*prose[j])])) else ()
