"""The lexical tokenizer shared by BM25, query analysis, quoting and answer checks: it keeps
technical tokens intact (fp16, top-p, gpt-4, p99, $2.50) and folds plurals lightly."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import Stemmer

TOKENIZER_VERSION = "3"  # 2: powers of ten in one form; 3: other superscript exponents as "^n"
_STEMMER = Stemmer.Stemmer("english")  # Snowball (Porter 2) English; a C extension, ~1 µs a word


# Money ($2.50, $1.2M), then words/numbers joined by - . / _ (fp16, top-p, gpt-4, 4096x4096, p99.9).
TOKEN_RE = re.compile(r"\$\d[\d,]*(?:\.\d+)?[kmb]?|[a-z0-9]+(?:[-_./][a-z0-9]+)*")


STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "does",
        "doesn",
        "don",
        "isn",
        "wasn",
        "aren",
        "weren",
        "vs",
        "via",
        "per",
    ]
)


def _normalize(token: str) -> str:
    # Light plural folding, applied identically to queries and documents ("heads" == "head").
    if len(token) > 4 and token.endswith("s") and not token.endswith(("ss", "us", "is")) and token.isalpha():
        return token[:-1]
    return token


def mentions_all(tokens: set[str], wanted: list[str]) -> bool:
    """Every wanted token is among ``tokens``, a plural one also as its singular ("H100s")."""
    return all(t in tokens or (t.endswith("s") and t[:-1] in tokens) for t in wanted)


# Powers of ten as the notes write them (TeX "$10^{24}$", "6 \\times 10^{-4}", "3.8×10²⁵") and as
# people type them ("1e24", "6e-4") are one token: "1e24", "6e-4", "3.8e25". A math "$" is dropped.
SUPERSCRIPTS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
_POWER = r"10(?:\^\{?(?P<exp>-?\d+)\}?|(?P<sup>⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
SCALED_POWER = re.compile(rf"\$?-?(?P<mantissa>\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|×|·)\s*{_POWER}")
SUPERSCRIPT_EXPONENT = re.compile(r"(?<=[\w)])⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
BARE_POWER = re.compile(rf"(?<![\d.])\$?-?{_POWER}")


def _exponent(m: re.Match[str]) -> str:
    return m.group("exp") or m.group("sup").translate(SUPERSCRIPTS)


def powers_of_ten(text: str) -> str:
    """Scientific notation in one written form: "1e24" for "10^{24}", "6e-4" for "6 \\times 10^{-4}";
    any other superscript exponent as typed: "0.98^30" for "0.98³⁰", so "30" is a word of it."""
    if "10" in text:
        text = SCALED_POWER.sub(lambda m: f"{m.group('mantissa')}e{_exponent(m)}", text)
        text = BARE_POWER.sub(lambda m: f"1e{_exponent(m)}", text)
    return SUPERSCRIPT_EXPONENT.sub(lambda m: "^" + m.group(0).translate(SUPERSCRIPTS), text)


def tokenize(text: str) -> list[str]:
    out: list[str] = []
    for tok in TOKEN_RE.findall(powers_of_ten(text.lower())):
        if tok in STOPWORDS:
            continue
        out.append(_normalize(tok))
        if "-" in tok or "/" in tok:  # "grouped-query" also matches "grouped query"
            out += [_normalize(p) for p in re.split(r"[-/]", tok) if len(p) > 1 and p not in STOPWORDS]
    return out


@lru_cache(maxsize=1 << 16)  # a corpus' vocabulary repeats: each distinct token is stemmed once
def _stem(token: str) -> str:
    return _STEMMER.stemWord(token) if token.isalpha() else token


def stem_tokens(tokens: list[str]) -> list[str]:
    """BM25's analysis on top of :func:`tokenize`: Snowball stems of plain words ("scaling",
    "scaled" -> "scale"), while technical tokens with digits or joiners (fp16, top-p, gpt-4,
    $2.50) stay as they are."""
    return [_stem(t) for t in tokens]


def stem_query(tokens: list[str]) -> list[str]:
    """A question's stems, each as often as its most repeated surface form: folding "drafted"
    and "draft" into one stem must not count that word twice (stemming, like glossary expansion,
    never re-weights the question)."""
    most: dict[str, int] = {}
    for surface, n in Counter(tokens).items():
        stem = _stem(surface)
        most[stem] = max(most.get(stem, 0), n)
    return [stem for stem, n in most.items() for _ in range(n)]
