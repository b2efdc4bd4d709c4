"""Phrases a question puts in quotation marks ("why does collecting events into an array 'for
convenience' wreck it?"): a learner copies them from the notes, so the passages that write one
are evidence for it even when retrieval ranks them low, and a sentence holding one leads near-ties."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

from ..build.chunking import Chunk

# At least two words inside quotation marks, opening after a space or at the start ("it's Bob's" is no quote).
QUOTED_PHRASE = re.compile(r"(?:(?<=\s)|^)['\"‘“]([^'\"’”]{6,80})['\"’”]")
MIN_PHRASE_WORDS = 2  # one quoted word ("'temperature'") is a term, which retrieval already weighs


def plain(text: str) -> str:
    """Text as a quoted phrase is matched: lower case, one space, straight quotes."""
    return " ".join(text.lower().replace("“", '"').replace("”", '"').replace("’", "'").split())


def quoted_phrases(question: str) -> list[str]:
    """The phrases of two or more words a question puts in quotation marks, as ``plain`` writes them."""
    return [plain(m.group(1)) for m in QUOTED_PHRASE.finditer(question)
            if len(m.group(1).split()) >= MIN_PHRASE_WORDS]


class PhrasePassages:
    """Which note passages (module and glossary chunks) write a phrase."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = chunks

    @cached_property
    def texts(self) -> list[str]:
        return [plain(c.text) if c.kind in ("module", "glossary") else "" for c in self.chunks]

    def rows(self, phrases: list[str]) -> list[int]:
        """The passages that write one of ``phrases``, in document order."""
        if not phrases:
            return []
        return [row for row, text in enumerate(self.texts) if any(p in text for p in phrases)]

    def writes(self, phrase: str) -> bool:
        """Some passage writes ``phrase`` as whole words ("prompt caching cuts" does not write
        "prompt caching cut")."""
        whole = re.compile(rf"(?<![\w-]){re.escape(plain(phrase))}(?![\w-])")
        return any(whole.search(self.texts[row]) for row in self.rows([plain(phrase)]))
