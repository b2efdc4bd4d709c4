"""Does a quoted sentence state the asked attribute? The asked noun named (or its unit given),
and for a number, a value the question did not already give, near the attribute or counting the
asked noun; a worked case the question sets up, worked out. ``coverage`` asks these questions."""

from __future__ import annotations

import re

from ..query.ranking import Ranking
from ..tokenize import mentions_all, stem_tokens, tokenize
from .answer_shape import ASKS_SHARE, gives_share, names_any
from .asked import HOW_BIG, owner_phrase
from .numeric import RESULT_RE, WORKED_CASE_VALUES, case_values, quantities
from .text import NUMBER_RE, display_sentence

# "How many bytes of optimizer state per parameter does…": the counted noun ends the phrase after
# "how many", before its first preposition or verb.
COUNT_RE = re.compile(r"\bhow\s+many\s+(?:\S+\s+){0,3}?(?P<noun>[^\s?,;:]+?)(?:\s+(?:of|per|in|on|at|for|to|from|with|that|"
                      r"does|do|did|is|are|was|were|has|have|had|can|could|would|will|should|must)\b|[?,;:]|$)", re.I)
# "a 1M-token context window", "a 4,096-token sequence": the count describes the next noun.
COUNT_ADJECTIVE = re.compile(r"\d[\d.,]*[KMBkmb]?-[A-Za-z]+\s+(?=[a-z])")
SIZE_NOUNS = frozenset({"parameter", "layer", "head", "expert", "gpu"})  # what a "70B-parameter" adjective counts
VALUE_WINDOW = 6  # words either side: "the peak learning rate was set to 6e-4 for" fits; a clause away does not
COUNT_GAP = 2  # words between a count and what it counts: "96 transformer layers", "five iterative rounds"
# A count written as a word states a number as much as digits do: "five iterative rounds of RLHF".
NUMBER_WORDS = (r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                r"fifty|hundred|thousand|million|billion|trillion|dozen)")
NUMBER_WORDS_RE = re.compile(rf"\b{NUMBER_WORDS}\b", re.I)
# A quantity is stated by its value in its unit as much as by its name: "1.25 GiB of cache"
# answers "how much memory", "$0.90" answers "what does it cost".
_BYTES = re.compile(r"\d\s*(?:[KMGTP]i?B|bytes?)\b")
_MONEY = re.compile(r"\$\s?\d|\d\s*(?:USD|dollars?)\b")
_TIME = re.compile(r"\d\s*(?:ms|s|seconds?|minutes?|hours?|days?)\b")
# a size in bytes, or in tokens ("typical chunk sizes": "256–1,024 tokens")
_SIZE = re.compile(rf"{_BYTES.pattern}|\d\s*[KM]?\s*tokens?\b")
QUANTITY_UNITS: dict[str, re.Pattern[str]] = {
    "memory": _BYTES, "size": _SIZE, "footprint": _BYTES, "storage": _BYTES, "cache": _BYTES,
    "cost": _MONEY, "price": _MONEY, "pricing": _MONEY, "bill": _MONEY, "charge": _MONEY,
    "time": _TIME, "latency": _TIME, "duration": _TIME,
    "bandwidth": re.compile(r"\d\s*(?:[KMGT]B/s|GB/s|TB/s)"), "throughput": re.compile(r"\d\s*(?:tok(?:en)?s?/s|req/s)"),
    "flop": re.compile(r"\d\s*(?:[GTPE]?FLOPs?)\b"), "compute": re.compile(r"\d\s*(?:[GTPE]?FLOPs?)\b"),
    **dict.fromkeys(("share", "fraction", "percentage", "proportion"), re.compile(r"\d\s*(?:%|percent\b)")),
}


# Words for one quantity: "the chance a pair is flagged" is stated as "the probability that a pair …".
SAME_QUANTITY = (frozenset({"chance", "probability", "likelihood"}),)
# Quantities a formula writes as a symbol: "He init: σ = √(2/4,096) ≈ 0.0221" states a standard deviation.
SYMBOL_WORDS = ((re.compile(r"σ(?![²^])|\\sigma(?!\s*\^)"), frozenset({"standard", "deviation", "std"})),
                (re.compile(r"σ²|σ\^2|\\sigma\s*\^\{?2|\bVar\(|\\mathrm\{Var\}"), frozenset({"variance"})))


# "13-gram" is an n-gram of size 13, "top-40" a top-k with k = 40: the number stands for the letter.
VALUED_TOKEN = re.compile(r"\d[\d.,]*-([a-z]+)|([a-z]+)-\d[\d.,]*")
VARIABLES = "nkmp"  # the letters a question writes for such a number
VALUE_WORDS = frozenset({"size", "value", "length"})  # what "the n-gram size" asks is that number


def with_synonyms(tokens: set[str], wanted: list[str], text: str = "") -> set[str]:
    """A sentence's tokens with the other words for each quantity it names; an asked two-word
    compound the sentence writes as words ("per token" for "per-token"; a longer one names a
    unit, "output-tokens-per-minute", which a sentence with the words need not give); and, when a
    compound with a variable is asked ("what n-gram size"), the same compound with a number
    ("13-gram"), which gives its size too."""
    valued = {f"{v}-{m.group(1)}" if m.group(1) else f"{m.group(2)}-{v}"
              for t in tokens if (m := VALUED_TOKEN.fullmatch(t)) for v in VARIABLES} & set(wanted)
    sized = VALUE_WORDS if valued else frozenset()
    spaced = {w for w in wanted if w.count("-") == 1 and re.search(
        r"(?<![\w-])" + r"[\s-]?".join(map(re.escape, w.split("-"))) + r"(?![\w-])", text, re.I)}
    written = {w for symbol, words in SYMBOL_WORDS for w in words if symbol.search(text)}
    return tokens.union(valued, sized, spaced, written, *(group for group in SAME_QUANTITY if tokens & group))


# Words that name a category, not the attribute itself: "activation (function)", "positional
# (encoding)" are what GELU and RoPE are.
CATEGORY_WORDS = frozenset(tokenize("function method technique scheme approach mechanism algorithm type kind variant "
                                    "encoding embedding architecture format"))


def names_kind(focus: list[str], stems: list[str], tokens: set[str], sentence: str, question: str) -> bool:
    """A category asked by its modifier ("what message format does MCP use") is stated by a
    sentence that uses the modifier (``stems``) and gives a name of its own ("MCP messages are
    JSON-RPC 2.0 requests"): the name is the kind."""
    if focus[-1] not in CATEGORY_WORDS:
        return False
    return set(stems) <= set(stem_tokens(sorted(tokens))) and names_any(question, [sentence])


# "what share of SWE-bench did SWE-agent resolve": "12.5% resolved" gives the share without the word.
SHARE_WORDS = frozenset({"share", "fraction", "percentage", "percent", "proportion"})
SHARE_GAP = 2  # words between "43% of" and the noun it is a share of: "of MMLU's questions", "of all comparisons"
# A size as the notes write one: bytes, or a parameter count ("1.3B-parameter", "6B", "175 billion").
SIZE_RE = re.compile(r"\d\s*(?:[KMGTP]i?B|bytes?|[KMBT](?![a-z])|(?:million|billion|trillion)\b|param(?:eter)?s?\b)")
# "what size LLaMA model": a bare size is in tokens too, or a parameter count ("a 65B LLaMA base model")
_BARE_SIZE = re.compile(rf"{_SIZE.pattern}|{SIZE_RE.pattern}")


def unit_of(focus: list[str], question: str) -> re.Pattern[str] | None:
    """The unit the asked quantity is stated in, by its name or by "how big is"."""
    if not focus:
        return None
    if focus == ["size"]:
        return _BARE_SIZE
    return QUANTITY_UNITS.get(focus[-1]) or (_BYTES if HOW_BIG.search(question) else None)


def other_version(sentence: str, question: str, names: list[str]) -> bool:
    """The sentence gives one of the question's names with another version or size only: "five
    rounds of RLHF" of Llama 2 is not the number of rounds of Llama 3."""
    for name in names:
        asked = re.match(rf"{re.escape(name)}[\s-]+(\d[\w.]*)", owner_phrase(question, name))
        versions = {v.lower() for v in re.findall(rf"(?<![\w-]){re.escape(name)}(?:'s)?[\s-]+(\d[\w.]*)", sentence, re.I)}
        if asked and versions and asked.group(1).lower() not in versions:
            return True
    return False


def _singular(head: str) -> str:
    """A noun's stem for prefix matching: "layers" finds "layer" and "layers"."""
    return head[:-1] if head.lower().endswith("s") else head


def counts(sentence: str, head: str) -> bool:
    """The sentence gives a count of ``head``: a number right before it ("96 layers", "five
    iterative rounds") or right after it ("layers: 61", "n_layers = 32")."""
    word = rf"{re.escape(_singular(head))}\w*"
    # "a 1.3B-parameter model", "a 48-layer model" count what the thing is made of; "a 1M-token context
    # window" is the window's size, not a count of tokens processed
    own = _singular(head).lower() in SIZE_NOUNS
    sentence = COUNT_ADJECTIVE.sub(lambda m: m.group(0) if own and re.search(rf"-{word}\s", m.group(0), re.I) else " ",
                                   sentence)
    number = rf"(?:\d[\d.,]*[KMBkmb]?|{NUMBER_WORDS})"
    before = rf"(?<![\w.]){number}(?:[\s-]+\S+){{0,{COUNT_GAP}}}?[\s-]+{word}"
    after = rf"{word}(?:\s+[\w-]+){{0,{COUNT_GAP}}}?\s*(?:=|:|of|to|is|are|was|were)\s*(?:about\s+|~\s*)?{number}(?![\w.])"
    return bool(re.search(before, sentence, re.I) or re.search(after, sentence, re.I))


POSSESSED_GAP = 2  # modifiers between the owner and its attribute: "NotebookLM's strict policy"


def possessed(sentence: str, names: list[str], head: str) -> bool:
    """The sentence gives a named thing's attribute by the attribute's head noun in the possessive
    ("NotebookLM's strict policy" for its "grounding policy"): the modifier is the answer."""
    word = rf"{re.escape(_singular(head))}\w*"
    return any(re.search(rf"(?<![\w-]){re.escape(n)}['’]s\s+(?:[\w-]+\s+){{0,{POSSESSED_GAP}}}?{word}\b", sentence, re.I)
               for n in names)


def share_said(sentence: str, focus: list[str], question: str) -> list[str]:
    """The focus words a sentence must still name when it gives the asked share by its value:
    none for a bare "what share" ("12.5% resolved"); the rest for "what share of comparisons" only
    when the value is a share of them ("in 43% of comparisons", not a 25% baseline beside them)."""
    rest = [f for f in focus if f not in SHARE_WORDS]
    if rest == focus:
        return focus
    if not rest:
        return rest if gives_share(question, [sentence]) else focus
    of = rf"\d[\d.,]*\s*(?:%|percent)\s+of\s+(?:[\w'’-]+\s+){{0,{SHARE_GAP}}}?{re.escape(_singular(rest[-1]))}"
    return rest if re.search(of, sentence, re.I) else focus


def near(sentence: str, head: str, numbers: set[str]) -> bool:
    """One of ``numbers`` within VALUE_WINDOW words of the asked attribute: "a peak learning rate
    of 6e-4", not a token count elsewhere in a sentence that mentions the learning rate."""
    words = sentence.split()
    at = [i for i, w in enumerate(words) if w.lower().startswith(_singular(head).lower())]
    return any(n in " ".join(words[max(0, i - VALUE_WINDOW):i + VALUE_WINDOW + 1]) for i in at for n in numbers) \
        or not at  # the attribute said by its unit only ("140 GB" for memory)


def works_the_case(question: str, sentences: list[str]) -> bool:
    """A quoted sentence repeats at least two of the values the question sets its case up with
    and derives a number from them ("L = ½(−3 − 1)² = 8.0" for "x=2, w1=0.5, w2=-3"): the notes
    work the asked case, whatever the reader makes of the quotes. ("w_1 x = 0.5 × 2 = 1.0" derives
    nothing new: 1.0 is the question's 1.)"""
    asked = case_values(question)
    if len(asked) < WORKED_CASE_VALUES:
        return False
    for sentence in sentences:
        text = display_sentence(sentence)
        found = quantities(text)
        if len(found & asked) >= WORKED_CASE_VALUES and found - asked and RESULT_RE.search(text):
            return True
    return False


# "how many parameters does GPT-3 have": "GPT-3 175B has 96 layers" gives it in the model's name.
PARAMETER_WORDS = frozenset({"parameter", "parameters", "param", "params", "weight", "weights"})


def sized(sentence: str, names: list[str]) -> bool:
    """The sentence writes one of ``names`` with its size: "GPT-3 175B", "Llama-2-70B"."""
    return any(re.search(rf"(?<![\w-]){re.escape(n)}[\s-]+\d[\d.]*\s?[BMT]\b", sentence) for n in names)


def states(focus: list[str], numeric: bool, sentences: list[str], token_sets: list[set[str]],
           ranking: Ranking, context: frozenset[str] = frozenset()) -> bool:
    """Some quoted sentence names the asked attribute (and, for a number, gives one the
    question did not already give, like the 405 of "Llama 3 405B")."""
    given = set(NUMBER_RE.findall(ranking.query.text))
    unit = unit_of(focus, ranking.query.text)
    count = COUNT_RE.search(ranking.query.text)
    phrase = re.compile(rf"(?<![\w-]){re.escape(ranking.intent.focus)}(?![\w-])", re.I) if ranking.intent.focus else None
    # "decayed to 10% of the peak learning rate" gives a share of the attribute, not its value
    share = re.compile(rf"(\d[\d.,]*)\s*%\s+of\s+(?:the\s+|its\s+)?{re.escape(ranking.intent.focus)}", re.I) \
        if ranking.intent.focus else None
    shares_asked = bool(ASKS_SHARE.search(ranking.query.text))
    sized_thing = numeric and bool(focus) and focus[-1] not in QUANTITY_UNITS and bool(HOW_BIG.search(ranking.query.text))
    for sentence, tokens in zip(sentences, token_sets, strict=True):
        shown = display_sentence(sentence)
        if numeric and len(focus) == 1 and focus[0] in PARAMETER_WORDS and not sized(ranking.query.text, ranking.query.names) \
                and sized(shown, ranking.query.names):
            return True
        wanted = share_said(shown, focus, ranking.query.text) if shares_asked else focus
        named = (mentions_all(with_synonyms(tokens, wanted, shown), wanted)
                 or bool(phrase and phrase.search(sentence))  # "pass@1" is one token
                 or bool(focus and possessed(shown, ranking.query.names, focus[-1])))
        # "385 items" counts the "golden-set items" asked for when the passage it sits in is about
        # golden sets (``context``: the quoted passages' words); "144 heads" is no count of
        # "name-mover heads" in a passage that never names them
        named = named or bool(numeric and count and mentions_all(tokens | context, focus)
                              and counts(shown, count.group("noun")))
        # the unit as read, not as LaTeX: "$3.15\times10^{23}$ FLOPs" is "3.15×10^23 FLOPs"
        if not named and not (numeric and unit and unit.search(shown)):
            continue
        if numeric and other_version(sentence, ranking.query.text, ranking.query.names):
            continue
        if sized_thing and not SIZE_RE.search(shown):
            continue  # "how big was the reward model": "the reward-model stage used 33,000 prompts" is no size
        shares = set(share.findall(sentence)) if share else set()
        numbers = set(NUMBER_RE.findall(sentence)) - given - shares
        if not numeric or ((numbers or NUMBER_WORDS_RE.search(sentence))
                           and (counts(shown, count.group("noun")) if count else near(shown, focus[-1], numbers))):
            return True
    return False


def named_unvalued(focus: list[str], sentences: list[str], token_sets: list[set[str]]) -> bool:
    """Some quoted sentence names the asked quantity and gives no number at all ("resample a
    fraction of the golden set every month"): the notes speak of it without its value."""
    return any(mentions_all(tokens, focus) and not NUMBER_RE.search(display_sentence(sentence))
               for sentence, tokens in zip(sentences, token_sets, strict=True))


def states_quantity(focus: list[str], numeric: bool, sentences: list[str], ranking: Ranking) -> bool:
    """A quoted sentence gives the asked quantity in its unit ("1.25 GiB" for "how much
    memory"): positive evidence the reader is not asked to second-guess."""
    unit = unit_of(focus, ranking.query.text) if focus and numeric else None
    given = set(NUMBER_RE.findall(ranking.query.text))
    return bool(unit) and any(unit.search(display_sentence(s)) and set(NUMBER_RE.findall(s)) - given for s in sentences)
