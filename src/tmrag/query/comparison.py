"""The sides of a comparison as the question names them ("GQA vs MQA", "compare LIMA, Alpaca and
InstructGPT", "how does A differ from B"), the word that names each side in a sentence, and the
question about one side alone, which retrieves that side's evidence."""

from __future__ import annotations

import re

from ..tokenize import tokenize
from .wording import FRAME_WORDS, ITEM, LEADING_ARTICLE, MAX_SIDE_WORDS, WH_WORD, leading_phrase

_IN_CLAUSE = r"(?:[^,.?!;:]|\.(?=\w))"  # a clause's character; "MEMORY.md" keeps its dot
_IN_SENTENCE = r"(?:[^.?!;:]|\.(?=\d))"  # a sentence's character, commas too; "0.95" keeps its point
COMPARISON_RES = [
    re.compile(r"\b(?:difference|differences|differ|distinguish(?:es)?)\s+between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)", re.I),
    # not "how do the two compare on max value and on precision": what is compared of them; not
    # "how does A …, compared with B and C": A is a side, which a later pattern finds
    # nor "Compare the two: what is sparse in each?", whose sides were named before it
    re.compile(r"\bcompar(?:e|es|ed|ing)\s+(?!(?:on|in|for|at|with|to)\s|(?:the\s+two|them|these|those|both)\b)(?P<a>.+?)\s+(?:and|with|to|against|vs\.?|versus)\s+"
               r"(?P<b>.+)", re.I),
    re.compile(r"\bhow\s+(?:does|do|is|are)\s+(?P<a>.+?)\s+(?:differ\s+from|compare\s+(?:to|with)|"
               r"different\s+from)\s+(?P<b>.+)", re.I),
    # "how is a text block treated differently from a tool-use block"
    re.compile(r"\bhow\s+(?:does|do|is|are|would|will|should|can)\s+(?P<a>.+?)\s+(?:[\w-]+ed\s+|"
               r"(?:behave|work|act|respond|react|perform)\s+)?differently\s+(?:from|than|to)\s+(?P<b>.+)", re.I),
    # "how should a tool failure be handled, compared with an API-side failure": the first side is
    # the subject after the question word
    re.compile(r"\b(?:how|what)\s+(?:is|are|does|do|should|would|can)\s+(?P<a>[^,;:?]+?),?\s+"
               r"(?:compared\s+(?:with|to)|as\s+opposed\s+to|in\s+contrast\s+to)\s+(?P<b>.+)", re.I),
]
# Two things named as sharing something: "Continuous batching and speculative decoding both exploit …",
# "both A and B use …".
BOTH_RES = [
    # "the chat answers and the Audio Overviews each get their own check" names its sides so too
    re.compile(rf"(?:^|[.?!:;]\s+)(?P<a>{_IN_CLAUSE}+?)\s+and\s+(?P<b>{_IN_CLAUSE}+?)\s+(?:both|each)\s+(?!of\b|other\b)", re.I),
    # not "which improves both latency and cost": there the two are what is asked, not the sides
    # ("…sets the pace for everyone, both in data-parallel training and in MoE inference?")
    re.compile(r"(?:^|[.?!:;,]\s+|\b(?:in|on|under|for|to|with|from|of)\s+)both\s+(?P<a>(?!of\b)[^,.?!;:]+?)\s+and\s+"
               r"(?P<b>[^,.?!;:]+)", re.I),
]
BOTH_SIDE_WORDS = 4  # "both A and B use …": a longer side ran on into the clause ("… decoding speed up …")
# Where a side described by an example ends: "a tool failure like a wrong file path".
SIDE_EXAMPLE = re.compile(r"\s+(?:like|such\s+as|e\.g\.)\s.*$", re.I)
TRAILING_ADVERB = re.compile(r"\s+\w+ly$")  # "an Anthropic interviewer likely to dig into"
# A side opened by its setting's preposition ("both in the coordinator pattern and in …").
SIDE_PREPOSITION = re.compile(r"^(?:in|on|for|with|at|under|during|from)\s+", re.I)
# Frame words that may stand before the first side ("When should I pick GQA vs MQA").
LEADING = re.compile(r"^(?:.*\b(?:use|pick|choose|prefer|between|is|are|of|about|on|with|should|would|do|does)\s+)?"
                     r"(?:the\s+|a\s+|an\s+)?", re.I)
# Words that describe a side without naming it ("Flamingo-style", "full auto-compact"): a side is
# found when its naming word is quoted.
GENERIC_SIDE_WORDS = frozenset(tokenize("style based approach method full plain standard vanilla classic model models"))


VS_SPLIT = re.compile(r"\s+(?:vs\.?|versus|Vs\.?|Versus)\s+")  # lower-case: "VS Code" is an editor


TRAILING_ASIDE = re.compile(r"\s*\((?=[^()]*\s)[^()]*\)\s*$")  # a parenthesis of several words before "vs"


# A name made of "X of Y" that is the whole clause before a "vs": "tree of thoughts", "mixture of experts"
# ("the pros of GQA vs MQA" asks an attribute of GQA)
NAME_OF = re.compile(r"^(?:the\s+)?(?P<name>(?!(?:pros|cons|cost|costs|role|use|uses|point|purpose|benefits?|advantages?|"
                     r"downsides?|impact|effect|size|speed|quality|accuracy|memory|latency)\s)[a-z]+\s+of\s+[\w-]+)$", re.I)


def _tail_phrase(text: str) -> str:
    """The side before a "vs": the last few words, after any frame ("When should I pick GQA")."""
    text = TRAILING_ASIDE.sub("", text)  # "Causal tracing (the evidence that facts … sit in FFNs) vs …"
    text = re.split(r"[?,;:\u2014]\s*|[.!]\s+", text)[-1]  # "model.eval()" keeps its dot
    if m := NAME_OF.match(text.strip()):
        return m.group("name")
    return leading_phrase(LEADING.sub("", " ".join(text.split()[-MAX_SIDE_WORDS:]), count=1))


CLAUSE_BREAK = re.compile(r"[?;:\u2014]|[.!]\s")  # the list of sides ends with its clause
# "Compare SFT dataset sizes: LIMA, InstructGPT, Llama 2 chat, and Alpaca": three or more sides listed.
LISTED_SIDES = re.compile(r"\bcompar(?:e|es|ed|ing)\b(?:[^:?.]*:)?\s*(?P<list>[^,:?.;]+(?:,\s*[^,:?.;]+)+)", re.I)
LIST_SEPARATOR = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def listed_sides(question: str) -> list[str]:
    """Every item a phrase of its own ("…, and explain why" is a clause, not a side)."""
    m = LISTED_SIDES.search(question)
    raw = LIST_SEPARATOR.split(m.group("list")) if m else []
    if any(WH_WORD.search(i) for i in raw):
        return []
    items = [LEADING.sub("", i.strip(), count=1) for i in raw]
    items[-1:] = [leading_phrase(i) for i in items[-1:]]  # "…and MHA for long contexts": the clause ends the list
    if any(not i or leading_phrase(i) != i for i in items):
        return []
    return items if len(items) > 2 else []


# Things counted, then named and asked of one by one: "Two low-bit tricks I keep lumping together:
# QLoRA's NF4 and per-channel INT2 KV-cache quantization. What does each one quantize?"
# The count and the list sit in one sentence, the list after a colon or comma; 120 characters of set-up
# ("Two different kinds of "checkpointing" show up in the notes:") before it.
_COUNTED = rf"\b(?P<count>two|three|twice)\b{_IN_SENTENCE}{{{{0,120}}}}?{{opens}}\s+(?P<list>{_IN_SENTENCE}+?)[.?!;:](?:\s|$)"
COUNTED_SIDES = re.compile(_COUNTED.format(opens="[:,]"), re.I)
# the list after a colon, when the set-up before it has a comma of its own ("Two 'trained one way,
# served another' bugs: …")
COUNTED_AFTER_COLON = re.compile(_COUNTED.format(opens=":"), re.I)
ASKED_OF_EACH = re.compile(r"\beach\b", re.I)
COUNTS = {"two": 2, "twice": 2, "three": 3}
# Two things offered to choose between, then asked of each: "Which saves more: rendering at 640x360,
# or distilling the sampler to 8 steps? How big is each saving" ("numbers for both"). Not "Which
# model do the workers run on: the same one, or a cheaper tier?", which asks for one of them.
WHICH_OF_TWO = re.compile(rf"\bwhich\b{_IN_SENTENCE}{{0,80}}?:\s+(?P<list>{_IN_SENTENCE}+?,\s*or\s+"
                          rf"{_IN_SENTENCE}+?)[?](?:\s|$)", re.I)
# The two a which-question offers, whether or not it asks of each, also after a comma ("which takes
# longer on the wall clock, re-embedding …, or building …?") or joined by "or" alone ("Which is
# bigger: one layer's SAE or Llama 2 7B's embeddings?"). Retrieved as sides, the comma's form lost
# the worked results its question found whole (dev: r-12193); they name what a verdict compares.
OFFERED_PAIR = re.compile(rf"\bwhich\b{_IN_SENTENCE}{{0,80}}?(?::\s+(?P<list>{_IN_SENTENCE}+?(?:,\s*|\s+)or\s+"
                          rf"{_IN_SENTENCE}+?)|,\s+(?P<after_comma>{_IN_SENTENCE}+?(?:,\s*|\s+)or\s+{_IN_SENTENCE}+?))[?](?:\s|$)",
                          re.I)
ASKED_OF_BOTH = re.compile(r"\b(?:each|both)\b", re.I)


def counted_sides(question: str) -> list[str]:
    """The things a question counts and then lists, when it goes on to ask of each of them."""
    return _counted(question)[0]


def counted_clause(question: str) -> str | None:
    """What a question that counts and lists its sides asks of them: the text after the list
    ("What inequality does each one check?"). The set-up before it describes the sides together,
    and a side retrieved with it finds the other side's passages (dev). None for other questions."""
    sides, end, _ = _counted(question)
    return question[end:].strip() if sides else None


def counted_descriptions(question: str) -> list[str]:
    """Each counted side as the question describes it, whole ("the JSON arguments the model sends
    with a tool call", whose side is "JSON arguments the model sends"); [] for other questions."""
    m = _counted(SIDE_ASIDE.sub("", question))[2]  # "(base 1 s, cap 32 s)": an aside's comma lists nothing
    return [" ".join(SIDE_ASIDE.sub("", item).split()) for item in _items(m)] if m else []


def _list_items(text: str, joiners: str = "and|or") -> list[str]:
    # "a guard script that crashes and exits with code 1, and a settings.json …": a comma marks the
    # list, but not one inside a number ("8,192 output tokens")
    comma = bool(re.search(rf",\s*(?:{joiners})\s", text))
    separator = rf",(?!\d{{3}}\b)\s*(?:{joiners})?\s*" if comma else rf"\s+(?:{joiners})\s+"
    return [i.strip() for i in re.split(separator, text)]


def _counted(question: str) -> tuple[list[str], int, re.Match[str] | None]:
    """:func:`counted_sides`, where the list's sentence ends, and the list's match; ([], 0, None)
    for no such list."""
    for pattern, asked in ((COUNTED_AFTER_COLON, ASKED_OF_EACH), (COUNTED_SIDES, ASKED_OF_EACH),
                           (WHICH_OF_TWO, ASKED_OF_BOTH)):
        m = pattern.search(question)
        if m and asked.search(question, m.end()) and (found := _counted_list(m))[0]:
            return *found, m
    return [], 0, None


def _items(m: re.Match[str]) -> list[str]:
    """The items a counted-list match holds. A choice ("which …: A, or B?") is two things, either
    of which may hold an "and"."""
    return _list_items(m.group("list"), "or" if _is_choice(m) else "and|or")


def _is_choice(m: re.Match[str]) -> bool:
    return "count" not in m.re.groupindex


def offered_pair(question: str) -> list[str]:
    """The two things a which-question offers to choose between, as it describes them; [] for
    any other question."""
    m = OFFERED_PAIR.search(SIDE_ASIDE.sub("", question))
    items = _list_items(m.group("list") or m.group("after_comma"), "or") if m else []
    if len(items) != 2 or any(WH_WORD.match(i) for i in items):
        return []
    return [" ".join(i.split()) for i in items]


def _counted_list(m: re.Match[str]) -> tuple[list[str], int]:
    """The sides a counted list match names, if they are as many as its count (two to choose between)."""
    raw = _items(m)
    count = 2 if _is_choice(m) else COUNTS[m.group("count").lower()]
    # a side may say when it applies ("the snapshot step when the bridge resyncs"); a clause that
    # opens with a question word is a question, not a side
    if len(raw) != count or any(WH_WORD.match(i.strip()) for i in raw):
        return [], 0
    return [_pattern_side(LEADING_ARTICLE.sub("", i.strip())) for i in raw], m.end()


def _pattern_side(text: str, first: bool = False) -> str:
    """A side a comparison pattern matched: its leading phrase, without the frame before the first
    side ("What do LoRA and …"), a setting's preposition or an example of it."""
    text = SIDE_PREPOSITION.sub("", LEADING.sub("", text.strip(), count=1) if first else text.strip())
    return TRAILING_ADVERB.sub("", leading_phrase(SIDE_EXAMPLE.sub("", text)))


def pattern_sides(question: str) -> list[str]:
    """The two sides a contrast names ("how does A differ from B"), else two things named as sharing
    something ("A and B both …"), where each ends within a few words."""
    for patterns, most_words in ((COMPARISON_RES, None), (BOTH_RES, BOTH_SIDE_WORDS)):
        m = next((m for p in patterns if (m := p.search(question))), None)
        if m:
            if most_words and WH_WORD.match(LEADING.sub("", m.group("a").strip(), count=1)):
                return []  # "What tokens/s and step time does each give": what is asked, not the sides
            sides = [_pattern_side(m.group("a"), first=True), _pattern_side(m.group("b"))]
            too_long = most_words and any(len(LEADING_ARTICLE.sub("", s).split()) > most_words for s in sides)
            return [] if too_long else sides
    return []


# "LIMA (1,000 curated SFT examples) and DeepSeek-R1-Zero (pure RL, no demonstrations) both …": what a
# side is, in a parenthesis of several words, is not part of its name
SIDE_ASIDE = re.compile(r"\s*\((?=[^()]*\s)[^()]*\)")
SIDE_SETTING = re.compile(r"\s+(?:before|after)\s+", re.I)


# "if I set it small vs large": two settings of one knob, whose sentences never name "small" as a thing
_SETTING = r"(?:small|large|low|high|short|long|few|many|early|late|big|tiny|huge)"
SETTING_VALUES = re.compile(rf"\b{_SETTING}\s+(?:vs\.?|versus)\s+{_SETTING}\b", re.I)


# "Generative agents pulling old memories back vs a hybrid RAG retriever pulling document chunks": two
# subjects doing the same thing to different objects; each side is its whole clause, which names
# what it does to what. Not a name ending in -ing set somewhere ("prompt caching in the harness notes")
_DOING = (r"(?P<doer>[\w'’.-]+(?:\s+[\w'’.-]+){{0,{most}}})\s+(?P<verb>[a-z]{{3,}}ing)\s+"
          r"(?!(?:in|on|for|with|at|of|from|to|by|under|during)\s)[^?;:,\u2014]*\w")
DOING_FIRST = re.compile(_DOING.format(most=MAX_SIDE_WORDS - 1) + "$", re.I)
DOING_SECOND = re.compile(r"^(?:a|an|the)?\s*" + _DOING.format(most=MAX_SIDE_WORDS - 1), re.I)


def doing_sides(before: str, after: str) -> list[str]:
    """Two clauses doing the same thing ("X pulling A vs Y pulling B"), each a side; [] for any other
    pair of segments, and for a name ending in the verb ("activation patching vs …")."""
    first = DOING_FIRST.search(re.split(r"[?,;:\u2014]\s*|[.!]\s+", before)[-1])
    second = DOING_SECOND.match(after)
    if not first or not second or first.group("verb").lower() != second.group("verb").lower():
        return []
    return [LEADING.sub("", first.group(0), count=1), second.group(0)]


def comparison_sides(question: str) -> list[str]:
    if SETTING_VALUES.search(question):
        return []
    # a "vs" inside an aside says what the notes or a side hold ("the state-management notes (React
    # context vs module state) …", "(filtering vs generating)"), not what is compared
    segments = VS_SPLIT.split(SIDE_ASIDE.sub("", question))
    if len(segments) == 2 and (doers := doing_sides(*segments)):
        return doers
    if len(segments) > 1:  # "A vs B", "A vs B vs C"
        sides = [_tail_phrase(segments[0])]
        # "reward hacking in RLHF vs in RL with verifiable rewards": the sides follow the preposition
        shared = re.match(r"(in|on|for|with|at|under|during)\s+\S", segments[1], re.I)
        before = re.search(rf"\b{shared.group(1)}\s+(?P<side>[^,;:?]+)$", segments[0], re.I) if shared else None
        if before:
            sides = [leading_phrase(before.group("side"))]
            segments = [segments[0], segments[1][len(shared.group(1)):].lstrip(), *segments[2:]]
        for segment in segments[1:]:
            sides.append(leading_phrase(segment))
            if CLAUSE_BREAK.search(segment):  # "A vs B: what's the cost vs accuracy tradeoff?" has two sides
                break
    elif listed := listed_sides(question):
        sides = listed
    elif counted := counted_sides(unaside := SIDE_ASIDE.sub("", question)):
        sides = counted
    elif not re.search(ITEM, question, re.I):  # "(1) … both top-k and top-p …? (2) …" is asked in parts
        sides = pattern_sides(unaside)
    else:
        sides = []
    # "canary release before shipping a new version": the side ends where its setting begins
    sides = [SIDE_SETTING.split(s, maxsplit=1)[0] for s in sides]
    sides = [s for s in sides if tokenize(s)]
    return sides if len(sides) > 1 and len({s.lower() for s in sides}) == len(sides) else []


def side_word(side: str) -> str | None:
    """The word that names a comparison side: "flamingo" of "Flamingo-style cross-attention",
    "zero" of "ZeRO-3/FSDP"."""
    words = [t for w in re.split(r"[\s/-]+", side) for t in tokenize(w)]
    return next((w for w in words if w not in GENERIC_SIDE_WORDS and w not in FRAME_WORDS), None)


# A side that is one technical token ("top-k", "pass@k", "pass^k") is named only by itself:
# its parts ("top", "pass") name the other side too.
JOINED_SIDE = re.compile(r"[a-z0-9]+[-@^][a-z0-9*]+", re.I)


def side_words(sides: list[str]) -> list[str | None]:
    """Each side's naming word, preferring one the other sides don't share ("decoding" and
    "execution" for "speculative decoding vs speculative execution")."""
    words = [[s.strip().lower()] if JOINED_SIDE.fullmatch(s.strip()) else
             [t for w in re.split(r"[\s/-]+", s) for t in tokenize(w)] for s in sides]
    out = []
    for n, mine in enumerate(words):
        others = {t for m, ws in enumerate(words) if m != n for t in ws}
        usable = [w for w in mine if w not in GENERIC_SIDE_WORDS and w not in FRAME_WORDS]
        out.append(next((w for w in usable if w not in others), usable[0] if usable else None))
    return out


# A side's own setting, between its name and the next side: "DARE's drop-and-rescale in model merging
# and inverse propensity scoring in the For-You feed design both …". One after the last side is shared
# by all ("perplexity vs phind on citation precision").
SIDE_QUALIFIER = r"(?:\s+(?:in|on|for|under|during|from|inside|within)\s+[^,;:?.!\u2014]+?(?=\s+(?:and|vs\.?|versus|both)\s))?"


def side_query(question: str, sides: list[str], keep: int) -> str:
    """The question about one side only: the other sides, and the setting each is named in, taken
    out, so retrieval looks for it."""
    text = without_other_sides(question, sides, keep)
    return text if side_word(sides[keep]) in tokenize(text) else f"{sides[keep]} {text}"


def without_other_sides(question: str, sides: list[str], keep: int) -> str:
    """``question`` with every side but ``keep`` taken out, with the setting each is named in."""
    text = question
    words = side_words(sides)
    for n, side in enumerate(sides):
        if n != keep:
            text = re.sub(re.escape(side) + SIDE_QUALIFIER, " ", text, flags=re.I)
            # "…, and why does one Sora pass pay …": the other side named again later
            if words[n] and words[n] != words[keep]:
                text = re.sub(rf"(?<![\w-]){re.escape(words[n])}(?:'s)?(?![\w-])", " ", text, flags=re.I)
    return " ".join(VS_SPLIT.sub(" ", text).split())


_ASK_START = r"(?:what|which|how|when|where|who|why|does|do|did|is|are|can|should|would)\b"
# "In each, what is shared, what does each worker keep to itself, and what extra cost comes …?":
# a clause that opens with a question word after a comma, colon or dash is a thing asked of the sides
_ASK_SPLIT = re.compile(rf"(?:[,;:?.]\s+|\s+[—–]\s+)(?:and\s+|or\s+|but\s+|also\s+|then\s+)?(?={_ASK_START})", re.I)


# "…, and why is only one of them pinned inside a node?": a later why asks about the contrast, a
# further question, unless it asks it of each side ("and why does each need warmup?")
_CONTRAST_WHY = re.compile(r"why\b(?!.*\b(?:each|either|both)\b)", re.I)


def asked_clauses(question: str) -> list[str]:
    """The things a comparison asks of each side, one clause each: each is looked for on every side."""
    pieces = [p.strip(" ?.") for p in _ASK_SPLIT.split(" ".join(question.split()))]
    asks = [p for p in pieces if re.match(_ASK_START, p, re.I)]
    return asks[:1] + [a for a in asks[1:] if not _CONTRAST_WHY.match(a)]
