"""Does the answer state what was asked? ``answered`` when the quoted sentences state it;
``partial`` when they are related but the specific thing asked — a name, one side of a
comparison, the asked attribute or number — is not in them; ``not_covered`` when the answer
abstains. Judged from the question's intent against the sentences actually quoted, so a reader
is told when the nearest text is not the answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import Settings
from ..corpus.model import Corpus
from ..names import Coverage
from ..query.comparison import side_words
from ..query.documents import DocumentEvidence
from ..query.intent import own_names
from ..query.loaded_index import LoadedIndex
from ..query.phrasing import DESCRIPTIVE_NAME
from ..query.ranking import Ranking
from ..query.wording import FRAME_WORDS, ITEM_MARK
from ..tokenize import stem_tokens, tokenize
from .answer_shape import (
    DEFAULT,
    DURATION,
    FIGURE,
    LIMIT,
    RATIO_RE,
    SHARE,
    YEAR,
    offers_values,
    unchosen,
    unguessed,
    unshaped,
    unwritten_variants,
    without_guesses,
)
from .asked import (
    asked_clause,
    asked_here,
    asked_question,
    full_name,
    names_asked,
    names_word,
    number_owners,
    owners_of,
    unnamed_kind,
    year_asked,
)
from .counting import CountCheck
from .missing_note import GENERIC_HEADS, generic, say_missing, unsaid_parts
from .owner_checks import OwnerChecks
from .quotes import Quote, shown_sentences
from .reader import AnswerReader
from .reader_checks import FOCUS_KINDS, ReaderChecks
from .stating import (
    CATEGORY_WORDS,
    COUNT_RE,
    NUMBER_WORDS_RE,
    named_unvalued,
    names_kind,
    states,
    states_quantity,
    works_the_case,
)
from .text import display_sentence
from .typed_names import NOTATION, unwritten

# "what does X actually charge", "the real production count", "by the company's own figures"
ASKS_REAL = re.compile(r"\b(?:actual|actually|real|in production|own figures|officially|reported)\b", re.I)
# The notes mark a made-up figure: "assume", "illustrative", "hypothetical", "in the shape of".
ASSUMED = re.compile(r"\b(?:assum\w*|illustrative\w*|hypothetical|in the shape of)\b", re.I)
READER_MEMO = 64  # recent (question, quotes) pairs: a judgement's checks share one; concurrent requests a few
SCENE_KINDS = frozenset({"mechanism", "multi_part", "comparison", "list"})  # questions that ask how, why, several things or items
FIRST_CLAUSE = re.compile(r"[^.;]*")  # a definition says what kind of thing it is first: "A smooth activation …"
# "(1) … (2) …", "First, …", "Two infra lookups: …", "two quick ones", "… in each case": a question
# that announces its parts ("when the document was first, and …" numbers nothing).
ANNOUNCED = re.compile(rf"(?:^|\s){ITEM_MARK}|(?:^|[.?!:;]\s+)(?:first|second),"
                       r"|\b(?:two|three|four|2|3|4)\s+(?:[\w/-]+\s+){0,3}?(?:questions|things|parts|bits|lookups|checks|ones)\b"
                       r"|\b(?:in|for)\s+each\b|\beach\s+(?:one|of)\b", re.I)
# Quantities with one unit whatever is measured (a "size" may be tokens, bytes or parameters).
RATED_UNITS = frozenset({"throughput", "latency", "bandwidth", "cost", "price", "pricing", "bill", "charge", "flop",
                         "compute", "time", "duration"})
@dataclass
class CoverageResult:
    coverage: Coverage
    missing: list[str] = field(default_factory=list)


LEADING_ASK = re.compile(r"^(?:the|an?|which|what|how)\s+", re.I)


def distinct_missing(missing: list[str]) -> list[str]:
    """The missing things none of the others already says: "the layer of the defence stack" is
    said by "which layer of the defence stack does each sit"."""
    def core(m: str) -> str:
        return LEADING_ASK.sub("", m.lower())
    return [m for m in missing if not any(m != other and core(m) in core(other) for other in missing)]


def asks_of_sketch(ranking: Ranking, function: str) -> bool:
    """Every part of the question asks about the code sketch ``function``: it names the function
    or names nothing else ("… react_loop: what's its default step budget, and what does it
    return?"), not "… and what did GPT-4 cost?", whose part the sketch cannot answer."""
    parts = ranking.intent.parts or [ranking.query.text]
    return bool(function) and all(names_word(part, function) or not own_names(part) for part in parts)


def announces_parts(ranking: Ranking) -> bool:
    """A multi-part question that announces its parts asks several things, and its focus is only
    its first part's: the focus, reader, answer-shape and assumed-figure checks would read one
    part's attribute against every part's quotes. They are skipped for it; a part the quotes leave
    out is still named (``unsaid_parts``) when another check finds something missing. Dev: 26
    answerable questions no longer flagged partial, and no unanswerable question lost its flag
    (blind pairs: 7 better, 0 worse)."""
    return ranking.intent.kind == "multi_part" and bool(ANNOUNCED.search(ranking.query.text))


def _tokens(text: str) -> set[str]:
    return set(tokenize(text))


class CoverageJudge(ReaderChecks, OwnerChecks):
    def __init__(self, settings: Settings, index: LoadedIndex, reader: AnswerReader | None = None,
                 corpus: Corpus | None = None, documents: DocumentEvidence | None = None) -> None:
        self.settings, self.index, self.corpus = settings, index, corpus
        self.reader = reader if reader is not None else (AnswerReader() if settings.coverage_reader else None)
        # One judgement may consult the reader from several checks on the same quotes: score once.
        self._logit = lru_cache(maxsize=READER_MEMO)(self.reader.score) if self.reader is not None else None
        # Per glossary term: the token sets of its names, and the stems of its definition's first
        # clause and aliases, which say what kind of thing it is (GELU: "a smooth activation").
        self.kinds = [([set(tokenize(n)) for n in (t.term, *t.aliases) if tokenize(n)],
                       set(stem_tokens(tokenize(" ".join([FIRST_CLAUSE.match(t.definition).group(0), *t.aliases])))))
                      for t in (corpus.glossary if corpus is not None else [])]
        self.counts = CountCheck(documents, GENERIC_HEADS)

    def judge(self, ranking: Ranking, quotes: list[Quote], abstained: bool, unmentioned: list[str]) -> CoverageResult:
        if abstained:
            return CoverageResult("not_covered")
        sentences = shown_sentences(quotes, self.index, self.corpus)
        token_sets = [_tokens(s) for s in sentences]
        # only a count's modifiers are looked up in the passages around the quotes
        context = self.passage_words(quotes) if ranking.intent.numeric and COUNT_RE.search(ranking.query.text) \
            else frozenset()
        intent = ranking.intent
        # "the six lines of evidence": the count is the question's own; the quotes list the lines
        focus = [t for t in intent.focus_tokens if not t.isdigit() and not NUMBER_WORDS_RE.fullmatch(t)]
        weak = ranking.evidence < self.settings.coverage_name_evidence
        # A name the notes never write is missing at any evidence: nothing quoted can be about it.
        missing = [n for n in unmentioned if not DESCRIPTIVE_NAME.search(n) and not NOTATION.fullmatch(n) and weak
                   and not self.setting_name(n, ranking, unmentioned)]
        missing += [n for n in ranking.unknown_names if unwritten(n, ranking) and n not in missing]
        missing += [v for v in unwritten_variants(ranking.query.text, self.index.lexical.vocab)
                    if not any(n in v for n in missing)]
        if choice := unchosen(ranking.query.text, sentences):
            missing.append(asked_here(ranking) if intent.focus and offers_values(choice) else choice)
        elif unguessed(ranking.query.text, sentences):
            missing.append(asked_here(ranking) if intent.focus else asked_question(without_guesses(ranking.query.text)))
        # "what BLEU did DeepNet get": an attribute named by a word the notes never write is not stated
        if not missing and intent.focus and any(n.lower() in focus for n in ranking.unknown_names):
            missing.append(asked_here(ranking))
        if not missing and intent.sides:
            # a comparison: every side it names is quoted, or said to be missing, at any evidence
            # ("ALiBi vs T5's bucketed bias" answered with ALiBi's sentences alone); "QK^T" is math
            # ("QKV/O projection FLOPs vs …" is said by a sentence on the projections' FLOPs)
            described = [side for side in intent.sides if self.described(side, intent.sides, unmentioned, token_sets)]
            missing = [n for n in unmentioned if any(names_word(side, n) for side in intent.sides if side not in described)
                       and not DESCRIPTIVE_NAME.search(n) and not NOTATION.fullmatch(n)
                       and not re.search(rf"\b{re.escape(n)}[\^_]", ranking.query.text)]
            # a side named by a word the notes never write ("Lion vs AdamW"), however it is cased
            missing += [name for side, word in zip(intent.sides, side_words(intent.sides), strict=True)
                        if word and side not in described and (name := self.unwritten_name(side, word))
                        and not any(names_word(side, m) for m in missing)]
        if not missing and unmentioned and intent.kind in FOCUS_KINDS:
            missing = self.unmentioned_and_unread(ranking, sentences, unmentioned)
        if not missing and intent.numeric and focus:
            # A number asked of a named thing ("how many bytes per token does *Mistral 7B* need")
            # is never stated by passages that don't name it, however close the rest matches.
            missing = [n for n in unmentioned if n in number_owners(asked_clause(ranking), ranking.query.names)]
        # A glossary term of the asked kind said of the asked thing ("BERT uses [GELU]") is positive
        # evidence the reader is not asked to overrule; a plain pass of the focus check is not
        # (dev: the reader catches unanswerables there, "how many GPUs does Character.ai run").
        said = False
        # a code sketch's own lines ("threshold=0.5", "str(obs)[:4000]") answering a question about
        # that sketch: the prose checks would read them as silent
        coded = asks_of_sketch(ranking, next((q.code for q in quotes if q.code), ""))
        announced = announces_parts(ranking) or coded
        if (focus and intent.kind in FOCUS_KINDS and not announced and not generic(focus, ranking.query.text)
                and names_asked(ranking)
                and not missing and (ranking.evidence < self.settings.coverage_focus_evidence or self.owned(ranking))
                and not states(focus, intent.numeric, *self.of_owner(ranking, quotes, sentences, token_sets),
                               ranking, context)):
            # said of the thing the number is asked of, not of another name in the question
            owners = number_owners(asked_clause(ranking), ranking.query.names) if self.owned(ranking) else []
            kinds = self.with_kinds(token_sets, focus, sentences, owners or ranking.query.names, ranking.query.text)
            said = kinds != token_sets and states(focus, intent.numeric, sentences, kinds, ranking, context)
            if not said and not self.reads_as_answered(ranking, sentences):
                missing.append(asked_here(ranking))
        if (not missing and not said and not announced
                and not states_quantity(focus, intent.numeric, sentences, ranking)
                and not self.states_of_owner(ranking, sentences, token_sets, context)
                and not works_the_case(ranking.query.text, sentences)
                and self.reads_as_unanswered(ranking, sentences)):
            missing.append(asked_here(ranking) if focus else asked_question(ranking.query.text))
        if (not missing and intent.kind == "comparison" and intent.numeric and focus and focus[-1] in RATED_UNITS
                and not states_quantity(focus, True, sentences, ranking)
                and not any(RATIO_RE.search(display_sentence(s)) for s in sentences)):
            # "how much higher throughput does A get than B": neither tok/s nor a ratio quoted
            missing.append(asked_here(ranking))
        if not missing and not announced and (
                shape := unshaped(ranking.query.text, asked_clause(ranking), sentences, intent.numeric)):
            asks_attribute = bool(focus) and not generic(focus, ranking.query.text)  # not "what else has to hold"
            missing.append(asked_here(ranking) if shape in (SHARE, FIGURE, DEFAULT, DURATION, LIMIT) and asks_attribute
                           else asked_question(ranking.query.text) if shape in (FIGURE, DEFAULT, DURATION)
                           else year_asked(ranking.query.text) if shape == YEAR else shape)
        if not missing and (kind := unnamed_kind(ranking, sentences)):
            missing.append(asked_here(ranking) if focus else kind)
        if not missing and intent.numeric and not announced and self.only_assumed(ranking.query.text, quotes, sentences):
            asked = asked_here(ranking) if focus else FIGURE
            missing.append(f"the real {asked.removeprefix('the ')}" if asked.startswith("the ") else asked)
        if (not missing and intent.kind == "numeric" and focus and not generic(focus, ranking.query.text)
                and named_unvalued(focus, sentences, token_sets)
                and not states(focus, True, sentences, token_sets, ranking, context)
                and not states_quantity(focus, True, sentences, ranking)):
            missing.append(asked_here(ranking))
        if not missing and self.stated_elsewhere(ranking, quotes, sentences, token_sets, context):
            missing.append(asked_here(ranking))
        if not missing and not coded:
            missing += self.counts.uncounted(ranking)
        # the reader's strongest doubt overrules the value checks above too: they also pass related
        # figures (dev45 + dev46 and dev47 each lost a flagged unanswerable to them, no false partial gained)
        if not missing and not said and not announced and self.doubts(ranking, sentences):
            missing.append(asked_here(ranking) if focus else asked_question(ranking.query.text))
        if missing and intent.kind == "multi_part":
            missing += unsaid_parts(ranking, token_sets)
        # "the FID of DiT-XL" already says "DiT-XL", and that the premise's other names ("… on
        # ImageNet 256") have no FID of theirs to state: a name is said only when nothing else is
        asked = [m for m in missing if m not in ranking.query.names]
        named = [say_missing(ranking, m) for m in missing if m in ranking.query.names]
        attribute = any(m.startswith("the ") for m in asked + named)
        worded = list(dict.fromkeys(asked + [m for m in named if not attribute or m.startswith("the ")]))
        missing = distinct_missing(worded)
        return CoverageResult("partial" if missing else "answered", missing)

    def unwritten_name(self, side: str, word: str) -> str | None:
        """The name, as the question writes it, when the side names a thing (a capitalised word:
        "Lion", "Mamba-style …", not "debiting synchronously") by a word the notes never write, in
        any number."""
        written = re.search(rf"(?<![\w-]){re.escape(word)}", side, re.I)
        vocab = self.index.lexical.vocab
        unwritten = word.isalpha() and not any(w in vocab for w in (word, word.removesuffix("s"), f"{word}s"))
        return written.group(0) if written and written.group(0)[:1].isupper() and unwritten else None

    @staticmethod
    def described(side: str, sides: list[str], unmentioned: list[str], token_sets: list[set[str]]) -> bool:
        """A quoted sentence uses every word that describes ``side`` besides its unmentioned name
        and the words the other sides share: it speaks of the side by what it is."""
        others = {t for other in sides if other != side for t in stem_tokens(tokenize(other))}
        named = {t for n in unmentioned for t in stem_tokens(tokenize(n))}
        words = {t for t in stem_tokens(tokenize(side))  # not "qkv/o", a joined form of the name
                 if len(t) > 1 and t.replace("-", "").isalnum() and t not in FRAME_WORDS} - others - named
        return bool(words) and any(words <= set(stem_tokens(sorted(tokens))) for tokens in token_sets)

    @staticmethod
    def setting_name(name: str, ranking: Ranking, unmentioned: list[str]) -> bool:
        """A name the notes write that only sets the scene of a question asking how or why, or
        asking several things ("in an ink-based CLI, how do nested boxes …", "… runs still OOM"):
        the quotes speak of the question's other names, and what is asked is not this name's."""
        intent = ranking.intent
        if intent.kind not in SCENE_KINDS or name in ranking.unknown_names:
            return False
        if full_name(ranking.query.text, name) != name:  # "AlpacaEval 2", "Claude Haiku": what is asked of
            return False
        if any(names_word(side, name) for side in intent.sides):
            return False
        return any(n not in unmentioned and n != name for n in ranking.query.names)

    @staticmethod
    def owned(ranking: Ranking) -> bool:
        """A plain numeric question about a thing it names ("how many layers does Llama 3 405B
        have"): its attribute is checked at any evidence, since a close match on the rest of the
        question is exactly what makes related text look like the answer. Not multi-part
        questions, whose focus is only their first part's (dev: false partials)."""
        return bool(owners_of(ranking))

    def only_assumed(self, question: str, quotes: list[Quote], sentences: list[str]) -> bool:
        """A question that asks for the real figure ("what does OpenAI actually see in production")
        answered from passages whose numbers the notes call assumed or illustrative: the notes
        state a worked assumption, not the figure asked for. Not when the question sets up that
        very case and the quotes work it ("50 engineers … is that the real argument"): the
        assumption is the question's own."""
        if not ASKS_REAL.search(question) or works_the_case(question, sentences):
            return False
        return any(ASSUMED.search(self.index.chunks[q.row].text) for q in quotes)

    def passage_words(self, quotes: list[Quote]) -> frozenset[str]:
        """The words of the passages quoted from, headings included: what the quotes are about."""
        chunks = [self.index.chunks[q.row] for q in quotes]
        return frozenset(tokenize(" ".join(f"{c.breadcrumb} {c.text}" for c in chunks)))

    def states_of_owner(self, ranking: Ranking, sentences: list[str], token_sets: list[set[str]],
                        context: frozenset[str] = frozenset()) -> bool:
        """A sentence that names the thing an attribute is asked of states that attribute ("Reflexion
        … reaching 91% pass@1"): positive evidence only the reader's strongest doubt overrules."""
        focus = ranking.intent.focus_tokens
        if not focus or not self.owned(ranking):
            return False
        owners = number_owners(asked_clause(ranking), ranking.query.names)
        named = [(s, t) for s, t in zip(sentences, token_sets, strict=True)
                 if any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", s, re.I) for n in owners)]
        return bool(named) and states(focus, ranking.intent.numeric, [s for s, _ in named], [t for _, t in named],
                                           ranking, context)

    def with_kinds(self, token_sets: list[set[str]], focus: list[str], sentences: list[str],
                   names: list[str], question: str = "") -> list[set[str]]:
        """Each sentence's tokens, plus the asked attribute's words when the sentence names one of
        the question's names and a glossary term of the asked kind: "GPT-2, GPT-3 and BERT use
        [GELU]" states BERT's activation function, since GELU's entry calls it an activation."""
        stems = [s for f, s in zip(focus, stem_tokens(focus), strict=True) if f not in GENERIC_HEADS | CATEGORY_WORDS]
        out = []
        for tokens, sentence in zip(token_sets, sentences, strict=True):
            if not stems or not any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", sentence, re.I) for n in names):
                out.append(tokens)  # said of another thing, or nothing to check
                continue
            kinds = set().union(*(kind for terms, kind in self.kinds if any(term <= tokens for term in terms)))
            out.append(tokens | set(focus) if all(s in kinds for s in stems)
                       or names_kind(focus, stems, tokens, sentence, question) else tokens)
        return out

