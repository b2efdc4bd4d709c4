"""Does the answer state what was asked? ``answered`` when the quoted sentences state it;
``partial`` when they are related but the specific thing asked — a name, one side of a
comparison, the asked attribute or number — is not in them; ``not_covered`` when the answer
abstains. Judged from the question's intent against the sentences actually quoted, so a reader
is told when the nearest text is not the answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config import Settings
from ..corpus.model import Corpus
from ..names import Coverage
from ..query.analysis import name_like_words
from ..query.intent import UNIT_NAME
from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from ..tokenize import mentions_all, stem_tokens, tokenize
from .quoting import Quote
from .reader import AnswerReader
from .text import NUMBER_RE, display_sentence

# Heads of a focus phrase that name no attribute ("the benefit", "which one", "what changes"):
# nothing a sentence could be checked for.
GENERIC_HEADS = frozenset(tokenize("one benefit change cause thing way difference point time times effect role problem "
                                   "idea reason impact advantage result happens goes work works go back fit smaller "
                                   "larger bigger faster slower much more less"))


COMPOUND_NAME = re.compile(r"\w[-+_]+\w|\+\+$")  # "Flash-Decoding", "o200k_base", "ZeRO++"
SIZED = re.compile(r"\d+(?:\.\d+)?[BMKT]\b|\d+x\d+", re.I)  # "Llama-2-7B", "8x7B": written many ways
# "InstructGPT-style", "Sora-like": the question describes a kind of thing, not one the notes must name.
DESCRIPTIVE_NAME = re.compile(r"-(?:style|like|based|shaped|class|sized|type)$", re.I)
# An attribute asked of a named thing ("how many layers does X have") is checkable; the "steps" of a
# list question or the subject of a why-question are described, not stated as one attribute (dev).
# "How many X does Y have", "what X did Y use": Y, the thing the number is asked of.
# "What are the X" asks X itself: no owner.
OWNER_RE = re.compile(r"\b(?:how\s+(?:many|much)|what|which)\s+(?!(?:is|are|was|were)\b)\S[^?]*?\s"
                      r"(?:does|do|did|is|are|was|were|has|have)\s+(?:the\s+|a\s+|an\s+|each\s+)?"
                      r"(?P<owner>(?:\S+\s*){1,3})", re.I)
# "Which eviction policy does RadixAttention use?": one attribute of a named thing, like a number.
ASKS_WHICH = re.compile(r"^\s*(?:which|what)\s+(?!is\b|are\b|was\b|were\b|does\b|do\b|did\b)\w+", re.I)
# Words that name a category, not the attribute itself ("activation function", "positional encoding").
CATEGORY_WORDS = frozenset(tokenize("function method technique scheme approach mechanism algorithm type kind variant "
                                    "encoding embedding"))
FIRST_CLAUSE = re.compile(r"[^.;]*")  # a definition's genus comes first: "A gated activation …"
FOCUS_KINDS = frozenset({"numeric", "other", "multi_part"})


# A quantity is stated by its value in its unit as much as by its name: "1.25 GiB of cache"
# answers "how much memory", "$0.90" answers "what does it cost".
_BYTES = re.compile(r"\d\s*(?:[KMGTP]i?B|bytes?)\b")
_MONEY = re.compile(r"\$\s?\d|\d\s*(?:USD|dollars?)\b")
_FLOPS = re.compile(r"\d\s*(?:[GTPE]?FLOP[sS]?)\b")
_TIME = re.compile(r"\d\s*(?:ms|s|seconds?|minutes?|hours?|days?)\b")
QUANTITY_UNITS: dict[str, re.Pattern[str]] = {
    "memory": _BYTES, "cache": _BYTES, "size": _BYTES, "footprint": _BYTES, "storage": _BYTES,
    "cost": _MONEY, "price": _MONEY, "pricing": _MONEY, "bill": _MONEY, "charge": _MONEY,
    "time": _TIME, "latency": _TIME, "duration": _TIME,
    "bandwidth": re.compile(r"\d\s*(?:[KMGT]B/s|GB/s|TB/s)"), "throughput": re.compile(r"\d\s*(?:tok(?:en)?s?/s|req/s)"),
    "flop": _FLOPS, "tflop": _FLOPS, "pflop": _FLOPS, "gflop": _FLOPS, "compute": _FLOPS,
}
# A number tied to the asked attribute: "61 layers", "a batch size of 4M", "layers: 61" — within
# this many words of it (a count's noun phrase: "61 Transformer decoder layers").
NEAR_WORDS = 4
# "10% of the peak learning rate", "2x the batch": a ratio to the attribute, not its value
# ("23x higher throughput" is a value: the asked "how much more").
RATIO_WORD = re.compile(r"^(?:%|x|×|times|percent|fold)$", re.I)
WORD_RE = re.compile(r"[^\s()]+")
CLAUSE_BREAK = re.compile(r"[;,—()]\s|\s[—–-]\s")  # a number in another clause is said of something else


@dataclass
class CoverageResult:
    coverage: Coverage
    missing: list[str] = field(default_factory=list)


def owner_phrase(question: str, name: str) -> str:
    """The whole name a question asks about: "Llama 3 405B" for the name-like word "Llama"."""
    m = re.search(rf"(?<![\w-]){re.escape(name)}(?:[\s-]+(?:\d[\w.]*|[A-Z][\w.-]*)){{0,3}}", question)
    return m.group(0) if m else name


def asked_thing(question: str, focus: str, names: list[str]) -> str:
    """What a partial answer says it lacks: "the number of layers of Llama 3 405B"."""
    what = f"the number of {focus}" if re.search(r"\bhow\s+many\b", question, re.I) else f"the {focus}"
    names = number_owners(question, names) or [n for n in names if not UNIT_NAME.fullmatch(n)]
    return f"{what} of {owner_phrase(question, names[0])}" if names else what


def other_version(sentence: str, question: str, names: list[str]) -> bool:
    """The sentence gives one of the question's names with another version or size only: "five
    rounds of RLHF" of Llama 2 is not the number of rounds of Llama 3."""
    for name in names:
        asked = re.match(rf"{re.escape(name)}[\s-]+(\d[\w.]*)", owner_phrase(question, name))
        versions = {v.lower() for v in re.findall(rf"(?<![\w-]){re.escape(name)}(?:'s)?[\s-]+(\d[\w.]*)", sentence, re.I)}
        if asked and versions and asked.group(1).lower() not in versions:
            return True
    return False


def number_owners(question: str, names: list[str]) -> list[str]:
    """The names a numeric question asks its number of (not those of its set-up: "on a single
    A100", "sent to GPT-4V")."""
    m = OWNER_RE.search(question)
    owner = m.group("owner") if m else ""
    return [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", owner, re.I)]


def tied_number(sentence: str, head: str, given: set[str]) -> bool:
    """A number the question did not give stands within NEAR_WORDS of a word for the asked
    attribute (``head``, a token) and is not a ratio to it: "61 layers", "rate of 6e-4", but
    not "each MoE layer routes … 671B" nor "10% of the peak learning rate"."""
    return any(_tied_in(WORD_RE.findall(clause), head, given) for clause in CLAUSE_BREAK.split(display_sentence(sentence)))


def _tied_in(words: list[str], head: str, given: set[str]) -> bool:
    # "12.9B parameters per token" counts parameters, not tokens: a head after "per" is a denominator.
    for i in (i for i, w in enumerate(words) if head in tokenize(w) and not (i and words[i - 1].lower() == "per")):
        for j in range(max(0, i - NEAR_WORDS), min(len(words), i + NEAR_WORDS + 1)):
            numbers = set(NUMBER_RE.findall(words[j])) - given
            ratio = j < i and (RATIO_WORD.match(words[j + 1]) or words[j].endswith(("%", "x", "×"))) and (
                words[min(j + 2, i)].lower() in ("of", "the") or words[j + 1].lower() in ("of", "the"))
            if (numbers and not ratio and re.match(r"[~≈$]?\d", words[j])) or NUMBER_WORDS_RE.fullmatch(words[j]):
                return True
    return False


SHARE_WORDS = frozenset(tokenize("share percentage percent accuracy utilization fraction score mfu win pass pass@1 "
                                 "ratio"))
NUMBER_WORDS_RE = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|"
                             r"thousand|million|billion|trillion)\b", re.I)


def free_value(sentence: str, focus: list[str], given: set[str]) -> bool:
    """A value the question did not give (digits or words: "five rounds") that no other noun
    claims: it ends its clause ("w around 7.5"), comes with the asked quantity's unit ("0.5 MiB"
    of cache, not "10^25 FLOPs" for a layer count) or with the asked
    word ("64 × 64 × 4 latent", "13-gram"); not "15.6T tokens" for a layer count, nor "37B of them"."""
    for clause in CLAUSE_BREAK.split(display_sentence(sentence)):
        words = WORD_RE.findall(clause)
        for j, word in enumerate(words):
            value = set(NUMBER_RE.findall(word)) - given if re.match(r"[~≈$]?\d", word) else set()
            if not value and not NUMBER_WORDS_RE.fullmatch(word):
                continue
            if "%" in word and not set(focus) & SHARE_WORDS:
                continue  # a percentage is no count: only a share's value
            if set(tokenize(word)) & set(focus):
                return True
            after = words[j + 1].strip(".,;:") if j + 1 < len(words) else ""
            quantity = QUANTITY_UNITS.get(focus[-1]) if focus else None  # "0.5 MiB" is a cache's size, no layer count
            if not after or (quantity and quantity.search(f"{word} {after}")) or set(tokenize(after)) & set(focus):
                return True
    return False


def said_of(sentence: str, owners: list[str], question: str) -> bool:
    """The sentence names one of the things the number is asked of, or its asked version."""
    low = sentence.lower()
    return any(o.lower() in low or version_quoted(question, o, [sentence]) for o in owners)


def about_other(sentence: str, owners: list[str], question: str) -> bool:
    """The sentence names none of the things the number is asked of but names something the
    question does not: GPT-3's accuracy is not Chinchilla's."""
    if not owners or any(o.lower() in sentence.lower() for o in owners):
        return False
    return any(w.lower() not in question.lower() and not UNIT_NAME.fullmatch(w)
               for w in name_like_words(display_sentence(sentence)))


def version_quoted(question: str, name: str, sentences: list[str]) -> bool:
    """The asked version of ``name`` ("8x7B" of "Mixtral 8x7B") is in the quotes, which name the
    model by it alone ("The name "8x7B" is misleading")."""
    version = owner_phrase(question, name)[len(name):].strip(" -")
    return bool(re.search(r"[A-Za-z]", version)) and any(version.lower() in s.lower() for s in sentences)


def _tokens(text: str) -> set[str]:
    return set(tokenize(text))


@dataclass(frozen=True)
class CorpusWords:
    """What the notes write: their text lower-cased (a compound name is looked up in it as a
    phrase) and their words as written (a name's head is looked up with its capitals)."""

    lower: str
    words: frozenset[str]

    @classmethod
    def of(cls, corpus: Corpus) -> CorpusWords:
        parts = [m.text for m in corpus.modules.values()]
        parts += [f"{t.term} {' '.join(t.aliases)} {t.definition}" for t in corpus.glossary]
        parts += [f"{s.title or ''} {s.citation or ''} {s.annotation}" for s in corpus.sources.values()]
        text = "\n".join(parts)
        words = {w.strip(".-") for w in re.findall(r"[\w.+/-]+", text)}
        return cls(text.lower(), frozenset(words | {w.lower() for w in words}))


def absent_names(names: list[str], notes: CorpusWords) -> list[str]:
    """Compound names the notes never write ("Mixture-of-Depths", "ZeRO++", "Flash-Decoding"):
    their parts are common words, so the index knows each part and retrieval finds the parts'
    topic. Sized variants ("Llama-2-7B") and descriptions ("Flamingo-style") are left to the
    other checks: the notes write sizes in several ways."""
    return [n for n in names if COMPOUND_NAME.search(n) and not SIZED.search(n) and not DESCRIPTIVE_NAME.search(n)
            and n.lower() not in notes.words and not _known_with_descriptor(n, notes.words) and not _written(n, notes.lower)]


def _written(name: str, lower: str) -> bool:
    """The name in the notes' text, hyphens or spaces between its parts ("flash decoding")."""
    return any(v in lower for v in {name.lower(), re.sub(r"[-_]", " ", name.lower())})


def _known_with_descriptor(name: str, words: frozenset[str]) -> bool:
    """"GPT-2-vocabulary", "JSON-parse": a name the notes use, as written, with a plain word
    attached; "MQA+int8": names the notes use, combined."""
    parts = [p for p in re.split(r"[-+_/]", name) if p]
    if "+" in name.strip("+") and all(p.lower() in words for p in parts):
        return True
    for cut in (m.start() for m in re.finditer(r"[-_/]", name)):
        rest = re.split(r"[-_/]", name[cut + 1 :])
        if name[:cut] in words and all(p.islower() and p.isalpha() for p in rest):
            return True
    return False


class CoverageJudge:
    def __init__(self, settings: Settings, index: LoadedIndex, reader: AnswerReader | None = None,
                 corpus: Corpus | None = None) -> None:
        self.settings, self.index = settings, index
        self.reader = reader if reader is not None else (AnswerReader() if settings.coverage_reader else None)
        self.notes = CorpusWords.of(corpus) if corpus is not None else None
        # (the tokens of a glossary term and of each alias, the stems of its definition's first clause
        # and aliases): what kind of thing it is
        self.kinds = [([set(tokenize(n)) for n in (t.term, *t.aliases) if tokenize(n)],
                       set(stem_tokens(tokenize(" ".join([FIRST_CLAUSE.match(t.definition).group(0), *t.aliases])))))
                      for t in (corpus.glossary if corpus is not None else [])]

    def sentences(self, quotes: list[Quote]) -> list[str]:
        out = []
        for q in quotes:
            chunk = self.index.chunks[q.row]
            out += [chunk.text[a:b] for a, b in q.spans]
        return out

    def judge(self, ranking: Ranking, quotes: list[Quote], abstained: bool, unmentioned: list[str]) -> CoverageResult:
        if abstained:
            return CoverageResult("not_covered")
        sentences = self.sentences(quotes)
        token_sets = [_tokens(s) for s in sentences]
        intent = ranking.intent
        focus = intent.focus_tokens
        weak = ranking.evidence < self.settings.coverage_name_evidence
        unmentioned = [n for n in unmentioned if not version_quoted(ranking.query.text, n, sentences)]
        missing = [n for n in unmentioned if not DESCRIPTIVE_NAME.search(n)] if weak else []
        missing += [n for n in absent_names(ranking.query.names, self.notes) if n not in missing] if self.notes else []
        missing += [v for v in self.other_versions(ranking, sentences) if v not in missing]
        if not missing and intent.numeric and focus:
            # A number asked of a named thing ("how many bytes per token does *Mistral 7B* need")
            # is never stated by passages that don't name it, however close the rest matches.
            missing = [n for n in unmentioned if n in number_owners(ranking.query.text, ranking.query.names)]
        checked = (focus and intent.kind in FOCUS_KINDS and focus[-1] not in GENERIC_HEADS and ranking.query.names
                   and not missing and (ranking.evidence < self.settings.coverage_focus_evidence or self.owned(ranking)))
        # A thing of the asked kind ("SwiGLU" for "which activation") is positive evidence the reader
        # is not asked to overrule. A plain pass of the focus check is not: on the dev controls the
        # reader overruled 5 right answers there but caught 6 unanswerables.
        named_kind = False
        if checked:
            kinds = self.with_kinds(token_sets, focus, sentences, number_owners(ranking.query.text, ranking.query.names))
            named_kind = kinds != token_sets and self.states(focus, intent.numeric, sentences, kinds, ranking)
            if not named_kind and not self.states(focus, intent.numeric, sentences, token_sets, ranking):
                missing.append(asked_thing(ranking.query.text, intent.focus, ranking.query.names))
        if (not missing and not named_kind and not self.states_quantity(focus, intent.numeric, sentences, ranking)
                and self.reads_as_unanswered(ranking, sentences)):
            missing.append(asked_thing(ranking.query.text, intent.focus, ranking.query.names) if focus
                           else "a direct answer to this question")
        return CoverageResult("partial" if missing else "answered", missing)

    def with_kinds(self, token_sets: list[set[str]], focus: list[str], sentences: list[str],
                   owners: list[str]) -> list[set[str]]:
        """Each sentence's tokens plus the asked attribute's words that say what a glossary term
        it names is: "Llama 2 7B per layer (SwiGLU)" states Llama's activation, since SwiGLU's
        entry calls it "SiLU-activated"; RoPE is a positional encoding."""
        stems = [s for f, s in zip(focus, stem_tokens(focus), strict=True) if f not in GENERIC_HEADS | CATEGORY_WORDS]
        out = []
        for tokens, sentence in zip(token_sets, sentences, strict=True):
            if not any(o.lower() in sentence.lower() for o in owners):  # said of the asked thing, not another
                out.append(tokens)
                continue
            kinds = set().union(*(kind for terms, kind in self.kinds if any(term <= tokens for term in terms)))
            # Every word of the attribute but a category word: "activation (function)", "positional
            # (encoding)" are what SwiGLU and RoPE are; a "learning rate" is not named by "learning".
            out.append(tokens | set(focus) if stems and all(s in kinds for s in stems) else tokens)
        return out

    @staticmethod
    def other_versions(ranking: Ranking, sentences: list[str]) -> list[str]:
        """"Mixtral 8x22B" asked, only "Mixtral 8x7B" quoted: the asked version is missing. Not
        for comparisons, whose sides are often two versions of one thing."""
        if ranking.intent.kind == "comparison":
            return []
        out = []
        for name in ranking.query.names:
            asked = owner_phrase(ranking.query.text, name)
            if asked == name or not re.match(rf"{re.escape(name)}[\s-]+\d", asked):
                continue
            version = asked[len(name):].strip(" -")
            # The same shape with other numbers ("8x7B" for "8x22B"); a bare number ("3") has no shape.
            shape = re.sub(r"\d+", r"\\d+", re.escape(version)) if re.search(r"[A-Za-z]", version) else None
            others = [s for s in sentences if other_version(s, ranking.query.text, [name])
                      or shape and re.search(rf"(?<![\w.]){shape}(?!\w)", s)]
            if others and not any(version.lower() in " ".join(s.split()).lower() for s in sentences):
                out.append(asked)
        return out

    @staticmethod
    def owned(ranking: Ranking) -> bool:
        """A plain numeric question about a thing it names ("how many layers does Llama 3 405B
        have"): its attribute is checked at any evidence, since a close match on the rest of the
        question is exactly what makes related text look like the answer. Not multi-part
        questions, whose focus is only their first part's (dev: false partials)."""
        kind = ranking.intent.kind
        if kind == "other" and not ASKS_WHICH.match(ranking.query.text):
            return False
        return kind in ("numeric", "other") and bool(number_owners(ranking.query.text, ranking.query.names))

    @staticmethod
    def states_quantity(focus: list[str], numeric: bool, sentences: list[str], ranking: Ranking) -> bool:
        """A quoted sentence gives the asked quantity in its unit ("1.25 GiB" for "how much
        memory"): positive evidence the reader is not asked to second-guess."""
        unit = QUANTITY_UNITS.get(focus[-1]) if focus and numeric else None
        given = set(NUMBER_RE.findall(ranking.query.text))
        return bool(unit) and any(unit.search(s) and set(NUMBER_RE.findall(s)) - given for s in sentences)

    def reads_as_unanswered(self, ranking: Ranking, sentences: list[str]) -> bool:
        """The reader's verdict, asked only where the cheap checks are least sure: a question
        about a named thing, of a kind with one asked attribute, with middling evidence."""
        if (self.reader is None or not sentences or not ranking.query.names or ranking.intent.kind not in FOCUS_KINDS
                or ranking.evidence >= self.settings.coverage_reader_evidence):
            return False
        quoted = " ".join(display_sentence(s) for s in sentences)
        return self.reader.score(ranking.query.text, quoted) < self.settings.coverage_reader_logit

    @staticmethod
    def states(focus: list[str], numeric: bool, sentences: list[str], token_sets: list[set[str]],
               ranking: Ranking) -> bool:
        """Some quoted sentence names the asked attribute (and, for a number, gives one the
        question did not already give, like the 405 of "Llama 3 405B")."""
        given = set(NUMBER_RE.findall(ranking.query.text))
        unit = QUANTITY_UNITS.get(focus[-1])
        # A number asked of a named thing must be tied to the attribute and said of that thing.
        # Not a multi-part question's: its focus is only its first part's (dev: false partials).
        plain = ranking.intent.kind == "numeric" if numeric else bool(ASKS_WHICH.match(ranking.query.text))
        owners = [o for o in number_owners(ranking.query.text, ranking.query.names) if not DESCRIPTIVE_NAME.search(o)
                  ] if plain else []
        for sentence, tokens in zip(sentences, token_sets, strict=True):
            named = mentions_all(tokens, focus) or bool(numeric and unit and unit.search(sentence))
            if numeric and other_version(sentence, ranking.query.text, ranking.query.names):
                continue
            if owners:
                if about_other(sentence, owners, ranking.query.text):
                    continue
                if named and (not numeric or unit and unit.search(sentence) or tied_number(sentence, focus[-1], given)):
                    return True
                # The notes often give the value without the attribute's word ("Stable Diffusion
                # commonly uses w around 7.5", "five rounds"): said of the thing, a new value states it.
                # With the word there, the number must be tied to it ("each MoE layer … 671B").
                if (focus[-1] not in tokens and said_of(sentence, owners, ranking.query.text)
                        and free_value(sentence, focus, given)):
                    return True
                continue
            if named and (not numeric or set(NUMBER_RE.findall(sentence)) - given):
                return True
        return False

