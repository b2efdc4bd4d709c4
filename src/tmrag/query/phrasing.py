"""Whether the notes ever write a compound name: "Flash-Decoding" and "Mixture-of-Depths" are
made of words the notes use everywhere, so a word-level vocabulary calls them known; only the
phrase itself says whether the notes ever name the thing."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A name joined by dashes, pluses or underscores ("ZeRO++", "o200k_base") is a phrase, not a word.
COMPOUND = re.compile(r"\w[-‐‑–—_+]")
# "BF16-mixed", "GPT-4o-mini": a name with an everyday word after it, which the notes may well
# write another way ("mixed BF16"): written when the name before it is.
# "all-70B", "search-plus-LLM": the same with everyday words before it.
MODIFIERS = re.compile(r"(?:^|[-‐‑–—])[a-z]+(?=[-‐‑–—]|$)")
# "MQA+int8", "QKV/O": two names joined, each written on its own.
JOINED = re.compile(r"(?<=\w)[+/](?=\w)")
_SEPARATORS = re.compile(r"[-‐‑–—\s]+")
# "InstructGPT-style", "Sora-like": the question describes a kind of thing; the thing is the name.
DESCRIPTIVE_NAME = re.compile(r"-(?:style|like|based|shaped|class|sized|type)$", re.I)


def normalised(text: str) -> str:
    """Lower case, with any dash or run of spaces as one space: "Llama-2-7B" is "llama 2 7b"."""
    return _SEPARATORS.sub(" ", text.lower())


def _joins(text: str, i: int) -> bool:
    """The character at ``i`` continues a word: the phrase there is part of a longer name."""
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] in "_+")


def _plural(text: str, i: int) -> bool:
    """An "s" that only makes the phrase plural: "Flash-Decoding kernels", "H100s"."""
    return text[i] == "s" and not _joins(text, i + 1)


class PhraseIndex:
    def __init__(self, texts: Iterable[str]) -> None:
        self.text = "\n".join(normalised(t) for t in texts)

    def writes(self, name: str) -> bool:
        """A whole-phrase occurrence: "gpt 4" is not written by "gpt 4o". A plain substring scan
        with a boundary check, since a regex with look-arounds scans ~1 MB at ~40 ms a name."""
        phrase = normalised(name).strip()
        at = self.text.find(phrase)
        while at >= 0:
            end = at + len(phrase)
            if not _joins(self.text, at - 1) and (not _joins(self.text, end) or _plural(self.text, end)):
                return True
            at = self.text.find(phrase, at + 1)
        return False

    def unwritten(self, names: Iterable[str]) -> list[str]:
        """The compound names among ``names`` that the notes never write, in any dash or spacing."""
        return [n for n in dict.fromkeys(names) if COMPOUND.search(thing := DESCRIPTIVE_NAME.sub("", n))
                and not all(self.writes(part) or self.writes(MODIFIERS.sub("", part)) for part in JOINED.split(thing))]
