"""Acronyms the notes define ("Grouped-query attention (GQA)"), spelled out for the embedder.

A question made of acronyms ("What is the difference between MQA and GQA?") embeds far from the
sentences that answer it: the embedder splits "MQA" into word pieces that carry little meaning, so
the best sentence similarity falls under the abstention threshold although both legs find the
right section. The lexical leg matches the acronym itself and is left as it is."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# "(GQA)", "(RoPE)", "(LoRA)": two or more capitals, no spaces, at most 8 characters.
DEFINED = re.compile(r"\(([A-Z][A-Za-z0-9]{1,7})\)")
ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Za-z0-9]{1,7})(?![\w-])")
WORDS = re.compile(r"[A-Za-z][\w'-]*")
MAX_WORDS = 7  # the longest expansion in the notes is six words ("fully sharded data parallelism")
LOOKBACK = 120  # characters before "(ACR)" that may hold its expansion
DASHES = re.compile(r"[-‐‑–—]")


def _letters(acronym: str) -> str:
    """What the acronym's initials must spell: its capitals ("RoPE" → "rpe", "MoE" → "me")."""
    return "".join(c for c in acronym if c.isupper()).lower()


def _spells(words: list[str], acronym: str) -> bool:
    """Whether the words' initials spell the acronym, read word by word ("multi-head latent
    attention" → MLA) or part by part ("grouped-query attention" → GQA)."""
    letters = _letters(acronym)
    by_word = "".join(w[0] for w in words).lower()
    by_part = "".join(p[0] for w in words for p in DASHES.split(w) if p).lower()
    # "mixture-of-experts (MoE)": every letter of a mixed-case acronym is an initial.
    spelled = {letters, acronym.lower()} & {by_word, by_part}
    return len(letters) >= 2 and bool(spelled) and words[0][0].lower() == letters[0]


def _expansion(before: str, acronym: str) -> str | None:
    words = WORDS.findall(before)
    for n in range(1, min(MAX_WORDS, len(words)) + 1):
        if _spells(words[-n:], acronym):
            return " ".join(words[-n:])
    return None


class Acronyms:
    """Acronym → the expansion the notes write before it in parentheses, most often first."""

    def __init__(self, texts: Iterable[str], pairs: Iterable[tuple[str, str]] = ()) -> None:
        """``pairs``: (name, alias) pairs such as a glossary term and its aliases; a pair where one
        spells the other's initials ("Multi-query attention", "MQA") defines the acronym too."""
        seen: dict[str, Counter[str]] = {}
        for name, alias in pairs:
            for acronym, long in ((alias, name), (name, alias)):
                if DEFINED.fullmatch(f"({acronym})") and " " in long.strip() and _spells(WORDS.findall(long), acronym):
                    seen.setdefault(acronym, Counter())[long.lower()] += 1
        for text in texts:
            for m in DEFINED.finditer(text):
                acronym = m.group(1)
                expansion = _expansion(text[max(0, m.start() - LOOKBACK):m.start()], acronym)
                if expansion:
                    seen.setdefault(acronym, Counter())[expansion.lower()] += 1
        self.expansions = {a: c.most_common(1)[0][0] for a, c in seen.items()}

    def spell_out(self, text: str) -> str:
        """The text with each defined acronym it does not already spell out followed by its
        expansion: "MQA and GQA" → "MQA (multi-query attention) and GQA (grouped-query attention)"."""
        lowered = text.lower()

        def expand(m: re.Match[str]) -> str:
            expansion = self.expansions.get(m.group(1))
            if expansion is None or expansion in lowered:
                return m.group(0)
            return f"{m.group(0)} ({expansion})"
        return ACRONYM.sub(expand, text)
