"""The form some questions want their answer in — a multiplier, a share, a name of the asked kind,
one of the options offered, a model size the notes write — and whether the quoted sentences
give it. Quotes about the right thing in the wrong form ("far more tokens" for "how many x more
tokens") are related text, not the answer."""

from __future__ import annotations

import re
from collections.abc import Container

from ..query.analysis import NOT_A_FAMILY
from .numeric import quantities
from .text import NUMBER_RE, display_sentence

# "3.5x", "112×": a multiple written with its sign ("8×H100" and "450 × 10^9" are not).
_TIMES_SIGN = r"\d[x×](?!\w|\.\d)"
# "3.5x", "8 times", "40%": a comparison's answer as a ratio.
RATIO_RE = re.compile(rf"{_TIMES_SIGN}|\d\s*(?:times|%)")
# "how many x more tokens", "how many times faster", "by what factor": a multiplier is the answer.
ASKS_RATIO = re.compile(r"\bhow\s+many\s+(?:x|times)\s+(?:more|less|fewer|larger|smaller|bigger|faster|slower|cheaper|"
                        r"higher|lower)\b|\bby\s+what\s+factor\b|\bhow\s+many[\s-]+fold\b", re.I)
MULTIPLIER_RE = re.compile(rf"{_TIMES_SIGN}|\d\s*(?:times|-fold|fold)\b|\bfactor\s+of\s+(?:about\s+|~\s*)?\d", re.I)
# A model named with its size ("mixtral 8x22B", "BLOOM-176B", "Llama 2 13B"): the size picks the variant.
VARIANT_RE = re.compile(r"(?<![\w-])(?P<name>[A-Za-z][\w.]*(?:[\s-]\d[\w.]*)?)[\s-](?P<size>\d+(?:\.\d+)?(?:x\d+)?[BT])\b")
# "which TPU — v4, v5e or v5p?", "the 1M, 4M or 34M one": the question offers the answers to choose from.
_OPTION = r"[\w.$%×-]*\d[\w.$%×-]*"
CHOICES_RE = re.compile(rf"(?<![\w.$-])(?P<options>{_OPTION}(?:,\s*{_OPTION})*,?\s+or\s+{_OPTION})(?![\w.$-])")
VALUE_OPTION = re.compile(r"[$~]?\d[\d.,]*\s*(?:%|x|×|[KMB]|ms|s)?")  # "1.1", "10%", "4x", "$2", "200 ms"
# "Which text-to-speech model gives voice to …", "which storage system?": the answer is a name.
NAMED_KIND = re.compile(r"\b(?:which|what)\s+(?P<kind>(?:[\w-]+\s+){0,2}?(?:models?|system|tokenizer|implementation|"
                        r"library|API|provider|vendor|database|storage|store|format|framework|engine|service|hardware|"
                        r"GPU|chip|company|dataset|benchmark|optimizer|algorithm))(?:\s+(?:does|did|do|is|are|was|were|"
                        r"gives?|powers?|runs?)\b|\s*[?,]|$)", re.I)
# A name the sentence gives: capitalised mid-sentence, camel-cased or with a digit ("Orca", "vLLM", "A100").
GIVEN_NAME = re.compile(r"(?<=[\s(/\"'])(?:[A-Z][\w.+-]*[A-Za-z0-9]|[a-z]+[A-Z]\w*|\w*\d\w*[A-Za-z]\w*)")
# "what fraction of the captions …", "what loss-recovered percentage …": a share is the answer ("what does
# the share … depend on" asks none).
ASKS_SHARE = re.compile(r"\b(?:what|which)\s+(?:(?!(?:does|do|did|is|are|was|were|the|a|an|its|their)\b)[\w-]+\s+){0,2}?"
                        r"(?:fraction|percentage|share|proportion|percent)\b|\b(?:what|which)\s+%", re.I)  # "what % of …"
SHARE_RE = re.compile(r"\d[\d.,]*\s*(?:%|percent)|(?<![\d.])0\.\d+|\d+\s*/\s*\d+|"
                      r"\b(?:half|a third|a quarter|one in \d+|\d+ (?:in|of|out of) (?:every )?\d+)\b", re.I)
# "how many microseconds of launch overhead", "how many minutes of outage": the answer is a number in that unit.
_BYTE_UNIT = r"(?:bytes?|[KMGTP]i?B)"
UNIT_FORMS = {"microseconds": r"(?:µs|μs|us|microseconds?)", "milliseconds": r"(?:ms|milliseconds?)",
              "ms": r"(?:ms|milliseconds?)", "seconds": r"(?:s|sec|seconds?)", "minutes": r"(?:min|minutes?)",
              "hours": r"(?:h|hrs?|hours?)", "days": r"days?", "bytes": _BYTE_UNIT, "kb": _BYTE_UNIT, "mb": _BYTE_UNIT,
              "gb": _BYTE_UNIT, "tb": _BYTE_UNIT, "kib": _BYTE_UNIT, "mib": _BYTE_UNIT, "gib": _BYTE_UNIT}
ASKS_UNIT = re.compile(rf"\bhow\s+many\s+(?P<unit>{'|'.join(UNIT_FORMS)})\b", re.I)
# Asks for a figure outright: only a number the question did not give can answer it.
ASKS_FIGURE = re.compile(r"\bhow\s+(?:many|much|often|long|big|large|accurate)\b|"
                         r"\bwhat\s+(?:[\w@^.-]+\s+){0,2}?(?:percentage|fraction|share|"  # "what overlap@10 value"
                         r"accuracy|score|rate|value|size|count|coefficient|cutoff|threshold|width|delay|timeout|"
                         r"interval|cap)s?\b", re.I)
FIGURE = "the figure"
MULTIPLIER = "the multiplier"
SHARE = "the share"


def unwritten_variants(question: str, vocabulary: Container[str]) -> list[str]:
    """The sized models a question names whose size the notes never write ("mixtral 8x22B" where
    the notes work Mixtral 8x7B): nothing quoted gives that variant's figures, however it is cased
    (``analysis.model_variants`` reads only capitalised families with plain sizes)."""
    return [m.group(0) for m in VARIANT_RE.finditer(question)
            if m.group("name").split()[0].lower() not in NOT_A_FAMILY and m.group("size").lower() not in vocabulary]


def unchosen(question: str, sentences: list[str]) -> str | None:
    """A which-question that offers its answers ("v4, v5e or v5p") when no quoted sentence
    names any of them: the quotes are about the thing, not the choice."""
    m = CHOICES_RE.search(question) if re.search(r"\b(?:which|what)\b", question, re.I) else None
    if not m:
        return None
    options = [o for o in re.split(r",\s*|\s+or\s+", m.group("options")) if o]
    said = any(re.search(rf"(?<![\w.-]){re.escape(o)}(?![\w-])", s, re.I) for o in options for s in sentences)
    return None if said else f"which of {m.group('options')}"


# Guesses the asker offers, each its own short question: "(1B? 8B?)", "hourly? nightly?", "(C4?
# WikiText-2?)", "(calculator, calendar, search, ...?)", "1.5 Pro, 2.0 Flash, something else?", "is
# it really ~10 ms per render?", "— something like 6x over 6 hours?". Someone who guesses does not
# know the value; a quote that has none of the guesses is about the thing, not its value (dev: every
# one of the 48 review questions that guesses so is one the notes do not answer).
GUESS_WORDS = 4  # a guess is a value or a short name; a longer "…?" is a question of its own
_PAREN_GUESSES = re.compile(r"\((?P<guesses>[^()]*\?)\s*\)")
_ELSE_GUESSES = re.compile(r"(?:[:(,?\u2014]|\s[\u2013-])\s*(?P<guesses>[^:?()\u2014,]+(?:,\s*[^:?()\u2014,]+)*?),?\s+"
                           r"(?:or\s+)?(?:something|anything)\s+else\?", re.I)
_IS_IT_VALUE = re.compile(r"(?:\b(?:is|was)\s+(?:it|that)\s+(?:really\s+|actually\s+|just\s+|something\s+\w+\s+)?"
                          r"(?:like\s+|around\s+|about\s+|roughly\s+)?|[\u2014,]\s+something\s+like\s+)"
                          r"(?P<guesses>~?\d[^?]{0,30})\?", re.I)
_FILLER = re.compile(r"^(?:like|or|maybe|say|e\.g\.|is\s+it|is\s+that)\s+|\s*(?:\.\.\.|\u2026|etc\.?)$", re.I)
_LEADING_VALUE = re.compile(r"~?(?P<value>\d[\d.,]*(?:e-?\d+)?[A-Za-z%]*)")


def offered_guesses(question: str) -> list[str]:
    """The values or names a question guesses at, in the forms above; none when it guesses nothing."""
    text = " ".join(question.split())
    found = [m.group("guesses") for r in (_PAREN_GUESSES, _ELSE_GUESSES, _IS_IT_VALUE) for m in r.finditer(text)]
    # a run of two or more short questions after a full one: "how often is it rebuilt? hourly? nightly?"
    pieces = [p.strip() for p in re.split(r"(?<=\?)\s+|\s\u2014\s", text)]
    run = [p for p in pieces[1:] if p.endswith("?") and len(p.split()) <= GUESS_WORDS and not p.startswith("(")]
    found += ["?".join(run)] if len(run) >= 2 else []
    guesses = [_FILLER.sub("", g.strip(" ?")) for f in found for g in re.split(r"\?|,|\s+or\s+", f)]
    return [g for g in guesses if g and len(g.split()) <= GUESS_WORDS]


def without_guesses(question: str) -> str:
    """The question without its bracketed guesses, whose question marks end no clause."""
    return " ".join(_PAREN_GUESSES.sub(" ", question).split())


def unguessed(question: str, sentences: list[str]) -> bool:
    """The question guesses at the value it asks ("is it around 10 samples, 20, 40?") and no quoted
    sentence gives any of the guesses."""
    guesses = offered_guesses(question)
    if not guesses:
        return False
    shown = [display_sentence(s) for s in sentences]
    for guess in guesses:
        value = _LEADING_VALUE.match(guess)
        said = value.group("value") if value else guess
        if any(re.search(rf"(?<![\w.,-]){re.escape(said)}(?!\w|[-.,]\d)", s, re.I) for s in shown):
            return False
    return True


def offers_values(choice: str) -> bool:
    """Whether ``unchosen``'s options are plain values ("which of 1.1 or 1.2"): what is missing
    is then the asked quantity, not a choice among the numbers the question guessed."""
    options = re.split(r",\s*|\s+or\s+", choice.removeprefix("which of "))
    return all(VALUE_OPTION.fullmatch(o) for o in options if o)


def names_any(question: str, sentences: list[str]) -> bool:
    """Some quoted sentence gives a name the question does not: a candidate answer to "which …"."""
    asked = question.lower()
    return any(w.lower() not in asked for s in sentences for w in GIVEN_NAME.findall(display_sentence(s)))


def gives_share(question: str, sentences: list[str]) -> bool:
    """Some quoted sentence gives a share (a percentage, a fraction, "one in 20") the question did not."""
    given = set(NUMBER_RE.findall(question))
    for share in (m.group(0) for s in sentences for m in SHARE_RE.finditer(display_sentence(s))):
        numbers = set(NUMBER_RE.findall(share))
        if not numbers or not numbers <= given:  # "half", or a figure of its own
            return True
    return False


# "models of 175B parameters": a model's size, which answers only a question about sizes.
MODEL_SIZE = re.compile(r"\d+(?:\.\d+)?[BMT]\b")
ASKS_SIZE = re.compile(r"\b(?:parameters?|params|size|big|large|models?)\b", re.I)


def gives_number(question: str, sentences: list[str]) -> bool:
    """Some quoted sentence gives a number the question did not (a model's size only when the
    question is about sizes or models)."""
    given = {n.replace(",", "") for n in NUMBER_RE.findall(question)}
    shown = [display_sentence(s) for s in sentences]
    if not ASKS_SIZE.search(question):
        shown = [MODEL_SIZE.sub(" ", s) for s in shown]
    return any(n.replace(",", "") not in given for s in shown for n in NUMBER_RE.findall(s))


def in_unit(question: str, unit: str, sentences: list[str]) -> bool:
    """Some quoted sentence gives a number in ``unit`` (or its abbreviation) the question did not."""
    given = set(NUMBER_RE.findall(question))
    pattern = re.compile(rf"(\d[\d.,]*)\s*(?:[KMGT]\s*)?{UNIT_FORMS[unit.lower()]}(?![\w])", re.I)
    return any(m.group(1) not in given for s in sentences for m in pattern.finditer(display_sentence(s)))


# "what's the default bucket size", "which model does it run by default": only a sentence that says
# what holds by default answers it; one about the setting itself does not.
ASKS_DEFAULT = re.compile(r"\b(?:what|which)(?:'s|\s+is|\s+are|\s+was)?\s+(?:the\s+|its\s+|their\s+)?(?:[\w.-]+'s\s+)?"
                          r"default\b|\bby\s+default\b|\bdefaults?\s+to\b"
                          r"|\bas\s+(?:the|a)\s+default\b", re.I)  # "what p do its authors recommend as the default"
SAYS_DEFAULT = re.compile(r"\bdefault", re.I)
DEFAULT = "the default"
# "in what year was it published", "when was it first released": only a year the question did not give answers.
ASKS_YEAR = re.compile(r"\b(?:what|which)\s+year\b|\bwhen\s+was\b[^?]*?\b(?:published|released|introduced|proposed|"
                       r"invented|announced)\b"
                       r"|\b(?:what|which)\s+(?:[\w-]+\s+){1,2}(?:and|or)\s+year\b", re.I)  # "which paper and year"
YEAR_RE = re.compile(r"(?<![\w.,])(?:19[5-9]\d|20[0-2]\d)(?![\w.,]\d)")  # the field's years; "2048 tokens" is none
YEAR = "the year"
# "recall@10", "nDCG@10", "top-100 retrieval accuracy": a metric at a cutoff, stated only at that cutoff.
AT_CUTOFF = re.compile(r"\b(?P<at>[a-z][\w-]*@\d+)\b|\b(?P<top>top-\d+)\s+(?:[\w-]+\s+)?accurac(?:y|ies)", re.I)


def unstated_cutoff(question: str, sentences: list[str]) -> str | None:
    """A metric the question asks at a cutoff ("top-100 accuracy") that no quoted sentence writes
    at that cutoff ("top-20" is another figure)."""
    shown = " ".join(display_sentence(s) for s in sentences).lower()
    for m in AT_CUTOFF.finditer(question):
        # "neighbour-overlap@10" is written "overlap@10"; "top-100" also "top 100"
        token = m.group("at").lower().rsplit("-", 1)[-1] if m.group("at") else m.group("top").lower()
        cutoff = re.escape(token).replace(r"\-", r"[\s-]")
        if not re.search(rf"(?<![\w@-]){cutoff}(?!\d)", shown):
            return m.group(0)
    return None


def gives_year(question: str, sentences: list[str]) -> bool:
    """Some quoted sentence gives a year the question did not."""
    given = set(YEAR_RE.findall(question))
    return any(y not in given for s in sentences for y in YEAR_RE.findall(display_sentence(s)))


# "how long did a restart take", "after what timeout does the ledger reclaim it": a duration is the answer
ASKS_DURATION = re.compile(r"\bhow\s+long\s+(?:did|does|do|will|would|should|can|is|was|has|have)\b[^?]*?\b"
                           r"(?:take|took|wait|hold|last|run|stay|keep|live|survive)\b"
                           r"|\b(?:what|which)\s+(?:[\w-]+\s+)?(?:timeout|ttl|deadline)\b"
                           r"|\bafter\s+what\s+(?:timeout|time|delay|interval)\b|\bhow\s+long\s+(?:until|before)\b", re.I)
# the time units a "how many <unit>" question reads, and the longer ones a duration may take
_TIME_UNITS = "|".join(UNIT_FORMS[u] for u in ("microseconds", "milliseconds", "seconds", "minutes", "hours", "days"))
DURATION_RE = re.compile(rf"(\d[\d.,]*)\s*(?:-\s*)?(?:GPU-)?(?:{_TIME_UNITS}|secs|mins|weeks?|months?|years?)(?![\w/])", re.I)
DURATION = "the duration"


def gives_duration(question: str, sentences: list[str]) -> bool:
    """Some quoted sentence gives a duration ("3-minute restart", "0.16 ms") the question did not."""
    given = set(NUMBER_RE.findall(question))
    return any(m.group(1) not in given for s in sentences for m in DURATION_RE.finditer(display_sentence(s)))


# "what did the run actually cost in dollars", "how much money did they spend": only a dollar amount answers
ASKS_DOLLARS = re.compile(r"\b(?:in\s+(?:dollars|USD)|how\s+many\s+dollars|how\s+much\s+money|dollar\s+(?:cost|amount|figure))\b",
                          re.I)
DOLLAR_RE = re.compile(r"\$\s?(\d[\d.,]*)")
DOLLARS = "the cost in dollars"


def gives_dollars(question: str, sentences: list[str]) -> bool:
    """Some quoted sentence gives a dollar amount the question did not."""
    given = set(DOLLAR_RE.findall(question))
    return any(m.group(1) not in given for s in sentences for m in DOLLAR_RE.finditer(display_sentence(s)))


# "Is there a hard cap on how many tool definitions …?", "what's the max number of tiles": only a stated
# limit answers, not the thing's size in a worked example (review dev: 4 unanswerables flagged, no answerable one)
ASKS_LIMIT = re.compile(r"(?:^|[.?!]\s+)is\s+there\s+(?:a|an|any)\s+(?:hard\s+|fixed\s+|documented\s+|upper\s+)?"
                        r"(?:maximum|max|limit|cap|ceiling|bound)\b"
                        r"|\bwhat(?:'s|\s+is)\s+the\s+(?:maximum|max)\b", re.I)
LIMIT_RE = re.compile(r"\b(?:max(?:imum)?|limit(?:ed|s)?|caps?|capped|ceiling|at\s+most|up\s+to|no\s+more\s+than|"
                      r"upper\s+bound)\b", re.I)
LIMIT = "the limit"
LIMIT_REACH = 20  # characters: "a cap of 25,000", "the 25 KB cap", not a number a clause away


def gives_limit(question: str, sentences: list[str]) -> bool:
    """Some quoted sentence states a limit with a number beside the limit's word that the question
    did not give ("a default cap of 25,000 tokens" does not answer "it defaults to 25k: is there a
    hard ceiling?", nor "the 200-line cap loads at most 200 × 12 tokens" a question that gave 200)."""
    given = quantities(question)  # "25k" is the notes' "25,000"
    for s in map(display_sentence, sentences):
        for m in LIMIT_RE.finditer(s):
            after = NUMBER_RE.search(s[m.end():m.end() + LIMIT_REACH])
            before = NUMBER_RE.findall(s[max(0, m.start() - LIMIT_REACH):m.start()])
            near = ([after.group(0)] if after else []) + before[-1:]
            if any(quantities(n) - given for n in near):
                return True
    return False


def unshaped(question: str, clause: str, sentences: list[str], numeric: bool = False) -> str | None:
    """What the quotes lack when the question wants its answer in a form they never take:
    MULTIPLIER, "which <kind>", SHARE, FIGURE, DEFAULT, YEAR, DURATION, DOLLARS, LIMIT or "the number of <unit>" (``clause``: the
    part of the question that asks)."""
    if (unit := ASKS_UNIT.search(clause)) and not in_unit(question, unit.group("unit"), sentences):
        return f"the number of {unit.group('unit')}"
    if ASKS_RATIO.search(clause) and not any(MULTIPLIER_RE.search(display_sentence(s)) for s in sentences):
        return MULTIPLIER  # "far more tokens" is no "how many x more"
    if (kind := NAMED_KIND.search(question)) and not names_any(question, sentences):
        return f"which {kind.group('kind')}"  # quotes about the thing that name no such thing
    if ASKS_SHARE.search(question) and not gives_share(question, sentences):
        return SHARE  # "resample a fraction of the golden set"
    if numeric and ASKS_FIGURE.search(question) and not gives_number(question, sentences):
        return FIGURE  # "ping events keep the connection alive" for "how often are pings sent"
    if ASKS_DEFAULT.search(question) and not any(SAYS_DEFAULT.search(s) for s in sentences):
        return DEFAULT  # "DDP overlaps this communication … by grouping gradients into buckets"
    if cutoff := unstated_cutoff(question, sentences):
        return f"the {cutoff}"  # DPR's top-20 accuracy, for "what were the top-100 accuracies"
    if ASKS_YEAR.search(question) and not gives_year(question, sentences):
        return YEAR  # how reciprocal rank fusion works, for "in what year was it published"
    if ASKS_DURATION.search(clause) and not gives_duration(question, sentences):
        return DURATION  # how leases return to the parent, for "after what timeout is a lease reclaimed"
    if ASKS_DOLLARS.search(question) and not gives_dollars(question, sentences):
        return DOLLARS  # GPU-days and FLOPs, for "what did the run cost in dollars"
    if ASKS_LIMIT.search(clause) and not gives_limit(question, sentences):
        return LIMIT  # a 15-tool example's token count, for "is there a hard cap on how many tools"
    return None
