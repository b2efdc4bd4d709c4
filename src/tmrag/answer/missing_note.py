"""What a partial answer's note says is missing: the asked attribute in the question's own words
("the number of layers of Llama 3 405B"), a name as the question writes it in full, and each other
part of a multi-part question that no quote names."""

from __future__ import annotations

import re

from ..query.intent import question_focus
from ..query.ranking import Ranking
from ..query.wording import FRAME_WORDS
from ..tokenize import mentions_all, tokenize
from .asked import (
    AUXILIARY,
    asked_here,
    asked_question,
    asked_thing,
    asked_words,
    full_name,
    names_word,
    number_owners,
    says_itself,
)

# A name the question gives as an example of what it asks ("… like GPT-4V?", "(product manager,
# engineer, QA…?)", "— statsig, launchdarkly, something in-house?"): not the thing asked about.
OPEN_ASK = r",?\s+or\s+(?:what|which|how|where|who)\b"  # "…, or what wire format …": the open question
EXAMPLE_LEAD = re.compile(rf"\b(?:like|e\.g\.?|such\s+as|for\s+(?:example|instance))\s+(?:(?!{OPEN_ASK})[^?;\u2014])*$",
                          re.I)
LISTED_LEAD = re.compile(r"(?:\(|\s[\u2014-]\s)(?:[^()?\u2014]*,\s*)?$")  # opens a list: "(a, b, " or "— a, "
LISTED_TAIL = re.compile(r"^[^()?\u2014]*(?:,|\.\.\.|…|\s+or\s)[^?\u2014]*(?:\)|\?)")
# A guess the question offers before asking openly: "Does A2A run on JSON-RPC …, or what wire format …?"
# The guess follows the verb: two words at least after "does" ("Google's A2A run on"); the subject does not.
GUESS_LEAD = re.compile(r"\b(?:does|do|did|is|are|was|were|can)\s+(?:[^\s?,;:\u2014]+\s+){2,}$", re.I)
GUESS_TAIL = re.compile(rf"^[^?;:\u2014]*?{OPEN_ASK}", re.I)


def exemplified(question: str, name: str) -> bool:
    """``name`` is only an example or an offered alternative in ``question``, not what it asks of."""
    for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", question, re.I):
        before, after = question[:m.start()], question[m.end():]
        if not (EXAMPLE_LEAD.search(before) or (LISTED_LEAD.search(before) and LISTED_TAIL.match(after))
                or (GUESS_LEAD.search(before) and GUESS_TAIL.match(after))):
            return False
    return True


# Heads of a focus phrase that name no attribute ("the benefit", "which one", "what changes"):
# nothing a sentence could be checked for.
GENERIC_HEADS = frozenset(tokenize("one benefit change cause thing way difference point time times effect role place problem "
                                   "idea reason impact advantage result happens happening going goes work works go back fit else "
                                   "smaller larger bigger faster slower much more less "
                                   # "what breaks on a fully masked row", "which rule wins": a verb, not an attribute
                                   "break breaks broke fail fails failed win wins stop stops produce produces "
                                   "matter matters help helps hurt hurts "
                                   # "which research/paper showed …": a source answers it, named or cited
                                   "research paper papers study studies source sources "
                                   # "what fix does each point to": any remedy, whatever words it uses
                                   "fix fixes solution solutions remedy lever levers knob knobs"))
COUNT_FREE_HEADS = frozenset({"time", "times", "much", "more", "less"})  # "how many times faster": a ratio
HOW_MANY_POINTS = re.compile(r"\bhow\s+many\s+(?:percentage\s+)?points\b", re.I)
LISTED_WAYS = re.compile(r"\b(?:ways|methods|techniques|strategies|steps|options|practices)\b", re.I)  # asked as a list


def generic(focus: list[str], question: str) -> bool:
    """The focus names no attribute ("the benefit", "which one"), unless the question counts it
    ("by how many points did TIES beat task arithmetic", "how many problems were in the subset"):
    a count of those is the attribute. "How many times" asks a ratio, which any number answers."""
    head = focus[-1]
    if head not in GENERIC_HEADS:
        return False
    if head == "point":
        return not HOW_MANY_POINTS.search(question)
    return head in COUNT_FREE_HEADS or not re.search(rf"\bhow\s+many\s+(?:[\w-]+\s+)?{re.escape(head)}", question, re.I)


def say_missing(ranking: Ranking, missing: str) -> str:
    """A missing name as the question writes it in full ("Claude Haiku"); one that is part of
    the asked attribute ("H800 GPU-hours", an "Elo") as the attribute of the asked thing."""
    question, focus, names = ranking.query.text, ranking.intent.focus, ranking.query.names
    if missing not in names:
        return missing
    if exemplified(question, missing):  # "… like GPT-4V?": the asked thing is missing, not the example
        return asked_here(ranking) if focus else asked_question(question)
    if focus and re.search(rf"(?<![\w-]){re.escape(missing)}(?![\w-])", focus, re.I):
        return asked_thing(question, focus, [n for n in names if n != missing])
    if re.search(rf"\b(?:what|which)\s+(?:[\w-]+\s+){{0,2}}?{re.escape(missing)}\s+(?:{AUXILIARY})\b", question, re.I):
        return asked_thing(question, missing, [n for n in names if n != missing])  # "What Elo does X reach?"
    if focus and missing in number_owners(question, names):  # "the tokenizer vocabulary of GPT-4"
        return asked_thing(question, focus, [missing])
    # A name inside the asked clause that is not whose attribute is asked ("which TCP port …",
    # "… tile like GPT-4V?"): what is missing is the clause, not the thing "for TCP". Not
    # "Claude Haiku's prices" or "… charge for Claude Haiku", nor a name outside the clause
    # (a compared side: "AdamW vs Lion: how many bytes does each keep?" lacks Lion's).
    whole = full_name(question, missing)
    owned = re.search(rf"(?<![\w-]){re.escape(missing)}['’]s\b"
                      rf"|\b(?:for|of)\s+(?:the\s+)?{re.escape(whole)}(?![\w-])", question)
    if focus and not owned and not generic(ranking.intent.focus_tokens, question) \
            and (asked := asked_words(question, focus)) and names_word(asked, missing):
        return asked
    # "how many points of ImageNet top-1 did the greedy soup gain", not "this for ImageNet"
    clause = asked_words(question, focus) if focus else asked_question(question)
    if says_itself(clause, whole):
        return clause
    return whole


def unsaid_parts(ranking: Ranking, token_sets: list[set[str]]) -> list[str]:
    """The other parts of a partly missing multi-part question whose asked attribute no quote
    even names ("…, and how long is the cool-down?"): the note lists each thing missing. One
    sentence names it whole: "one hidden layer" and "patch size" in two do not name a hidden size."""
    out = []
    for part in ranking.intent.parts:
        if ranking.intent.focus and ranking.intent.focus in part:
            continue  # the first part's focus is already judged
        if LISTED_WAYS.search(part):
            continue  # "what other ways … do the notes list": the quotes list them in words of their own
        names = [n for n in ranking.query.names if names_word(part, n)]
        focus = question_focus(part, names)
        words = [t for t in tokenize(focus) if t not in FRAME_WORDS]
        # an attribute of its own ("the name" says nothing) that no quote names
        if words and not any(mentions_all(tokens, words) for tokens in token_sets) and not generic(words, part):
            out.append(asked_thing(part, focus, names))
    return out
