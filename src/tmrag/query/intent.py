"""What a question asks for: its kind (definition, comparison, numeric, mechanism, list,
multi-part), the sides of a comparison, and its focus — the attribute or quantity asked about
("how many *layers*", "what *group size*", "which *port*"). The answer layer composes by kind and
checks the focus against what it quotes, so related text is never passed off as the answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..names import QuestionKind
from ..tokenize import tokenize
from .comparison import GENERIC_SIDE_WORDS, SIDE_ASIDE, comparison_sides
from .wording import A_LINE_EACH, FRAME_WORDS, ITEM, ITEM_MARK, LIST_NOUNS, WH_WORD, leading_phrase

# "how accurate was X": the measure an adjective asks for, as the notes would name it
MEASURED_BY = {"accurate": "accuracy", "expensive": "cost", "costly": "cost"}
HOW_MEASURED = re.compile(r"\bhow\s+(?P<adjective>" + "|".join(MEASURED_BY) + r")\b", re.I)
NUMERIC_RE = re.compile(
    r"\bhow\s+(?:many|much|long|big|large|fast|often|far)\b|\bcompute\b|\bcalculate\b|\bwork\s+out\b|"
    # "estimate the KV cache" asks a figure; "into an estimate of the true one" only sets the scene
    r"(?<!\ban\s)(?<!\bthe\s)(?<!\bits\s)\bestimate\b|"
    r"\bwhat(?:'s|\s+is|\s+are|\s+was|\s+were)?\s+(?:the\s+|its\s+|their\s+)?(?:[\w@^.-]+\s+){0,3}?"
    r"(?:number|size|count|rate|percentage|percent|fraction|ratio|cost|price|bill|throughput|latency|bandwidth|"
    r"memory|speedup|score|accuracy|value|threshold|budget|total|length|width|dimension|probability|chance|loss|"
    r"share|statistic|margin|wavelength|overshoot|gap|amount|volume|tpot|ttft|goodput|interval|utilization|coefficient|cutoff|"
    r"delay|timeout|"
    r"[GTPE]?FLOP(?:S|/s)|MFU|tokens?/s|tok/s|GB|GiB|TB)s?\b"
    r"(?!\s+(?:types?|kinds?|sorts?|categor(?:y|ies)|functions?)\b)"  # "what memory types": kinds, not a quantity
    # "what loss does each use": which loss, not its value
    r"(?!(?<=loss)\s+(?:does|do|did)\s+(?:[\w-]+\s+){0,2}(?:use|minimi[sz]e|optimi[sz]e)\b)|"
    r"\bwhat\s+\S+\s+(?:does|do|did)\s+[^?]{1,60}?\b(?:get|reach|score|achieve|hit)\b|"  # "what FID does X get"
    r"\bwhat\s+(?:[\w-]+\s+){1,2}factor\b|\bwhat\s+constant\s+[A-Za-z]\b|"  # "what capacity factor", "what constant k"
    rf"{HOW_MEASURED.pattern}",
    re.I)
# Units that look like names but are what a question asks for ("What TFLOPS does it reach?").
UNIT_NAME = re.compile(r"[GTPE]?FLOP[sS]?|MFU|[KMGT]i?B(?:/s)?|tok/s|ms", re.I)
KIND_ACRONYM = re.compile(r"LLMs?|APIs?|GPUs?|SDKs?|CLIs?|SLMs?|VLMs?")  # names of a kind of thing, not of one thing
# "how many X", "what/which X does …", "what is the X of …": X is the focus.
FOCUS_RES = [
    # "What size LLaMA base model did LIMA fine-tune?": the model's size, however the model is named.
    re.compile(r"\bwhat\s+(?P<f>sizes?)\s+(?!of\b)", re.I),
    # "what's the minimum Cohen's kappa a judge should hit?": a bound, up to the clause that sets it.
    re.compile(r"\bwhat(?:'s|\s+is|\s+are)\s+the\s+(?P<f>(?:minimum|maximum|max|min|default|recommended)\s+[^?]+?)\s+"
               r"(?:an?|that|which|to|should|before|when)\b", re.I),
    # "how big a non-inferiority margin should the guardrail get?": the thing measured.
    re.compile(r"\bhow\s+(?:big|large|long|wide|deep|high|low|much\s+of)\s+an?\s+(?P<f>[^?]+?)\s+"
               r"(?:should|does|do|did|is|are|was|were|would|will|can)\b", re.I),
    # "how much does switching to MQA shrink per-token KV memory?": the thing that changes.
    re.compile(r"\bhow\s+much\s+(?:does|do|did|would|will|can)\s+[^?]+?\s+(?:shrink|cut|reduce|save|increase|raise|"
               r"lower|grow|change)\s+(?:the\s+)?(?P<f>[^?]+)", re.I),
    re.compile(r"\bhow\s+(?:many|much)\s+(?P<f>[^?]+)", re.I),
    re.compile(r"\bwhat(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?:the\s+)?(?:[\w.@^-]+'s?\s+)?(?P<f>[^?]+?)\s+"
               r"(?:of|for|in|that|does|do|did|used|on|at)\b", re.I),
    # "what happens once a node is judged bad", "what goes wrong when …": an event asked, no attribute
    re.compile(r"\b(?:what|which)\s+(?P<f>(?!is\b|are\b|was\b|were\b|does\b|do\b|did\b|happen(?:s|ed)?\b|goes\b|went\b|"
               r"breaks?\b|causes?\b|changes?\b|gets?\b|makes?\b)[^?]+?)\s+"
               r"(?:does|do|did|is|are|was|were|can|should|would|will|has|have)\b", re.I),
    re.compile(r"\bwhat(?:'s|\s+is|\s+are|\s+was)\s+(?:the\s+)?(?P<owner>[\w.@^-]+)'s?\s+(?P<f>[^?]+)", re.I),
    # "What did Chinchilla score on MMLU?": the verb is the attribute.
    re.compile(r"\bwhat\s+(?:did|does|do|would|will)\s+(?:\S+\s+){1,4}?(?P<f>score)\b", re.I),
    # "how big is GPT-4's tokenizer vocabulary?": the thing measured.
    re.compile(r"\bhow\s+(?:big|large|long|wide|deep)\s+(?:is|are|was|were)\s+(?:the\s+)?(?:[\w.@^-]+'s?\s+)?(?P<f>[^?]+)",
               re.I),
    # "Which MCP spec revision (date) introduced …", "which TTS model gives …": the kind of thing asked for.
    re.compile(r"^\s*which\s+(?P<f>(?:[\w-]+\s+){0,3}?[\w-]+)\s+(?:\([^)]*\)\s+)?[a-z]+(?:ed|es|s)\b", re.I),
    # "What fraction of Character.ai users pay?": the measure before "of".
    re.compile(r"\bwhat\s+(?P<f>(?!(?:is|are|was|were|does|do|did|kind|sort|type|part|parts)\b)[\w-]+(?:\s+[\w-]+)?)"
               r"\s+of\b", re.I),
]
# "What FID does MMDiT get?": the asked attribute is itself name-like, so it stays the focus.
NAMED_FOCUS = re.compile(r"\b(?:what|which)\s+(?P<f>\S+)\s+(?:does|do|did)\b", re.I)
# "list them", "just the list please", "Give me the list.", "List each one with its target.": a request for the items
# "just the items, a line on each": the items asked for by that name
LIST_ASK = (r"(?:(?:just\s+|please\s+)?(?:list\s+(?:them|each(?:\s+one)?|the\s+\w+)|(?:give\s+me\s+)?(?:the|a)\s+list)"
            r"|(?:just|only)\s+the\s+items)")
# A question that asks for a list the notes keep under its name ("List the failure modes …", "which
# failure modes does it plan for? list each one …", "What failure modes do the agent notes list …") is
# one, whatever it asks of each item after. Not "List the four merges the toy BPE run learns …, with
# the pair count behind each": no section lists merges, and any list of four would do (dev).
LIST_COMMAND = re.compile(r"^\s*(?:please\s+)?(?:list|enumerate)\b|\blist\s+(?:each|them|all|every)\b"
                          r"|\b(?:do|does)\s+(?:the\s+|my\s+)?[^?,.;:]{1,40}?\s+list\b", re.I)


def noun_stems(text: str) -> set[str]:
    """Content words as :data:`LIST_NOUNS` writes them, without a last "s"."""
    return {w.removesuffix("s") for w in content_words(text)}


def listed_nouns(text: str) -> set[str]:
    """The list nouns a question asks for ("mode" of "the failure modes")."""
    return noun_stems(text) & LIST_NOUNS


# also after a set-up sentence: "My loop already passes the gallery checks. What further traps …"
LIST_RE = re.compile(r"(?:^|[.!]\s+)(?:(?:what\s+are\s+the|list|name|which|give\s+me|walk\s+(?:me|us)\s+through|outline)\b.*"
                     r"|(?:what|which)\s+(?:[\w-]+\s+){0,2}?)"  # "what trade-offs and pitfalls"
                     r"\b(?:steps|stages|ways|types|kinds|components|parts|phases|techniques|methods|options|strategies|"
                     r"categories|signals|causes|reasons|failure\s+modes|levers|knobs|primitives|pieces|layers|"
                     r"pitfalls|traps|gotchas|caveats|limitations|practices|stage\s+by\s+stage|step\s+by\s+step)\b"
                     r"|^(?:what|which|name)\s+(?:(?:are|were)\s+)?(?:the\s+)?(?:two|three|four|five|six|\d)\s+\w+"
                     rf"|[.?!,;:]\s*{LIST_ASK}\b", re.I)  # "… what are the risks? list them"
# "what three things…", "what are the three things QLoRA introduced?"
# Where a second question begins after "and": ", and what …", ", and roughly what share …", ", and on
# the ink side how much …".
# ", and in the 200-item example (85% agreement) what's …" and ", and given that, is … still …?" too.
AND_ASKS = (r",?\s+and\s+(?=(?:how|what|why|which|when|where|who)\b)|,\s+and\s+(?:[\w-]+\s+){1,4}?(?=(?:how|what|why|which)\b)"
            r"|,\s+and\s+(?=(?:in|for|at|on|with|under)\s[^?]{0,80}?\s(?:how|what|why|which)\b)"
            r"|,\s+and\s+(?=given\s[^?,]{0,40},\s+(?:is|are|does|do|can|would|will|should)\b)"
            r"|,\s+and\s+(?=\w+ing\s[^?,]{0,60},\s+(?:how|what|why|which)\b)"  # ", and going the other way in MCP, what …"
            # "(a) how does Self-Instruct …, and (b) how did FineWeb-Edu …": the next item
            rf"|,?\s+and\s+(?={ITEM_MARK}\s+(?:how|what|why|which|when|where|who|is|are|does|do|can)\b)"
            # ", and would a system ever use both?": a yes-no question of its own ("…, and does it save
            # memory over FSDP1?" asks on of the same subject)
            r"|,\s+and\s+(?=(?:would|could|should|does|do|is|are|can|will)\s+(?:a|an|the|you|we|i|one|there|"
            r"both|either|any)\s)")
# "…?", "…, and how/what …", or "…, and if I …, how many …" (a new case set up for the next part).
PART_SPLIT = re.compile(rf"\?\s+(?=\S)|{AND_ASKS}|,\s+and\s+if\b(?=[^?]*\b(?:how|what|which)\b)", re.I)
# "What is context collapse, how does it sit between …": a question asked after a comma, with no
# "and", is a part when what comes before the comma is itself a question.
COMMA_ASKS = re.compile(r",\s+(?=(?:how|why|what|which|where|when)\s+(?:does|do|did|is|are|was|were|can|could|would|"
                        r"should|will|much|many)\b)", re.I)
# A question from its first word ("when …" and "if …" open a setting: "When retrieval misses, how …").
# "Setting up a sub-agent: where does its file live, how do I …": the question begins after the colon.
ASKING = re.compile(r"(?:^|:\s)\W*(?:(?:ok|okay|so|and|but)\W+)?(?:what(?:'s)?|which|how|why|who|where|is|are|does|do|"
                    r"did|can)\b", re.I)
# "…for a 20-step task at 95%, and for a 30-step task at 98%?": a last part that only changes the
# first part's "for …" (or "at …", "on …") phrase.
# Without a comma only "and for" ("…for Claude Sonnet 4 and for Claude Opus 4.1?"): "without and with
# caching" is one part. A tail that asks its own question ("and at which stage…") is a part already.
ELLIPTIC_PART = re.compile(r"^(?P<first>.+?)(?:,\s+and\s+(?P<prep>for|at|on|with|in|under)|\s+and\s+(?P<for>for))\s+"
                           r"(?!(?:which|what|how|when|where|who|why)\b)(?P<tail>[^,;]+?)\??$", re.I)
PART_MIN_TOKENS = 5  # a later part with fewer content words leans on the first part's subject
# A name of a further question's own ("Character.ai", "Midjourney-style"): a capitalised word.
OWN_NAME = re.compile(r"\b[A-Z][\w.-]*[A-Za-z0-9]")
POINTS_BACK = re.compile(r"\b(?:it|its|they|them|their)\b", re.I)  # "why does running it cost …": so does one with a pronoun
# "how much HBM does that node have?": a thing an earlier part named, pointed back to by its noun
DEMONSTRATIVE = re.compile(r"\b(?:that|this|those|these)\s+(?P<noun>[a-z][\w-]{2,})\b", re.I)
NAME_LIKE = re.compile(r"\b\w*(?:\d|[A-Z])\w*")  # a word with a digit or a capital: "8×H100", "Llama"
# the phrase an article opens, of up to three words before the noun ("the single 8×H100 node"); a bare
# word is as likely a verb ("what does one query cost")
NAMED_BEFORE = r"\b(?:the|an?)\s+(?P<named>(?:(?!(?:that|this|those|these|the|an?)\s)[\w×.'’/-]+\s+){{0,3}}{noun})\b"


@dataclass
class QuestionIntent:
    kind: QuestionKind
    sides: list[str] = field(default_factory=list)  # comparison sides, as the question names them
    parts: list[str] = field(default_factory=list)  # sub-questions of a multi-part question
    focus: str = ""  # the attribute asked about, as the question words it ("transformer layers")
    numeric: bool = False  # the answer is a number: a count, size, price, rate, or a computed result

    @property
    def focus_tokens(self) -> list[str]:
        return [t for t in tokenize(self.focus) if t not in FRAME_WORDS]





def elliptic_parts(question: str) -> list[str]:
    """The two questions an elliptic last part asks: "what's the success for a 20-step task, and
    for a 30-step task?" also asks "what's the success for a 30-step task?"."""
    m = ELLIPTIC_PART.match(question)
    if not m:
        return []
    first, prep = m.group("first"), m.group("prep") or m.group("for")
    asked = [w.end() for w in WH_WORD.finditer(first)]
    # the phrase the tail replaces is the asked one's, after the question word: not the set-up's
    at = [a.start() for a in re.finditer(rf"\b{prep}\s", first, re.I) if asked and a.start() > asked[-1]]
    if not at:
        return []
    return [f"{first}?", f"{first[:at[-1]]}{prep} {m.group('tail')}?"]


# "…? i know the 70B is somewhere around 69%", "…? I want to add it to my price table": what the
# asker says of themselves after a question is its context, not a question of its own.
SAID_OF_ONESELF = re.compile(r"^(?:i|i'm|i've|i'd|we|we're|we've|my|our|i\.e\.)\s", re.I)
# "… harder than grading one answer? just list the reasons": how to answer, not a second question
LIST_REQUEST = re.compile(rf"^{LIST_ASK}(?:\s+(?:all|please)"
                          rf"|,?\s+(?:{A_LINE_EACH.pattern}|briefly|with\s+[^.?!]{{1,40}}))*\W*$", re.I)
# "…? A line on each is enough.", "Give each with the one-line fix.": how to write each item, not a question
LENGTH_REQUEST = re.compile(rf"^(?:{A_LINE_EACH.pattern}(?:\s+is\s+(?:enough|fine|plenty))?"
                            r"|(?:give|list|name)\s+each(?:\s+one)?,?\s+with\s+[^.?!]{1,60})\W*$", re.I)
# "What pitfalls do the cost-tracking notes warn about? Just list them.": a list asked for in so many
# words, whatever number words the question has
ASKED_AS_LIST = re.compile(rf"[.?!]\s+{LIST_ASK}\b", re.I)


def split_parts(text: str) -> list[str]:
    """The sub-questions of ``text``, each with at least two words."""
    pieces = PART_SPLIT.split(text)
    if len(pieces) > 1 and (SAID_OF_ONESELF.match(pieces[-1].strip()) and not pieces[-1].rstrip().endswith("?")
                            or LIST_REQUEST.match(pieces[-1].strip()) or LENGTH_REQUEST.match(pieces[-1].strip())):
        pieces = pieces[:-1]
    parts = []
    for piece in pieces:
        asked = COMMA_ASKS.split(piece)
        if ASKING.search(asked[0]):
            parts += asked
        else:  # "In an M/M/1 queue at 80% load, how long …": one question after its setting
            parts.append(piece)
    return [p.strip() for p in parts if len(tokenize(p)) >= 2]


def trailing_parts(question: str, sides: list[str]) -> list[str]:
    """A comparison's further questions after the clause that names its sides ("GQA vs MQA: which
    needs less memory, and why is X kept inside a node?"), each asked of the sides, since it may
    speak of them as "the other one"; one that names a thing of its own ("why did Character.ai
    sidestep both …") is asked as it stands, or the sides' passages outrank its own."""
    parts = split_parts(" ".join(question.split()))
    if not sides or len(parts) < 2:
        return []
    named = " ".join(sides).lower()
    return [part if any(w.lower() not in named for w in own_names(part))
            else f"{' and '.join(sides)}: {part}" for part in parts[1:]]


def sides_clause(question: str, sides: list[str]) -> str:
    """What a comparison asks of its sides, without the further questions it goes on to ask
    ("typical sampling vs min-p: what rule does each use? and if I stack top-k and top-p …"):
    those are retrieved on their own, and asked of each side they pull its retrieval to their
    subject. The whole question when its first part names little besides the sides."""
    parts = split_parts(" ".join(question.split()))
    if not sides or len(parts) < 2:  # no further question (what ``trailing_parts`` finds none in)
        return question
    return parts[0] if len(content_words(parts[0])) > len(sides) else question


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def own_side_parts(question: str, sides: list[str]) -> list[str] | None:
    """Each side's own question when the question asks one of each ("LIMA and DeepSeek-R1-Zero
    both start from a base model. What does LIMA-style SFT change, and what did R1-Zero's RL
    produce?"): the questions that name it by a word of its own and no other side. None unless every
    side has one: then what is asked is shared, and each side is asked it."""
    pieces = [p for part in split_parts(" ".join(SIDE_ASIDE.sub("", question).split()))
              for p in SENTENCE_END.split(part)]
    words = [set(re.split(r"[\s/-]+", side.lower())) | set(tokenize(side)) for side in sides]
    own = [w - set().union(*(o for m, o in enumerate(words) if m != n)) - GENERIC_SIDE_WORDS - FRAME_WORDS
           for n, w in enumerate(words)]
    found = []
    for n in range(len(sides)):
        mine = [p for p in pieces if WH_WORD.search(p) and (tokens := set(tokenize(p))) & own[n]
                and not any(tokens & o for m, o in enumerate(own) if m != n)]
        if not mine:
            return None
        found.append(" ".join(mine))
    return found


# "(2) in the ChatGPT design, how is a bad push rolled back, and what must be true of the old weights?":
# the setting a part opens with, which the part after it (split at its "and") is asked in too.
PART_SETTING = re.compile(r"^(?:.*?(?:\(\d\)|\b\d\)|\bfirst,|\bsecond,|:)\s*)?(?P<setting>(?:in|on|for|per)\s+(?:the\s+)?"
                          r"[^,?]{3,60}?),\s+(?:what|which|how|why|when|where|who|does|do|is|are|can)\b", re.I)
OWN_SETTING = re.compile(r"^\W*(?:and\s+)?(?:\(?\w\)\s*)?(?:in|on|for|per|with)\s", re.I)


# A part that opens an item of a question asked in items ("First, …", "(2) …", "b) …"): the parts
# after it, up to the next item, are asked of that item.
ITEM_OPENS = re.compile(rf"{ITEM}\s", re.I)


def leaned_on(parts: list[str], n: int) -> str:
    """The part that part ``n`` leans on: the one that opens its item in a question asked in
    items ("Second, what must a scheduler do when the KV cache fills up, and how do users notice
    it?"), else the longest."""
    opened = [m for m in range(n + 1) if ITEM_OPENS.search(parts[m])]
    return parts[opened[-1]] if opened else max(parts, key=lambda p: len(tokenize(p)))


# The words before an item's question: "Two eval-hygiene questions. First, " or "Two parts: (1) ".
ITEM_LEAD = re.compile(rf"^[^?]{{0,80}}?{ITEM}\s+", re.I)


def item_asked(part: str) -> str:
    """A part without the set-up and marker its item opens with: what it asks."""
    return ITEM_LEAD.sub("", part, count=1)


# "apart from the long-context retrieval tests, which … evals": what the asker already has, which
# a part's retrieval must not look for.
ALREADY_HAD = re.compile(r"(?:\b(?:apart|aside)\s+from|\bbesides|\bother\s+than)\s+[^,?;:]{1,60},\s*", re.I)


def part_queries(parts: list[str], numeric: bool = False) -> list[str]:
    """Each part as a query; a short part ("and which component dominates?", "How many
    parameters") borrows the subject of the part it leans on (``leaned_on``), as does one that
    points back to it ("why does running it cost only one call?"), unless that part is a numeric
    set-up, whose figures would then outweigh the part's own words (dev): there, and in the part
    leaned on, a pronoun borrows only the earlier parts' names. One that points back to a named thing
    ("that node") borrows that thing alone (:func:`named_before`)."""
    out = []
    for n, part in enumerate(parts):
        longest = item_asked(leaned_on(parts, n))
        setting = PART_SETTING.match(parts[n - 1]) if n else None
        is_longest = item_asked(part) == longest
        part = ALREADY_HAD.sub("", item_asked(part))
        if setting and not OWN_SETTING.match(part) and not own_names(part):
            part = f"{setting.group('setting')}, {part}"  # "in the ChatGPT design, how …, and what must …?"
        if n and not is_longest and (named := named_before(part, parts[:n])):
            out.append(f"{part} ({named})")  # the thing itself, not the part that named it, whose subject wins
        elif not is_longest and (len(content_words(part)) < PART_MIN_TOKENS or (not numeric and POINTS_BACK.search(part))):
            out.append(f"{part} {longest}")
        elif n and POINTS_BACK.search(part) and not own_names(part) and (names := own_names(" ".join(parts[:n]))):
            out.append(f"{part} ({' '.join(names)})")  # "what share of it did the best model resolve?" of SWE-bench
        else:
            out.append(part)
    return out


def named_before(part: str, earlier: list[str]) -> str | None:
    """What "that node" of ``part`` is, as the last earlier part that names it wrote it ("single
    8×H100 node"); None when no earlier part names the noun."""
    m = DEMONSTRATIVE.search(part)
    if not m:
        return None
    pattern = re.compile(NAMED_BEFORE.format(noun=re.escape(m.group("noun"))), re.I)
    found = [f.group("named") for text in earlier for f in pattern.finditer(text)]
    # a named thing ("8×H100 node"), not a generic one ("typical spread", "harness check") the first
    # part's subject says better
    return found[-1] if found and NAME_LIKE.search(found[-1]) else None


def own_names(text: str) -> list[str]:
    """The capitalised names a text writes past its first word, once each."""
    return list(dict.fromkeys(OWN_NAME.findall(text.split(" ", 1)[-1])))


def content_words(text: str) -> list[str]:
    """The words of a part that can say what it is about ("what's actually going wrong" says little)."""
    return [t for t in tokenize(text) if t not in FRAME_WORDS and len(t) > 1]


# "what kinds of documents do the filters drop": the documents are asked; a sentence naming the kind
# it drops ("documents with too few words") never calls it a kind.
KIND_OF = re.compile(r"^(?:kinds?|types?|sorts?)\s+(?:of\s+)?(?=\S)", re.I)
# The asked attribute also ends at an alternative: "exponent or ratio", either states it.
FOCUS_END = re.compile(r"\s+or\b", re.I)
# "chance a doc pair gets flagged": a bare noun, then a clause that opens with an article
CLAUSE_ARTICLE = re.compile(r"(?P<noun>[\w-]{3,})\s+(?:a|an)\s+\S", re.I)


def question_focus(question: str, names: list[str]) -> str:
    """The asked attribute, minus the names it is asked about ("How many layers does Llama 3
    405B have?" → "layers"); "" when the question has no such phrase."""
    # "how accurate was X" when it is the first thing asked, not "what learning rate …, and how accurate …"
    measured = HOW_MEASURED.search(question)
    if measured and not any(p.search(question, 0, measured.start()) for p in FOCUS_RES):
        return MEASURED_BY[measured.group("adjective").lower()]
    for pattern in FOCUS_RES:
        m = pattern.search(question)
        if not m:
            continue
        phrase = FOCUS_END.split(leading_phrase(m.group("f")), maxsplit=1)[0]
        # "the chance a doc pair gets flagged": the noun, before the clause that says whose it is
        clause = CLAUSE_ARTICLE.match(phrase)
        phrase = clause.group("noun") if clause and clause.group("noun").lower() not in FRAME_WORDS else phrase
        focus = phrase
        # a kind of thing that heads the phrase ("which base LLM", "which web search API") is asked, not whose
        head = phrase.split()[-1] if len(phrase.split()) > 1 else ""
        for name in (n for n in names if not UNIT_NAME.fullmatch(n) and not (n == head and KIND_ACRONYM.fullmatch(n))):
            focus = re.sub(rf"(?<![\w-]){re.escape(name)}(?:'s)?(?![\w-])", " ", focus)
        focus = KIND_OF.sub("", " ".join(w for w in focus.split() if w.lower() not in FRAME_WORDS))
        if tokenize(focus):
            return focus
        named = NAMED_FOCUS.search(question)
        if re.match(r"\s*(?:\w+\s+)?how\s+many\b", question, re.I) or (named and named.group("f") == phrase):
            # "(roughly) how many GPUs", "what FID does …": the name is what is asked for
            return " ".join(w for w in phrase.split() if w.lower() not in FRAME_WORDS)
    return ""


# "what are the three numbers people use to summarise an SAE", "the set of numbers that promise
# boils down to": a list of metrics, not a number asked.
COUNTED_KINDS = re.compile(r"\b(?:two|three|four|five|six|(?:set|list)\s+of)\s+(?:numbers|figures|metrics|quantities)\b", re.I)


TYPED_WHATS = re.compile(r"\b([Ww]hat)(?=s\b)")  # "whats" typed without its apostrophe
# "what is contrastive loss?", "what is acceptance rate?": with no article, the asked quantity's
# words name a concept to explain, not a value; "what is the loss at step 0?" asks a number.
NAMED_QUANTITY = re.compile(
    r"\bwhat(?:'s|\s+is|\s+are)\s+(?!(?:the|its|their|a|an|this|that|our|my|your)\b)(?:[\w@^.-]+\s+){0,3}?"
    r"(?:loss|rate|score|ratio|margin|threshold|budget|latency|throughput|utilization|interval|gap)s?\s*(?:\?|$)", re.I)


# A question that speaks of compared sides: "each", "which one", "how do they differ", "than".
REFERS_TO_SIDES = re.compile(r"\b(?:each|both|either|neither|they|them|their|these|those|two|which|one|other|differ\w*|"
                             r"compar\w*|vs\.?|versus|than|over|between|respectively|trade-?offs?)\b", re.I)
SETTING_SENTENCE = re.compile(r"^(?P<setting>[^?]*?[.!])\s+(?P<asked>[A-Z][^.!]*\?)\s*$")


def compared(text: str) -> list[str]:
    """The sides of a comparison, unless they are named only in a statement that sets the scene
    and the question after it asks something of that scene, not of them ("Lightman et al. ran the
    ORM vs PRM comparison on a subset of MATH. How many problems were in that subset?")."""
    sides = comparison_sides(text)
    m = SETTING_SENTENCE.match(text)
    if not sides or not m or comparison_sides(m.group("asked")):
        return sides
    asked = m.group("asked")
    words = {w for side in sides for w in tokenize(side)} - FRAME_WORDS
    return sides if REFERS_TO_SIDES.search(asked) or words & set(tokenize(asked)) else []


def classify(question: str, names: list[str], defines: bool) -> QuestionIntent:
    text = TYPED_WHATS.sub(r"\1'", " ".join(question.split()))  # "whats the max length" as typed
    numeric = bool(NUMERIC_RE.search(NAMED_QUANTITY.sub(" ", text))) and not COUNTED_KINDS.search(text) \
        and not ASKED_AS_LIST.search(text)
    sides = compared(text)
    parts = split_parts(text)
    if len(parts) == 1:
        parts = elliptic_parts(text) or parts
    focus = question_focus(text, names)
    if sides:
        kind: QuestionKind = "comparison"
    elif defines:
        kind = "definition"
    elif LIST_COMMAND.search(text) and listed_nouns(text):  # "List the failure modes …, with how each one is …"
        kind = "list"
    elif len(parts) > 1:
        kind = "multi_part"
    elif numeric:
        kind = "numeric"
    elif LIST_RE.search(text) or COUNTED_KINDS.search(text) or ASKED_AS_LIST.search(text):
        kind = "list"
    elif re.match(r"^\s*(?:(?:ok|okay|so|and|but|then|right|hmm)\b[,\s]*)*(?:why|how)\b", text, re.I):  # "ok so how does…"
        kind = "mechanism"
    else:
        kind = "other"
    return QuestionIntent(kind, sides, parts if kind == "multi_part" else [], focus, numeric)
