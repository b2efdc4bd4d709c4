"""What a question asks, in words a partial answer can repeat: the asked attribute of the thing it
is asked of ("the number of layers of Llama 3 405B"), the clause of a multi-part question that asks
it, and the names a number is asked of."""

from __future__ import annotations

import re

from ..query.intent import AND_ASKS, FRAME_WORDS, UNIT_NAME
from ..query.ranking import Ranking

# An attribute asked of a named thing ("how many layers does X have") is checkable; the "steps" of a
# list question or the subject of a why-question are described, not stated as one attribute (dev).
# "How many X does Y have", "what X did Y use": Y, the thing the number is asked of.
# "What are the X" asks X itself: no owner.
OWNER_RE = re.compile(r"\b(?:how\s+(?:many|much)|what|which)\s+(?!(?:is|are|was|were)\b)(?:\S[^?]*?\s)?"
                      r"(?:does|do|did|is|are|was|were|has|have)\s+(?:the\s+|a\s+|an\s+|each\s+)?"
                      r"(?P<owner>(?:\S+\s*){1,3})", re.I)
# "What is the vocabulary size of GPT-4o's tokenizer", "what is X's context length": the thing after "of".
OF_OWNER_RE = re.compile(r"\b(?:what|which)(?:['’]s|\s+(?:is|are|was|were))\s+(?:the\s+)?(?:[\w/-]+\s+){1,4}?of\s+"
                         r"(?P<owner>[^?]+)", re.I)  # "what's the X of Y" too
# "how big is GPT-4's tokenizer vocabulary?": the measured thing's owner follows the verb.
SIZE_OWNER_RE = re.compile(r"\bhow\s+(?:big|large|long|wide|deep)\s+(?:is|are|was|were)\s+(?:the\s+)?"
                           r"(?P<owner>(?:\S+\s*){1,3})", re.I)
OWNER_WORDS = 12  # a described owner longer than this is a clause, not a name to repeat
# Where a multi-part question's parts meet: "…?", " — ", "; ", ", and what…".
CLAUSES = re.compile(rf"\?\s+|\s[\u2014-]\s|;\s|{AND_ASKS}", re.I)

def owner_phrase(question: str, name: str) -> str:
    """The whole name a question asks about: "Llama 3 405B" for the name-like word "Llama"."""
    m = re.search(rf"(?<![\w-]){re.escape(name)}(?:[\s-]+(?:\d[\w.]*|[A-Z][\w.-]*)){{0,3}}", question)
    return m.group(0) if m else name

def full_name(question: str, name: str) -> str:
    """The name as the question writes it in full, for saying what is missing: "Claude Haiku"
    for "Haiku", "Mixtral 8x22B" for "Mixtral". A capitalised word before it belongs to the name
    unless it opens the sentence ("Does Mixtral…")."""
    whole = owner_phrase(question, name)
    m = re.search(rf"(?<=[\w,;:)] )([A-Z][\w.-]*) {re.escape(whole)}(?![\w-])", question)
    return f"{m.group(1)} {whole}" if m and m.group(1).lower() not in FRAME_WORDS else whole

def asked_thing(question: str, focus: str, names: list[str]) -> str:
    """What a partial answer says it lacks: "the number of layers of Llama 3 405B", "the weakness of
    DPO"; never of a name the attribute itself is ("the TFLOPS of TFLOPS")."""
    what = f"the number of {focus}" if re.search(r"\bhow\s+many\b", question, re.I) else f"the {focus}"
    said = {t.lower() for t in focus.split()}
    names = [n for n in names if n.lower() not in said]
    # "What weakness of DPO does IPO fix?": the question says whose attribute it is.
    of = next((n for n in names if focus and re.search(rf"{re.escape(focus)}\s+of\s+(?:the\s+)?{re.escape(n)}",
                                                       question, re.I)), None)
    owners = number_owners(question, names)  # "what FID does Stable Diffusion 3 get", not the premise's DiT
    owner = of or (owners[0] if owners else names[0] if names else None)
    # "the width of the compressed latent that DeepSeek caches per token": a described owner in full.
    described = re.search(rf"{re.escape(focus)}\s+of\s+(?P<owner>[^?,;:]+)", question, re.I) if focus and not of else None
    if described and any(n in described.group("owner") for n in names) and len(described.group("owner").split()) <= OWNER_WORDS:
        return f"{what} of {described.group('owner').strip()}"
    return f"{what} of {owner_phrase(question, owner)}" if owner else what

def asked_clause(ranking: Ranking) -> str:
    """The part of a multi-part question that asks the focus: "how many agents would a fan-out of
    4 reach" owns its number, not "what does Claude Code allow" beside it."""
    text, focus = ranking.query.text, ranking.intent.focus
    if ranking.intent.kind != "multi_part" or not focus:
        return text
    said = re.compile(rf"(?<![\w-]){re.escape(focus)}(?![\w-])", re.I)
    return next((p for p in CLAUSES.split(text) if said.search(p)), text)

def asked_here(ranking: Ranking) -> str:
    """The asked attribute of the names in the clause that asks it ("the FID of Stable Diffusion 3")."""
    clause = asked_clause(ranking)
    return asked_thing(clause, ranking.intent.focus, [n for n in ranking.query.names if n in clause])

def number_owners(question: str, names: list[str]) -> list[str]:
    """The names a numeric question asks its number of (not those of its set-up: "on a single
    A100", "sent to GPT-4V")."""
    m = OWNER_RE.search(question) or OF_OWNER_RE.search(question) or SIZE_OWNER_RE.search(question)
    owner = m.group("owner") if m else ""
    return [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", owner, re.I)
            and not UNIT_NAME.fullmatch(n)]  # "each step's FLOPs" is a unit, not whose number it is
