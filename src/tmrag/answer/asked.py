"""What a question asks, in words a partial answer can repeat: the asked attribute of the thing it
is asked of ("the number of layers of Llama 3 405B"), the clause of a multi-part question that asks
it, and the names a number is asked of."""

from __future__ import annotations

import re

from ..query.intent import AND_ASKS, KIND_ACRONYM, MEASURED_BY, SETTING_SENTENCE, UNIT_NAME
from ..query.ranking import Ranking
from ..query.wording import FRAME_WORDS
from .answer_shape import NAMED_KIND, YEAR, names_any
from .owned import counted_noun, owned_thing
from .text import display_sentence

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
# "how big is GPT-4's tokenizer vocabulary?", "how accurate was InstructGPT's reward model": the
# measured thing's owner follows the verb.
SIZE_OWNER_RE = re.compile(r"\bhow\s+(?:big|large|long|wide|deep|" + "|".join(MEASURED_BY) + r")\s+"
                           r"(?:is|are|was|were)\s+(?:the\s+)?(?P<owner>(?:\S+\s*){1,3})", re.I)
SHARE_HEADS = re.compile(r"fraction|share|percentage|percent|proportion", re.I)  # a share of what "of" names
OWNED_BY = re.compile(r"(?:on|of|for|in)\s+(?:an?\s+|the\s+)?(?P<owner>(?:\S+\s*){1,2})", re.I)
# "how big is one latent checkpoint", "how big was X's reward model": a size, whatever the thing is called.
HOW_BIG = re.compile(r"\bhow\s+(?:big|large)\s+(?:is|are|was|were|would)\b", re.I)
OWNER_WORDS = 12  # a described owner longer than this is a clause, not a name to repeat
# A focus that runs on into a clause is not a noun phrase: a pronoun or a verb after its head.
# (Not verbs that are as often nouns: "hit rate", "run cost", "end state".)
VERB_AFTER_HEAD = re.compile(r"\b(?:it|they|we|you|i|he|she|go|goes|went|get|gets|got|keep|keeps|kept|take|takes|took|"
                             r"made|ran|reach|reaches|write|writes|wrote|see|sees|saw|come|comes|came)\b", re.I)
# …or a participle ("old transcripts kept") or a preposition ("one pass over") left at its end.
DANGLING_END = re.compile(r"^(?:\w{3,}ed|over|before|after|into|from|to|with|about|on|in|at|by|for|of)$", re.I)
AUXILIARY = "does|do|did|is|are|was|were|has|have|can"  # the verb after a wh-phrase ends it
FOCUS_GAP = 2  # small words between two of the focus's words: "fraction of the weight channels"
# A clause whose subject points back ("how many levels does it have", "what target KL did it aim
# for") says nothing on its own; a pronoun further on ("… before it re-renders") is its own clause's.
POINTS_BACK = re.compile(r"^(?:\S+\s+){0,5}?(?:it|its|they|them|their|this|that|those|these)\b", re.I)
# Verbs whose subject has the asked attribute: "how many layers does X have", "what FID does X get".
HOLDING_VERBS = frozenset((
    "have", "has", "had", "use", "uses", "used", "need", "needs", "get", "gets", "got", "reach",
    "reaches", "hit", "hits", "score", "scores", "keep", "keeps", "run", "runs", "support", "supports",
    "cost", "costs", "charge", "charges", "take", "takes", "achieve", "achieves", "give", "gives",
    "offer", "offers", "contain", "contains", "hold", "holds", "stack", "stacks", "set", "sets",
    "pick", "picks", "default", "defaults", "expose", "exposes", "bill", "bills", "report", "reports",
    "ship", "ships", "require", "requires",
))
IS_THERE = re.compile(r"^\W*(?P<be>is|are)\s+there\s+(?:an?\s+|any\s+)?(?P<thing>[^?,;()\u2014]+?)"
                      r"(?=\s+(?:in|for|like|per|when|if)\b|\s*[?,;()\u2014]|$)", re.I)
YES_NO = re.compile(r"^\W*(?:does|do|did|is|are|was|were|can|could|would|should|will|has|have)\b", re.I)
WH_START = re.compile(r"\b(?:what|which|how|why|who|whose|where)\b", re.I)
WHAT_IS_THE = re.compile(r"^(?:what|which)(?:['’]s|\s+(?:is|are|was|were))\s+the\s+", re.I)
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
    DPO"; never of a name the attribute itself is ("the TFLOPS of TFLOPS"). A focus that is not a
    noun phrase ("tokens go into one block") is said in the question's own words."""
    if not noun_phrase(focus, question) and (asked := asked_words(question, focus)):
        return asked
    written = as_written(question, focus)
    what = f"the number of {written}" if re.search(r"\bhow\s+many\b", question, re.I) else \
        f"the size of the {written}" if HOW_BIG.search(question) and "size" not in written.lower() else f"the {written}"
    said = {t.lower() for t in focus.split()}
    names = [n for n in names if n.lower() not in said and not KIND_ACRONYM.fullmatch(n)]  # "of API" names nothing
    # "What weakness of DPO does IPO fix?": the question says whose attribute it is.
    of = next((n for n in names if focus and re.search(rf"{re.escape(focus)}\s+of\s+(?:the\s+)?{re.escape(n)}",
                                                       question, re.I)), None)
    owners = number_owners(question, names)  # "what FID does Stable Diffusion 3 get", not the premise's DiT
    owner = of or (owners[0] if owners else names[0] if names else None)
    # "the width of the compressed latent that DeepSeek caches per token": a described owner in full.
    described = re.search(rf"{re.escape(focus)}\s+of\s+(?P<owner>[^?,;:]+)", question, re.I) if focus and not of else None
    if described and any(n in described.group("owner") for n in names) and len(described.group("owner").split()) <= OWNER_WORDS:
        return f"{what} of {described.group('owner').strip()}"
    # "what fraction of the features ended up dead": the thing counted, not the scene's "SAE"
    counted = counted_noun(described.group("owner")) if described and SHARE_HEADS.fullmatch(focus) else ""
    if counted:
        return f"{what} of {counted}"
    whose = owned_thing(question, owner_phrase(question, owner), focus) if owner else ""
    asked = asked_words(question, focus) if owner and not of and not holds(question, whose, focus) else ""
    if says_itself(asked, whose):
        return asked  # "what percentage did Meta pin on faulty GPUs", not "the percentage of Meta"
    return f"{what} of {whose}" if owner else what


def says_itself(clause: str, name: str) -> bool:
    """Whether the question's ``clause`` can say what is missing in place of "the X of ``name``":
    it names ``name`` and its subject does not point back."""
    return bool(clause) and names_word(clause, name) and not POINTS_BACK.search(clause)


def holds(question: str, owner: str, focus: str) -> bool:
    """Whether the question asks ``focus`` as the owner's own: "Mixtral's experts", "the experts
    of Mixtral", "does Mixtral have/use/reach …", "Llama 2 7B's FFN hidden size"; not when the owner
    acts ("did Meta pin …", "did Stanford spend …") or only sets the scene."""
    name, head = re.escape(owner), re.escape(focus.split()[0]) if focus.split() else ""
    acts = re.search(rf"\b(?:does|do|did|will|would|can)\s+(?:the\s+)?{name}\s+(?P<verb>[a-z]+)(?:\s+(?P<then>[a-z]+))?",
                     question, re.I)
    if acts:  # "does X reach", "did X actually use"
        return bool({acts.group("verb").lower(), (acts.group("then") or "").lower()} & HOLDING_VERBS)
    return bool(re.search(rf"{name}(?:['’]s?)?\s+(?:\S+\s+){{0,2}}{head}|{head}\S*\s+(?:\S+\s+){{0,3}}?(?:of|in|for)\s+"
                          rf"(?:the\s+)?{name}|\b(?:is|are|was|were)\s+(?:the\s+)?{name}\b", question, re.I))


def as_written(question: str, focus: str) -> str:
    """The focus with the small words the question has inside it ("percentage of heads" for the
    focus "percentage heads"), when the question writes its words in order, close together; and
    with a name that ends its noun phrase ("target KL" in "what target KL did it aim for")."""
    words = focus.split()
    if not words:
        return focus
    gap = rf"(?:\s+\w+){{0,{FOCUS_GAP}}}?\s+"
    m = re.search(rf"(?<![\w-]){gap.join(re.escape(w) for w in words)}(?![\w-])", question, re.I)
    written = " ".join(m.group(0).split()) if m else focus
    named = re.search(rf"(?<![\w-]){re.escape(written)}\s+(?P<name>[A-Z][\w.-]*)\s+(?:{AUXILIARY})\b", question)
    return f"{written} {named.group('name')}" if named else written


def noun_phrase(focus: str, question: str) -> bool:
    """Whether the focus reads as a noun phrase: no pronoun or verb after its head ("exact trailer
    text it writes", "tokens go into one block"), no participle or preposition left dangling at its
    end ("old transcripts kept", "one pass over"), not a bare comparative ("how much lower is p99")."""
    words = focus.split()
    if not words:
        return True
    if VERB_AFTER_HEAD.search(" ".join(words[1:])) or DANGLING_END.search(words[-1]):
        return False
    return not (len(words) == 1 and re.search(rf"\bhow\s+much\s+{re.escape(words[0])}\b", question, re.I)
                and words[0].lower().endswith("er"))


def asked_words(question: str, focus: str) -> str:
    """The clause that asks the focus, from its question word: "how many tokens go into one KV
    block in vLLM's PagedAttention by default"; "what's the X" says "the X". "" if not found."""
    first = focus.split()[0] if focus.split() else ""
    # the first time the focus is asked, not a mention before any question word ("a 14.4x burn
    # over 1 hour pages … what burn rate …")
    for at in re.finditer(rf"(?<![\w-]){re.escape(first)}(?![\w-])", question, re.I) if first else ():
        if wh := list(WH_START.finditer(question, 0, at.start())):
            return clause_from(question[wh[-1].start():], rf"[?;]|\s\u2014\s|{AND_ASKS}")
    return ""


TERSE_WORDS = 10  # a question typed as a bare noun phrase ("recommended ef_search value for HNSW?") is that short
# A bare noun phrase asked with "?": not an instruction ("Walk through the stages …."), or a
# comparison ("DoRA vs LoRA?", whose missing side the side checks name); a yes/no question is YES_NO's.
TERSE = re.compile(r"(?!(?:walk|explain|describe|list|give|compare|tell|show|name|define)\b)"
                   r"(?![^?]*\b(?:vs\.?|versus|or)\s)[^?]+\?", re.I)


def asked_question(question: str) -> str:
    """What a question with no single asked attribute asks, in its own words: its first clause
    from its question word ("what env var or flag turns on coordinator mode in Claude Code")."""
    if there := IS_THERE.match(question):  # "is there a per-source size limit in NotebookLM?"
        return f"{'a ' if there.group('be').lower() == 'is' else ''}{there.group('thing').strip()}"
    first = WH_START.search(question)
    if YES_NO.match(question):  # "Does EAGLE draft …?": no clause to repeat
        return "a direct answer to this question"
    if first is None:  # "PagedAttention default block size in tokens?" asks that phrase
        phrase = question.strip()
        if not TERSE.fullmatch(phrase) or len(phrase.split()) > TERSE_WORDS:
            return "a direct answer to this question"
        return "the " + re.sub(r"^(?:the|a|an)\s+", "", phrase.rstrip("?.!").strip(), flags=re.I)
    return clause_from(question[first.start():], rf"[?;]|\s[\u2014-]\s|{AND_ASKS}")


def clause_from(text: str, ends: str) -> str:
    """``text`` up to the first of ``ends``, as a partial note says it: "what's the X" is "the X",
    lower case first."""
    clause = re.split(ends, text, maxsplit=1, flags=re.I)[0]
    clause = " ".join(WHAT_IS_THE.sub("the ", clause.strip(" ,"), count=1).split())
    return clause[:1].lower() + clause[1:]


def asked_clause(ranking: Ranking) -> str:
    """The part of a multi-part question that asks the focus: "how many agents would a fan-out of
    4 reach" owns its number, not "what does Claude Code allow" beside it."""
    text, focus = ranking.query.text, ranking.intent.focus
    if ranking.intent.kind != "multi_part" or not focus:
        return text
    said = re.compile(rf"(?<![\w-]){re.escape(focus)}(?![\w-])", re.I)
    return next((p for p in CLAUSES.split(text) if said.search(p)), text)


def asked_here(ranking: Ranking) -> str:
    """The asked attribute of the names in the clause that asks it ("the FID of Stable Diffusion 3");
    a question after a scene-setting statement that names none of them in its own words ("… How
    many problems were in that subset?"), since the statement's names are not whose it is."""
    clause, focus = asked_clause(ranking), ranking.intent.focus
    setting = SETTING_SENTENCE.match(clause)
    if setting and not any(names_word(setting.group("asked"), n) for n in ranking.query.names):
        return asked_words(setting.group("asked"), focus) or asked_thing(setting.group("asked"), focus, [])
    return asked_thing(clause, focus, [n for n in ranking.query.names if n in clause])


# Plain questions only: a multi-part question's focus is only its first part's (dev: false partials).
OWNED_KINDS = frozenset({"numeric", "other"})


def owners_of(ranking: Ranking) -> list[str]:
    """The names a plain question asks its attribute of ("how many layers does *Llama 3 405B*
    have"); none for other kinds of question."""
    if ranking.intent.kind not in OWNED_KINDS:
        return []
    return number_owners(asked_clause(ranking), ranking.query.names)


def number_owners(question: str, names: list[str]) -> list[str]:
    """The names a numeric question asks its number of (not those of its set-up: "on a single
    A100", "sent to GPT-4V")."""
    m = OWNER_RE.search(question) or OF_OWNER_RE.search(question) or SIZE_OWNER_RE.search(question)
    owner = m.group("owner") if m else ""
    # "how big is the L2 cache on an A100": the measured thing's own name, then whose it is after "on"
    sized = m is not None and m.re is SIZE_OWNER_RE and owner.split()
    whose = OWNED_BY.match(question, m.start("owner") + len(owner.rstrip()) - len(owner.split()[-1])) if sized else None
    if whose and any(names_word(whose.group("owner"), n) for n in names):
        owner = whose.group("owner")
    return [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", owner, re.I)
            and not UNIT_NAME.fullmatch(n)]  # "each step's FLOPs" is a unit, not whose number it is


def names_word(text: str, name: str) -> bool:
    """``name`` is a whole word of ``text``: the "LM" of "in-context RALM" is no side of its own."""
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def names_asked(ranking: Ranking) -> bool:
    """The question names a thing in the clause that asks the focus. A multi-part question's
    focus is its first part's, which may ask of no name ("what optimizer-side levers …, and on
    the PyTorch side …"): there the focus's words decide nothing."""
    if ranking.intent.kind != "multi_part":
        return bool(ranking.query.names)
    clause = asked_clause(ranking)
    return any(names_word(clause, n) for n in ranking.query.names)


def unnamed_kind(ranking: Ranking, sentences: list[str]) -> str | None:
    """A "which <kind> does X use" question whose quotes that name X give no name of their own
    ("Phind describes a code-specialised pipeline …" for Phind's embedding model): the names
    the quotes give belong to other things."""
    kind = NAMED_KIND.search(ranking.query.text)
    owners = owners_of(ranking)
    if not kind or not owners:
        return None
    about = [s for s in sentences if any(names_word(display_sentence(s), o) for o in owners)]
    return None if names_any(ranking.query.text, about) else f"which {kind.group('kind')}"


def year_asked(question: str) -> str:
    """What a question asking when something appeared lacks: "who first published X, or the year"
    when it asks who too, else the year."""
    asked = asked_question(question)
    return f"{asked}, or the year" if re.match(r"who\b", asked, re.I) else YEAR
