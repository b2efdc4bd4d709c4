"""The noun phrase a question counts or says a name owns: "the captions" of "how many of the
captions get replaced", "InstructGPT's reward model" of "how accurate was InstructGPT's reward
model at predicting …". A missing-note names it, so it says what is missing, not a clause."""

from __future__ import annotations

import re

from ..query.wording import FRAME_WORDS, leading_phrase
from ..tokenize import stem_tokens, tokenize

# verbs that end the counted noun phrase ("the captions get replaced")
COUNTED_STOP = frozenset({"get", "gets", "got", "end", "ends", "become", "becomes", "go", "goes", "turn", "turns"})
COUNTED_WORDS = 4  # "the features": a longer run is a clause, not the thing counted


def counted_noun(text: str) -> str:
    """The noun phrase that opens ``text``, up to its verb ("the captions" of "the captions get
    replaced"); "" for a pronoun or a run too long to be one."""
    words = []
    for word in leading_phrase(text).split():
        if word.lower() in COUNTED_STOP or re.fullmatch(r"\w{3,}ed", word) or (words and word.lower() in FRAME_WORDS):
            break
        words.append(word)
    if not words or words[-1].lower() in FRAME_WORDS or len(words) > COUNTED_WORDS:
        return ""
    return " ".join(words)


# "InstructGPT's reward model at predicting …": the noun phrase a name owns (``counted_noun``), before
# an adverb that says how it is asked ("… reward model overall")
POSSESSED = re.compile(r"['’]s\s+(?P<run>[a-z][\w\s-]*)")
PRONOUN_HEADS = frozenset({"one", "ones"})  # "DDPM's linear one" names nothing
OWNED_END = re.compile(r"\s(?:\w+ly|overall|itself|alone)\b", re.I)


def owned_thing(question: str, whose: str, focus: str = "") -> str:
    """``whose`` with the thing the question says it owns ("InstructGPT's reward model", of which
    "the accuracy of InstructGPT" would misname the owner), unless that thing is the asked attribute
    itself ("GPT-4's tokenizer vocabulary"). Read where the question last names the owner: a
    set-up before the asked clause may name it too."""
    m = POSSESSED.match(question, question.rfind(whose) + len(whose)) if whose and whose in question else None
    thing = counted_noun(OWNED_END.split(m.group("run"), maxsplit=1)[0]) if m else ""
    words = thing.lower().split()
    if not words or words[-1] in PRONOUN_HEADS or set(stem_tokens(tokenize(thing))) & set(stem_tokens(tokenize(focus))):
        return whose
    return f"{whose}'s {thing}"
