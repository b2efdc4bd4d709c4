"""Names a question writes that the notes never do: a compound ("Flash-Decoding"), or one
capitalised word the writer typed ("Quokka"). Either is a thing the notes do not cover, however
close the rest of the question embeds to what they say."""

from __future__ import annotations

import re

from ..query.phrasing import COMPOUND
from ..query.ranking import Ranking

# "A_hat_0", "d_k", "w_1": a symbol typed in ASCII, which the notes write in math ("Â_0").
# "W1", "x2": a weight or a vector's subscript typed as one digit (not "T5" or "L2", names).
NOTATION = re.compile(r"[A-Za-z]{1,2}(?:_[A-Za-z0-9]+)+|[WUVXYwxyhb]\d")
SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+)\W*$")
MIN_TITLE_NAME = 4  # "Quokka", "Grok": shorter capitalised words are often abbreviations ("Pro", "Max")


def unwritten(name: str, ranking: Ranking) -> bool:
    """A compound name the notes never write ("Flash-Decoding"), so no quote is about it, even one
    with its every word; so is a capitalised word the writer typed among other capitals ("Penn
    Treebank"). A single unknown word may otherwise be an abbreviation the notes spell out ("QKV"),
    or a word capitalised as an unknown name in a question typed in lower case ("distort"), so it
    alone decides nothing at strong evidence."""
    return name in ranking.unknown_names and (bool(COMPOUND.search(name)) or typed_title(name, ranking.typed)) \
        and not NOTATION.fullmatch(name)


def typed_title(name: str, typed: str) -> bool:
    """``name`` is one capitalised word ("Quokka") the writer typed mid-sentence, in a question with
    capitals of its own elsewhere; a sentence's first word ("Redoing the roofline math …") and "I"
    are capitalised anyway."""
    if not (name.isalpha() and len(name) >= MIN_TITLE_NAME and name[0].isupper() and name[1:].islower()):
        return False
    words = [m for m in re.finditer(r"[A-Za-z][\w-]*", typed) if not SENTENCE_START.search(typed[:m.start()])]
    return any(m.group(0) == name for m in words) and \
        any(m.group(0) != name and m.group(0) != "I" and any(c.isupper() for c in m.group(0)) for m in words)
