"""The wording every question parser shares: the words that frame a question rather than say what it
is about, and where a side or focus phrase ends."""

from __future__ import annotations

import re

# Words that frame a question rather than say what it is about.
_FRAME = (
    "how many much what which why when where who whose does do did is are was were be been can could would should "
    "will has have had the a an of for in on at to from with by per and or vs versus actually exactly typically "
    "roughly approximately about currently today default i we you my our your it its their they this that these "
    "those there get use used using need needs make does doesn't don't isn't aren't explain describe tell me say "
    "suppose assume given if than then so"
)
FRAME_WORDS = frozenset(_FRAME.split())
# A side or focus phrase ends where the question moves on to a clause, a condition or a context; not at
# such a word opening a compound ("ALiBi's per-head slopes", "in-context memory"), nor at a number's
# comma ("30,000 tokens").
PHRASE_END = re.compile(r"[.!]\s|\s+(?:for|in|when|while|during|under|on|at|with|without|if|and|but|so|since|because|as|"
                        r"does|do|did|is|are|was|were|can|could|would|should|will|has|have|had|use|uses|"
                        r"per|from|to|compared|relative|both|each|alike)\b(?![-\u2011])|[?;:()\u2014]|,(?!\d{3}\b)|\s[-\u2013]\s|$",
                        re.IGNORECASE)
LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
MAX_SIDE_WORDS = 6  # "ZeRO-3/FSDP", "continuous batching", "the Anthropic prompt cache": sides are short
WH_WORD = re.compile(r"\b(?:what|which|how|when|where|who|why)(?:'s)?\b", re.I)
# "…, one line each", "a sentence per pitfall": how a list is asked to be written, item by item
A_LINE_EACH = re.compile(r"\b(?:one|a)\s+(?:line|sentence)\s+(?:(?:on|for)\s+)?(?:each|per\s+\w+)\b", re.I)
# The marker that numbers an item of a question asked in parts: "(1)", "2)", "(b)".
ITEM_MARK = r"\(?(?:[1-9]|[a-e])\)"
# Items marked in sequence, "(a) … (b) …" or "1) … 2) …": a question asked in separate items. One
# "(1, 0)" or "the key at 5)" marks none.
MARKED_ITEMS = re.compile(r"(?:^|\s)\(?(?:1|a)\)\s.*?\s\(?(?:2|b)\)\s", re.I)
# An item opened in words or by its marker: "First, …", "second: …", "(2) …".
ITEM = rf"(?:^|\s)(?:{ITEM_MARK}|(?:first|second|third|fourth|finally)[,:])"


def leading_phrase(text: str) -> str:
    """The leading noun phrase of ``text``: up to the first clause word or punctuation."""
    m = PHRASE_END.search(text)
    words = text[: m.start() if m else len(text)].split()
    return " ".join(words[:MAX_SIDE_WORDS]).strip(" '\"`*")

# What a list question asks for, by name: a section whose title holds the word holds the list.
# Written as a question's word reads without its last "s" ("strategies" → "strategie").
LIST_NOUNS = frozenset({"step", "stage", "component", "phase", "technique", "strategie", "categorie", "pitfall", "trap",
                        "caveat", "limitation", "limit", "practice", "primitive", "mistake", "risk",
                        "requirement", "slo",  # a design review's "Requirements and SLOs" lists them
                        "mode", "format"})  # its "Failure modes" table; "Floating-point formats" in a table


COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}  # "three reasons", "five stages"
