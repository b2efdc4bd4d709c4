"""Follow-up questions: when a question leans on the conversation ("And for the 70B model?",
"Why does it need a value model?", "Explain the second one"), rewrite it as a question that
stands alone, offline and in well under a millisecond. A self-contained question on a new topic
is left alone, so the old topic is not dragged in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..tokenize import tokenize
from .analysis import CONTEXT_OPEN, MAX_QUESTION_CHARS, name_like_words
from .intent import UNIT_NAME
from .ordinals import ORDINAL, item_label, list_item, ordinal
from .wording import FRAME_WORDS

MAX_TURNS = 8  # the contract's limit: older turns rarely matter and cost request size
MAX_TURN_CHARS = 4000  # a turn's question or answer; an answer is 2-5 sentences, a question at most 2,000
CONTEXT_CHARS = 300  # of the previous question carried as context: its subject, not its whole setting
SHORT_TOKENS = 3  # a question with at most this many content words names no subject of its own
# ", and why/how/what …": where a question's second clause begins.
SECOND_CLAUSE = re.compile(r",?\s+and\s+(?=(?:why|how|what|when|which|where|does|do|is|are|can|should)\b)", re.I)
LONG_QUESTION = 9  # content words: every dev follow-up that points back ("why does it…") has at most 7

# It / they / that … as the subject, or a bare "why?": the question points back.
POINTING = re.compile(r"\b(?:it|its|it's|they|them|their|theirs|this|that|these|those|the same|the former|"
                      r"the latter|each|both|one)\b", re.I)
# "Why does it…", "How do they…", "Is that…": the pointing word is the subject, so whatever else
# the question names ("…grow with context length") is said about the previous subject.
SUBJECT_POINTING = re.compile(r"^\s*(?:(?:ok|okay|so|and|then|right|well|hmm|but)\b[,\s]*)*"
                              r"(?:why|how|what|when|where|which|is|are|was|were|does|do|did|can|could|would|"
                              r"should|will)\s+(?:\w+\s+)?(?:it|they|this|that|these|those|its|their)\b"
                              # "how much memory does it save…", "what speedup does it get…"
                              r"|^\s*(?:how|what|which)\s+(?:[\w-]+\s+){1,3}?(?:does|do|did|is|are|was|were|can|would|"
                              r"will)\s+(?:it|they|this|that|these|those)\b", re.I)
# "…implement it in PyTorch?", "…use for it?": the pointing word is what the question is about.
OBJECT_POINTING = re.compile(r"\b(?:it|them|this|that|these|those)\s*[?.!]*\s*$|\b(?:use|uses|used|implement|compute|"
                             r"apply|train|do|make|fix|prevent|avoid|handle|measure|choose|pick|set|tune|scale|"
                             r"calculate|estimate|debug|detect|test|evaluate)\s+(?:it|them|this|that|these|those)\b", re.I)
# "switching topics - …", "different question, …": the user says the conversation is left behind.
SWITCH = re.compile(r"^\s*(?:(?:ok|okay|so|now|alright)[,\s]+)?(?:switching|changing|new|different|another|unrelated|"
                    r"separate|other)\s+(?:topics?|questions?|subjects?|things?)\b[\s,:;.!-]*|^\s*(?:on\s+)?another\s+note"
                    r"\b[\s,:;.!-]*|^\s*unrelated(?:ly)?\b[\s,:;.!-]*|^\s*(?:btw|by\s+the\s+way)\b[\s,:;.!-]*", re.I)
SWITCH_LINK = re.compile(r"^(?:but|and|so|though)\b[\s,]*", re.I)  # "unrelated, but what's …": the link word goes too
ELLIPSIS = re.compile(r"^\s*(?:(?:ok|okay|right|hmm|cool|thanks)\b[,\s]*)?(?:and|but|also|what about|how about|what if|then|so|"
                      r"same|now)\b", re.I)
WHY_OPENER = re.compile(r"^\s*(?:(?:ok|okay|so|and|but)\b[,\s]*)*why\b", re.I)
# A fragment, no question word or verb of its own ("with activation checkpointing?", "savings for
# gpt-2 small?", "for gpt-2's vocab?"): it only adds to the question before it.
QUESTION_WORD = re.compile(r"\b(?:what|what's|whats|how|why|which|when|where|who|whose|does|do|did|is|are|was|were|"
                           r"can|could|would|should|will|has|have|had|explain|describe|compare|give|list|tell|show)\b", re.I)
FRAGMENT_WORDS = 6  # a fragment longer than this is a question of its own, however it is phrased
PREPOSITION_OPENER = re.compile(r"^\s*(?:with|without|for|at|in|on|using|under|via|vs\.?|versus|compared to)\b", re.I)
# "why the FFN though?" answers back; "…run in parallel like that too?" compares with the last turn
TRAILING_FOLLOWUP = re.compile(r"\b(?:though|tho|then|too|as\s+well|like\s+(?:that|this))\s*[?.!]*\s*$", re.I)
# A trailing "instead?" swaps something of the last turn; "instead of X" mid-question compares within it.
INSTEAD = re.compile(r"\binstead\s*[?.!]*\s*$", re.I)
USED_INSTEAD = re.compile(r"\b(?:use|used|using|try|tried|pick|picked|chose|switch(?:ed)?\s+to|went\s+with)\s+"
                          r"(?:a\s+|an\s+|the\s+)?(.{3,60}?)\s+instead\s*[?.!]*\s*$", re.I)
# Words that end a follow-up without naming anything ("and at step 51,000 then?").
TAIL_WORDS = frozenset({"instead", "then", "though", "tho", "too", "please", "now", "again", "tokens", "steps"})
NUMBER = r"\d[\d,]*(?:\.\d+)?"  # 20, 4,096, 0.5
COUNTED_VALUE = re.compile(r"\b([A-Za-z]{3,})\s+(\d[\d,.]*\w*)")  # "step 51,000", "batch 64", "temperature 0.7"
# Slots a follow-up can swap ("70B" for "7B", "bf16" for "fp16", "GQA" for "MHA"): each kind of
# value the notes' worked examples vary.
SLOTS = [
    re.compile(r"\b\d+(?:\.\d+)?\s*B\b"),  # model sizes: 7B, 70B
    re.compile(r"\b\d+(?:\.\d+)?\s*[MK]\b"),  # context lengths and counts: 128K, 1M (never a model size)
    re.compile(r"\b(?:fp|bf|int|INT|FP)\d{1,2}\b|\b(?:NF4|FP8|E4M3|E5M2)\b"),  # number formats
    re.compile(r"\b(?:MHA|MQA|GQA|MLA)\b"),  # attention variants
    re.compile(r"\b(?:A100|H100|H200|B200|L4|T4|V100|TPU\s?v\d\w*)\b"),  # accelerators
    # durations, however the unit is written: "a 10 second clip", "and a 20 sec clip?"
    re.compile(rf"\b{NUMBER}[\s-]*(?:ms|s|secs?|seconds?|mins?|minutes?|hours?|hrs?|days?)\b"),
    re.compile(rf"\b{NUMBER}\s*(?:tokens?|GB|GiB)\b"),  # quantities with a unit
    re.compile(r"\b\d[\d,]*\s*[x×]\s*\d[\d,]*\b"),  # image and matrix sizes: 1,024×1,024, 2048x4096
]


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass(frozen=True)
class Resolution:
    question: str  # what is searched and answered
    depends: bool  # the question leaned on the conversation
    # "context": asked with the previous question as context (its own words then help pick the
    # quotes), also a fragment added to the previous question; "rewrite": a standalone question
    # (a slot or name swapped, a list item named); "" otherwise
    kind: str = ""
    item: str = ""  # "explain the second one": the label of the list item it points at


def _content(text: str) -> list[str]:
    return [t for t in tokenize(text) if t not in FRAME_WORDS]


def _names(text: str) -> set[str]:
    """Names a question brings of its own; a slot value ("bf16", "70B") only varies the last one."""
    return {w.lower() for w in name_like_words(text)
            if not any(slot.fullmatch(w) for slot in SLOTS) and not UNIT_NAME.fullmatch(w)}  # "FLOPs?" asks of the last topic


def depends_on_history(question: str, glossary_hits: int) -> bool:
    """Pointing words, an ellipsis opener, "instead", an ordinal, or too few words of its own —
    unless the question names a subject itself (a name or a glossary term) and doesn't open
    like a continuation."""
    if any(p.search(question) for p in (INSTEAD, ORDINAL, TRAILING_FOLLOWUP)) or ELLIPSIS.match(question) \
            or fragment(question):
        return True
    # A long question brings its own subject: its "it"/"its"/"one" points inside it ("…a 1M-token
    # prompt…, so why is its prefill…", "…weight tying…, and why might a big model skip it?").
    # "What is weight tying…, and why might a big model skip it?": the second clause's "it" is the first's subject.
    first = SECOND_CLAUSE.split(question, maxsplit=1)
    own_subject = len(_content(question)) >= LONG_QUESTION or (
        len(first) > 1 and bool(_names(first[0]) or glossary_hits > 0) and not POINTING.search(first[0]))
    if not own_subject and (OBJECT_POINTING.search(question) or SUBJECT_POINTING.match(question)):
        return True
    if _names(question) or glossary_hits > 0:  # "How does speculative decoding work?" is a new topic
        return False
    return len(_content(question)) <= SHORT_TOKENS or (not own_subject and bool(POINTING.search(question)))


def fragment(question: str) -> bool:
    """A few words with no question word or verb: "savings for gpt-2 small?", "with GQA?"."""
    return len(question.split()) <= FRAGMENT_WORDS and not QUESTION_WORD.search(question)


def extended(previous: str, question: str) -> str | None:
    """"for gpt-2's vocab?" after "What loss should … show at step 0?": the previous question
    with the fragment added. A fragment that opens with a preposition qualifies the whole previous
    question, so the previous question's words still say what is asked and the fragment picks the case."""
    if not PREPOSITION_OPENER.match(question) or not fragment(question):
        return None
    return f"{previous.strip().rstrip('?.! ')}, {question.strip().rstrip('?.! ')}?"


def substitute(previous: str, question: str) -> str | None:
    """The previous question with one slot swapped for the follow-up's value of the same kind
    ("KV cache of Llama-2-7B" + "And for 70B?" → "KV cache of Llama-2-70B"), or None."""
    for slot in SLOTS:
        new = slot.findall(question)
        old = slot.findall(previous)
        if new and old and new[0] not in old:
            # "a 10 second clip" + "and a 20 sec clip?": the number changes, the unit stays as the
            # previous question wrote it
            spaced = re.match(rf"({NUMBER})[\s-]+\S", old[0])
            value = re.match(NUMBER, new[0])
            swapped = value.group(0) + old[0][spaced.end(1):] if spaced and value else new[0]
            return previous.replace(old[0], swapped, 1)
    # "… at step 1,000?" + "and at step 51,000?": a number after the same word
    for word, value in COUNTED_VALUE.findall(question):
        m = re.search(rf"\b{re.escape(word)}\s+(\d[\d,.]*\w*)", previous, re.I)
        if m and m.group(1) != value:
            # "and claude 3.5 sonnet?": the word that ends the follow-up is part of the new name
            tail = re.search(rf"{re.escape(value)}\s+([A-Za-z][\w.-]*)\s*[?.!]*\s*$", question)
            named = f"{value} {tail.group(1)}" if tail and tail.group(1).lower() not in TAIL_WORDS else value
            return previous[: m.start(1)] + named + previous[m.end(1):]
    return None


def swap_instead(previous: str, question: str) -> str | None:
    """"What if I used plain linear interpolation instead?" after a question about one named
    thing (SLERP): the previous question about the phrase used instead."""
    m = USED_INSTEAD.search(question)
    old = name_like_words(previous)
    # "used 25 steps instead": a quantity varies a setting, it does not replace a name
    if not m or len(set(old)) != 1 or m.group(1)[0].isdigit():
        return None
    return re.sub(rf"(?<![\w-]){re.escape(old[0])}(?![\w-])", m.group(1).strip(), previous, count=1)


def with_context(question: str, previous: str) -> str:
    """The question with the previous one carried as context ("… (context: previous)")."""
    return f"{question} {CONTEXT_OPEN}{previous.strip()[:CONTEXT_CHARS]})"


def ordinal_question(question: str, item: str, previous: str = "") -> str:
    asked = f"{question.rstrip('?. ')}: {item_label(item)}"
    return with_context(asked, previous) if previous else asked


def item_resolution(question: str, item: str, previous: str) -> Resolution:
    """"Explain the second one" asked of ``item``, the second of the list the conversation holds."""
    return Resolution(ordinal_question(question, item, previous), True, "rewrite", item_label(item))


def swap_name(previous: str, question: str) -> str | None:
    """The previous question about the follow-up's one new name instead of the previous one's
    ("What does LayerNorm output…" + "What if I used RMSNorm instead?")."""
    new = [w for w in name_like_words(question) if w.lower() not in previous.lower() and not UNIT_NAME.fullmatch(w)]
    old = name_like_words(previous)
    if len(new) != 1 or not old:
        return None
    # The previous name of the same shape: "GPT-4" replaces "Llama-3-70B", not the "KV" of "KV cache".
    target = max(old, key=lambda w: _shape(w) == _shape(new[0]))
    # "what if I used momentum SGD instead?": the whole phrase used instead, not only its name
    used = USED_INSTEAD.search(question)
    phrase = used.group(1).strip() if used and new[0] in used.group(1) else new[0]
    return re.sub(rf"(?<![\w-]){re.escape(target)}(?![\w-])", phrase, previous, count=1)


def _shape(name: str) -> tuple[bool, bool]:
    """Whether a name has digits and joiners: model names ("GPT-4", "Llama-3-70B") do, acronyms ("KV", "MHA") don't."""
    return any(c.isdigit() for c in name), "-" in name


# The pronouns that stand for the previous turn's subject; "this"/"that" are left out, being as
# often determiners ("this trick") or pointers at a whole answer as stand-ins for a name.
PRONOUN = re.compile(r"\b(it|its|they|them|their)\b", re.I)


# "What does <a part> in/of <name> …": one to three words, not a question word, before the name.
PART_OF = re.compile(r"^\s*(?:what|how|why)\s+(?:does|do)\s+(?:the\s+)?((?:(?!(?:the|a|an|it|its)\b)[\w-]+\s+){1,3}"
                     r"(?:in|of)\s+(?:the\s+)?)$", re.I)


def subject_of(previous: str, names: list[str]) -> str | None:
    """What the previous question was about: the earliest of ``names`` (the glossary terms it
    mentions, as written there). A bare name-like word is no subject: "KV" of "KV cache"."""
    spans = [(at, n) for n in names if (at := previous.lower().find(n.lower())) >= 0
             and not _inside_longer_name(previous, at, at + len(n))]
    if not spans:
        return None
    at, name = min(spans, key=lambda s: (s[0], -len(s[1])))
    # "What does bias correction in Adam do?": the question is about a part of the named thing.
    part = PART_OF.match(previous[:at])
    return part.group(1) + previous[at:at + len(name)] if part else name


# A capitalized word joined to a term ("Golden Gate Bridge", "Bridge Street"): the term is part of a
# longer name the glossary does not hold, and the question is about that, not the term. A question's
# or sentence's first word is capitalized for another reason ("Adam's …", "What …").
NAME_BEFORE = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w-]*\s$")
NAME_AFTER = re.compile(r"^\s[A-Z][a-z][\w-]*\b")


def _inside_longer_name(text: str, start: int, end: int) -> bool:
    return bool(NAME_BEFORE.search(text[:start]) or NAME_AFTER.match(text[end:]))


def replace_pronoun(question: str, subject: str) -> str | None:
    """The follow-up with its first pronoun replaced by the previous subject ("What scale does
    Stable Diffusion use for it?" → "… use for classifier-free guidance?"), or None."""
    m = PRONOUN.search(question)
    if not m or subject.lower() in question.lower():
        return None
    name = subject + "'s" if m.group(1).lower() in ("its", "their") else subject
    return question[: m.start()] + name + question[m.end():]


def resolve(question: str, history: list[Turn], glossary_hits: int = 0, names: list[str] | None = None) -> Resolution:
    """``names``: the glossary terms the previous question mentions, as written there."""
    resolution = _resolve(question, history, glossary_hits, names or [])
    if len(resolution.question) > MAX_QUESTION_CHARS:  # a near-limit question has no room for context
        return Resolution(question, False)
    return resolution


def _resolve(question: str, history: list[Turn], glossary_hits: int, names: list[str]) -> Resolution:
    if not history:
        return Resolution(question, False)
    switch = SWITCH.match(question)
    if switch and question[switch.end():].strip():  # asked on its own, without the announcement
        rest = SWITCH_LINK.sub("", question[switch.end():].strip()) or question[switch.end():].strip()
        return Resolution(rest[0].upper() + rest[1:], False)
    previous = history[-1]
    if not depends_on_history(question, glossary_hits):
        return Resolution(question, False)
    elliptic = ELLIPSIS.match(question) or INSTEAD.search(question) or len(_content(question)) <= SHORT_TOKENS
    # "Why did it get a different answer than Kaplan?": "it" is the previous subject, Kaplan a second
    # name; "why the FFN and not attention?" asks a reason, not the previous question of the FFN; a
    # bare fragment ("In A100-days?") names a unit or a case, not a new subject.
    names_swap = (elliptic and not SUBJECT_POINTING.match(question) and not WHY_OPENER.match(question)
                  and not (fragment(question) and not ELLIPSIS.match(question)))
    swapped = substitute(previous.question, question) or (
        swap_name(previous.question, question) or swap_instead(previous.question, question) if names_swap else None)
    if swapped and elliptic:
        return Resolution(swapped, True, "rewrite")
    n = ordinal(question)
    if n is not None:
        item = list_item(previous.answer, n)
        if item:
            return item_resolution(question, item, previous.question)
    elif longer := extended(previous.question, question):
        return Resolution(longer, True, "context")
    subject = subject_of(previous.question, names)
    # "What if it used MHA instead?" varies the whole previous setting: asked in its context.
    rewritten = replace_pronoun(question, subject) if subject and not INSTEAD.search(question) else None
    if rewritten:
        return Resolution(rewritten, True, "rewrite")
    # Otherwise the follow-up is asked about the previous question's subject.
    return Resolution(with_context(question.rstrip(), previous.question), True, "context")
