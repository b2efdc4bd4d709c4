"""Query analysis: glossary alias expansion for the lexical leg (GQA → grouped-query
attention, KV → key-value) and the glossary terms a question mentions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..config import CATEGORIES
from ..corpus.model import GlossaryTerm
from ..errors import InvalidQueryError
from ..tokenize import tokenize
from .wording import ITEM_MARK

MAX_QUESTION_CHARS = 2000  # the HTTP contract's limit; longer input is rejected, not truncated
MAX_K = 50  # results per search, CLI and HTTP alike: beyond the fused head (40) ranks are noise
# "What is RoPE?", "Explain layer norm", "What does GQA stand for?": a request for a definition.
# "superposition — what is it?", "GRPO: what's the idea?": the term first, then the question.
TERM_FIRST_RE = re.compile(r"^(?P<subject>[^?,:;—–]+?)\s*(?:\s[—–-]|[,:;—–])\s*(?:what(?:'s|\s+is|\s+are)\s+(?:it|they|that|this)"
                           r"|what(?:'s|\s+is)\s+the\s+idea)\s*[?.!]*$", re.IGNORECASE)
SETTING = re.compile(r"\s+(?:in|for)\s+(?!.*\b(?:and|or|how|why|what|which)\b)[^,;?]*$")  # not a further question
SETTING_WORD = re.compile(r"^\s+(?:in|for)\s+")
BARE_TERM_RE = re.compile(r"^(?P<subject>[^?.!,:;]{2,60}?)\s*[?.!]*$")  # the whole question is a term
HOW_WORKS_RE = re.compile(r"^how\s+(?:does|do|did)\s+(?:an?\s+|the\s+)?(?P<subject>.+?)\s+work\s*[?.!]*$", re.I)
KIND_WORD = re.compile(r"\s+(?:model|method|technique|algorithm|pattern|approach|scheme|trick|mechanism|framework)$")
DEFINITION_RE = re.compile(
    r"^(?:what(?:'s|\s+is|\s+are|\s+does)|define|explain|describe|tell\s+me\s+about)\s+(?:an?\s+|the\s+)?"
    r"(?P<subject>.+?)(?:\s+(?:mean|stand\s+for))?\s*[?.!]*$", re.IGNORECASE)


# A model at a size: "Llama-2-7B", "Llama 3 405B", "GPT-3 175B". Another size of the same family
# is another model, whose numbers must not answer the question ("Llama-2-70B" for "Llama-2-7B").
VARIANT_RE = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z.]*(?:[- ]?\d+(?:\.\d+)?)?)[- ](\d+(?:\.\d+)?[BMbm])(?![\w-])")
# Words a size can follow that name no model: "the 7B", "roughly 15T tokens"
NOT_A_FAMILY = {"the", "a", "an", "this", "that", "its", "our", "their", "for", "with", "at", "on", "in", "of",
                "about", "around", "roughly", "approximately", "nearly", "almost", "over", "under", "only", "just"}


def sized_models(text: str) -> list[str]:
    """Each model-at-a-size written with a space ("llama 2 7b", "GPT-3 175B") as the one word its
    hyphenated spelling is ("llama-2-7b"): a question finds the passages that write it that way."""
    return [re.sub(r"[\s-]+", "-", m.group(0).lower()) for m in VARIANT_RE.finditer(text)
            if " " in m.group(0) and _compact(m.group(1)) not in NOT_A_FAMILY]


def model_variants(text: str) -> set[tuple[str, str]]:
    """(family, size) pairs named in a text: {("llama2", "7B")} for "Llama-2-7B" or "Llama 2 7B"."""
    out = set()
    for m in VARIANT_RE.finditer(text):
        family = _compact(m.group(1))
        if family not in NOT_A_FAMILY:
            out.add((family, m.group(2).upper()))
    return out


def validate_question(question: str, categories: list[str] | None, what: str = "question",
                      allowed: tuple[str, ...] = CATEGORIES) -> None:
    """``allowed``: the corpus's category names (Corpus.categories; the wiki's by default)."""
    if not question or not question.strip():
        raise InvalidQueryError(f"{what} is empty")
    if any("\ud800" <= ch <= "\udfff" for ch in question):  # undecodable bytes from a shell argument
        raise InvalidQueryError(f"{what} is not valid UTF-8 text")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQueryError(f"{what} is {len(question)} characters; the limit is {MAX_QUESTION_CHARS}")
    unknown = [c for c in categories or [] if c not in allowed]
    if unknown:
        raise InvalidQueryError(f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {unknown}; choose from {list(allowed)}")


# How a follow-up carries the previous question ("… (context: previous question)").
CONTEXT_OPEN = "(context: "


@dataclass
class AnalyzedQuery:
    text: str
    lexical_tokens: list[str]
    terms: list[GlossaryTerm] = field(default_factory=list)  # glossary terms the question names
    expansions: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # name-like words: GGUF, Mamba, llama.cpp, RWKV-4
    defines: GlossaryTerm | None = None  # the term a "What is X?" question asks to define

    @property
    def term_modules(self) -> set[str]:
        return {m for t in self.terms for m in t.modules}


class QueryAnalyzer:
    def __init__(self, glossary: list[GlossaryTerm]) -> None:
        self.glossary = glossary
        names: dict[str, list[tuple[str, GlossaryTerm]]] = {}
        for term in glossary:
            for name in (term.term, *term.aliases):
                if len(name.strip()) >= 2:
                    names.setdefault(name.lower().strip(), []).append((name, term))
        self.pattern = re.compile(r"(?<![\w-])(" + _alternation(names) + r")(?![\w-])", re.IGNORECASE) if names else None
        self.names = names
        self.compact = {_compact(n): hits[0][1] for n, hits in names.items()}  # "layer norm" finds LayerNorm

    def analyze(self, question: str) -> AnalyzedQuery:
        text = " ".join(question.split())
        terms: list[GlossaryTerm] = []
        expansions: list[str] = []
        if self.pattern:
            for m in self.pattern.finditer(text):
                for _, term in self.names[m.group(1).lower()]:
                    if term in terms:
                        continue
                    terms.append(term)
                    expansions += [n for n in (term.term, *term.aliases) if n.lower() != m.group(1).lower()]
        tokens = tokenize(text.replace(CONTEXT_OPEN, "("))  # the marker's word is not the question's
        seen = set(tokens)
        # "Llama 2 7B" also as the passages that write "Llama-2-7B" spell it (the notes use both)
        for extra in tokenize(" ".join(expansions)) + sized_models(text):
            if extra not in seen:  # expansions add new words once; they never re-weight the question
                tokens.append(extra)
                seen.add(extra)
        return AnalyzedQuery(text, tokens, terms, expansions, name_like_words(text), self.defined_term(text))

    def defined_term(self, text: str) -> GlossaryTerm | None:
        """The glossary term a definition question is about, when its whole subject is one of
        the term's names (plurals too: "What are KV caches?"); None for anything longer. A
        question that is only a term ("PagedAttention?", "loss masking in SFT?") asks for it too;
        its setting is dropped only when the setting is a term as well ("KV cache in Llama 3?"
        may ask a size)."""
        asked = definition_subject(text)
        if asked is None:
            return None
        subject, bare_term = asked[0].lower(), asked[1]
        setting = SETTING.search(subject)
        if bare_term and setting and _compact(SETTING_WORD.sub("", setting.group(0))) not in self.compact:
            setting = None
        # "the roofline model", "weight tying in LMs": the term named with its kind or its setting
        bare = KIND_WORD.sub("", subject[:setting.start()] if setting else subject)
        for name in (subject, subject[:-1] if subject.endswith("s") else "", subject[:-2] if subject.endswith("es") else "",
                     bare if bare != subject else ""):
            if name and _compact(name) in self.compact:
                return self.compact[_compact(name)]
        return None

    def name_pattern(self, term: GlossaryTerm) -> re.Pattern[str]:
        names = [n for n in (term.term, *term.aliases) if len(n.strip()) >= 2]
        return re.compile(r"(?<![\w-])(?:" + _alternation(names) + ")", re.IGNORECASE)  # no right edge: plurals


def definition_subject(text: str) -> tuple[str, bool] | None:
    """What a definition-shaped question asks about, as written ("What is a ViT?" → "ViT",
    "superposition — what is it?", "how does SFT work?"), and whether the question is that
    subject alone ("PagedAttention?"); None for any other question."""
    m = DEFINITION_RE.match(text) or TERM_FIRST_RE.match(text) or HOW_WORKS_RE.match(text)
    bare_term = m is None
    m = m or BARE_TERM_RE.match(text)
    return (m.group("subject").strip(" \"'`"), bare_term) if m else None


def names_regex(names: Iterable[str]) -> re.Pattern[str] | None:
    """Any of these names as a whole word, longest first; None when there are none."""
    names = list(names)
    return re.compile(r"(?<![\w-])(?:" + _alternation(names) + r")(?![\w-])") if names else None


def name_head(name: str) -> str:
    """The name in a hyphenated compound: "Chinchilla-optimal", "ChatGPT-scale" and
    "Perplexity-style" name Chinchilla, ChatGPT and Perplexity; "best-of-N" names nothing."""
    parts = name.split("-")
    head = [parts[0]]
    for part in parts[1:]:
        if part.isalpha() and part.islower():
            break  # a lowercase word after the name modifies it
        head.append(part)
    return "" if head[0].islower() else "-".join(head)


def _alternation(names: Iterable[str]) -> str:
    """Longest names first, so "grouped-query attention" wins over "attention"."""
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


def _compact(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name.lower())


DERIVATIVE_RE = re.compile(r"\b(d\w{1,4})/(d\w{1,4})\b")  # "dL/dw1": a derivative's variables
ASSIGNED = re.compile(r"\s*=\s*[-−]?\d")  # a word set to a value in the question is a variable
# "UIs", "LLMs", "GPUs": a kind of thing, as "models" is, not one named thing whose attributes are asked.
PLURAL_ACRONYM = re.compile(r"[A-Z]{2,5}s")
# "OOMing", "DDoSed": an acronym used as a verb says what happens, not which thing is asked about.
VERBED_ACRONYM = re.compile(r"[A-Z][A-Za-z]{0,3}[A-Z](?:ing|ed)")
# Dotted like "llama.cpp", but the writer's shorthand, not a thing the notes could name.
ABBREVIATIONS = frozenset({"i.e", "e.g", "a.k.a", "cf", "etc", "vs", "viz", "approx", "resp",
                           # a month dates a report ("OpenAI's Feb 2024 report"); the notes spell it out
                           "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"})


def name_like_words(text: str) -> list[str]:
    """Words that look like names of things (capitalised mid-sentence, CamelCase, acronyms,
    dotted or digit-bearing): if the corpus has never seen one, the notes likely do not cover it."""
    out = []
    variables = {v for d in DERIVATIVE_RE.finditer(text) for v in d.groups()}
    for i, m in enumerate(re.finditer(r"[A-Za-z0-9][\w.+-]*[\w+]|[A-Za-z]", text)):
        word, start = m.group(0), m.start()
        if word[0].isdigit():  # quantities (4K-token, 70B-class, 16K-GPU) are not names
            continue
        if word.startswith("non-"):  # "non-ASCII characters" describes text; the notes say "multi-byte UTF-8"
            continue
        if word in variables or ASSIGNED.match(text, m.end()):  # math: "dL/dw1", "w1=0.5"
            continue
        if word.lower() in ABBREVIATIONS or PLURAL_ACRONYM.fullmatch(word) or VERBED_ACRONYM.fullmatch(word):
            continue
        # a sentence's first word, or an item's ("2) On an IDE bridge, …")
        sentence_start = i == 0 or re.search(rf"(?:[.!?:]\s*[\"'“(]?|(?:^|\s){ITEM_MARK}\s*)$", text[:start]) is not None
        capital = any(c.isupper() for c in word[1:]) or (word[0].isupper() and not sentence_start)
        if len(word) > 1 and (capital or "." in word or (re.search(r"\d", word) and re.search(r"[A-Za-z]", word))):
            out.append(word)
    return out


MIN_SPELLED = 3  # an acronym's words are content words ("expert parallelism"), not "in a"


def spelled_out(word: str, text: str) -> bool:
    """An acronym whose letters begin consecutive words of ``text`` ("EP" after "expert parallelism")."""
    if not (word.isupper() and word.isalpha() and 2 <= len(word) <= 5):
        return False
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    n = len(word)
    return any(all(len(w) >= MIN_SPELLED and w[0].upper() == c for w, c in zip(words[i:i + n], word, strict=True))
               for i in range(len(words) - n + 1))
