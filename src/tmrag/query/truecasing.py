"""Names typed in lower case ("what did claude 2 score on swe-bench?", "eagle speedup?") written
the way the notes write them ("Claude 2", "SWE-bench", "EAGLE"), so the checks that read names
(unknown or unmentioned names, a follow-up's new subject, coverage of a named thing) see them.
Retrieval itself is case-blind (the lexical leg lower-cases, the embedder is uncased); only the
name checks change."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Iterable

from ..tokenize import stem_tokens
from .analysis import name_head

WORD = re.compile(r"[A-Za-z0-9][\w.+-]*[\w+]|[A-Za-z]")  # the words name_like_words reads
# A sentence's, a list item's or a cell's first word: capitalised whatever it is.
FIRST_WORD = re.compile(r"(?:^|[.!?:;]\s+|[\"'“(\[*>|-]\s*)\s*(" + WORD.pattern + ")", re.M)
HEADING = re.compile(r"^\s*#.*$", re.M)  # headings are title-cased
# "Chatbot Arena": a capitalised word before another is often the first word of a longer name,
# which says nothing of how the word alone is written ("my chatbot").
BEFORE_NAME = re.compile(r"\b([A-Z][a-z]+)(?=\s+[A-Z])")
CHAT_WORDS = frozenset({"ok", "okay", "hi", "hey", "thanks", "yes", "no", "cool", "btw", "pls", "thx", "lol", "imo"})
# Apostrophes dropped in lower-case typing: words, not names.
CONTRACTIONS = frozenset({"cant", "dont", "wont", "isnt", "doesnt", "didnt", "arent", "wasnt", "shouldnt", "wouldnt",
                          "couldnt", "whats", "hows", "whys", "thats", "theres", "ive", "youre", "theyre", "lets"})
PLAIN_WORD = re.compile(r"(?<![\w.+-])[a-z]{3,}(?![\w.+-])")
# The first part of a lower-case compound ("gumbel-softmax"): a name when nobody knows it.
COMPOUND_HEAD = re.compile(r"(?<![\w.+-])[a-z]{3,}(?=-[a-z])")
COMPOUND_PART = 4  # "lock|step", "back|off"; shorter parts ("ai", "red") join names ("openai", "redpajama")
MIN_TYPO_CHARS = 5  # "sesion" is "session" mistyped; "kto" one letter off "to" is a name
# English derivations ("methodological", "lossiness", "quantization") are words, whatever the notes use.
WORD_ENDINGS = ("ical", "ically", "ness", "ment", "ments", "ation", "ations", "able", "ible", "ize", "izes", "ise",
                "izing", "ising", "ized", "ised", "ity", "ous", "ive", "ful", "less", "ally", "ingly")
# Code, file paths, URLs and citation keys write names in lower case ("~/.claude/", "[@swe-bench]"):
# they are identifiers, not how the prose spells the thing; math writes operators ("\mathrm{Var}";
# inline math opens on a non-digit, so a price "$200" is prose), as does function notation "Var(w)".
NOT_PROSE = re.compile(r"```.*?```|`[^`\n]*`|\[@[^\]]*\]|\S+://\S+|\S*/\S*|\$\$.*?\$\$"
                       r"|\$(?=[^\s$\d])[^$\n]*?(?<=\S)\$(?!\d)|[A-Za-z]\w*\(", re.S)
# A word the notes also write in lower case this often ("transformer", "attention") is a word, not
# a name: its capitalised uses are headings and titles. A name used once ("Medusa") counts when
# the lower-case form is never written.
MAX_LOWER_SHARE = 0.1
# A capitalised word ("Medusa", "Trim") seen once may be a list item's or a title's first word; an
# acronym, a CamelCase or digit-bearing name ("EAGLE", "TikTok", "GPT-4") is a name even once.
MIN_TITLE_CASE = 2
MIN_CHARS = 2  # "KV", "RL"; the short words ("an", "is", "it") are written in lower case
MIN_TITLE_CHARS = 3  # "He" (initialisation) is a name; "he" typed in a question is a pronoun
# Two capitalised words written together mid-sentence ("Claude Code", "Common Crawl"): a name as a
# whole even when one of its words alone is an everyday word ("code", "crawl").
TITLE_PAIR = re.compile(r"\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b")


class Truecaser:
    """Maps a lower-case word to the one spelling the notes use for it mid-sentence, when that
    spelling has capitals and the lower-case form is (nearly) never written."""

    def __init__(self, texts: Iterable[str], known: Callable[[str], bool] | None = None) -> None:
        """``known``: whether a lower-case word is an everyday word (the embedder's vocabulary);
        with it, a word in a question typed all in lower case that neither the notes nor the
        vocabulary know ("optuna", "siglip", "dbrx") is taken for a name."""
        self.known = known
        self.words: Counter[str] = Counter()  # uses mid-sentence, where a capital means a name
        self.alone: Counter[str] = Counter()  # uses not followed by another capitalised word
        pairs: Counter[str] = Counter()  # two-word names mid-sentence
        proses: list[str] = []
        self.seen: set[str] = set()  # every word the notes write, code and compounds' parts too
        for text in texts:
            self.seen.update(w.lower() for w in re.findall(r"[A-Za-z]+", text))
            prose = HEADING.sub("", NOT_PROSE.sub(" ", text))
            proses.append(prose)
            found = WORD.findall(prose)
            firsts = list(FIRST_WORD.finditer(prose))
            self.words.update(w.rstrip(".") for w in found)
            self.words.subtract(m.group(1).rstrip(".") for m in firsts)  # a capital there says nothing
            self.words.update(head for w in found if "-" in w and (head := name_head(w)))  # "EAGLE-style"
            self.alone.update(found)
            self.alone.subtract(BEFORE_NAME.findall(prose))
            starts = {m.start(1) for m in firsts}
            pairs.update(f"{m.group(1)} {m.group(2)}" for m in TITLE_PAIR.finditer(prose) if m.start() not in starts)
        forms: dict[str, list[tuple[int, str]]] = {}
        for word, n in self.words.items():
            if n > 0 and len(word) >= MIN_CHARS:
                forms.setdefault(word.lower(), []).append((n, word))
        self.stems = set(stem_tokens(sorted(self.seen)))
        best = {lower: max(counted) for lower, counted in forms.items()}
        self.cased = {lower: word for lower, (n, word) in best.items() if self._is_name(lower, n, word)}
        self.pairs = self._pair_names(pairs, proses)
        self.pair_re = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(self.pairs, key=len, reverse=True)))
                                  + r")\b") if self.pairs else None

    @staticmethod
    def _pair_names(pairs: Counter[str], proses: list[str]) -> dict[str, str]:
        """The two-word names, by their lower-case form: written capitalised often enough and (nearly)
        never in lower case, which is counted for these candidates only."""
        candidates = {pair.lower(): (pair, n) for pair, n in pairs.items() if n >= MIN_TITLE_CASE}
        if not candidates:
            return {}
        lower = re.compile(r"\b(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in candidates) + r")\b")
        written = Counter(" ".join(m.group(0).split()) for prose in proses for m in lower.finditer(prose))
        return {low: pair for low, (pair, n) in candidates.items() if written[low] <= MAX_LOWER_SHARE * n}

    def _is_name(self, lower: str, n: int, best: str) -> bool:
        """Whether ``best``, used ``n`` times mid-sentence, is how the notes write ``lower``."""
        if best == lower or lower in CHAT_WORDS or self.words.get(lower, 0) > MAX_LOWER_SHARE * n:
            return False
        if len(best) < MIN_TITLE_CHARS and not best.isupper():
            return False
        return not _plain_title(best) or (n >= MIN_TITLE_CASE and self.alone[best] > 0)

    def apply(self, text: str) -> str:
        """``text`` with every all-lower-case word the notes write as a name spelled as they do;
        in a question typed all in lower case, words nobody knows capitalised as names (the first
        part of a compound too: "gumbel-softmax"). Where the
        writer used capitals, a word they left in lower case is a word ("an arena leaderboard"):
        only spellings no one would write as a plain word ("gpt-4", "kv", "swe-bench") change."""
        lower = text.lower() == text
        if self.pair_re is not None:  # "claude code" is a name wherever it is typed in lower case
            text = self.pair_re.sub(lambda m: self.pairs[m.group(0)], text)

        def recase(m: re.Match[str]) -> str:
            word = m.group(0)
            core = word.rstrip(".")
            name = self.cased.get(core) if core.islower() else None
            if name is None or (not lower and _plain_title(name)):
                return word
            return name + word[len(core):]
        cased = WORD.sub(recase, text)
        if self.known is None or not lower:
            return cased

        def name(m: re.Match[str]) -> str:
            return m.group(0).capitalize() if self.unknown(m.group(0)) else m.group(0)
        return PLAIN_WORD.sub(name, COMPOUND_HEAD.sub(name, cased))

    def unknown(self, word: str) -> bool:
        """Neither the notes (in any form of the word) nor the vocabulary know it, and it is no
        one-letter slip of a word the notes use."""
        known = self.known
        if known is None or word in self.seen or word in CHAT_WORDS or word in CONTRACTIONS \
                or word.endswith(WORD_ENDINGS):
            return False
        stem = stem_tokens([word])[0]
        if stem in self.stems or known(word) or known(stem) or self.compound(word):
            return False
        return len(word) < MIN_TYPO_CHARS or not self.misspells(word)

    def compound(self, word: str) -> bool:
        """``word`` is two everyday words written as one ("lockstep", "backoff"), neither a name."""
        known = self.known
        return known is not None and any(known(word[:i]) and known(word[i:]) and word[:i] not in self.cased
                                         for i in range(COMPOUND_PART, len(word) - COMPOUND_PART + 1))

    def misspells(self, word: str) -> bool:
        """``word`` is one letter away from a word the notes use."""
        return any(e in self.seen for e in _edits(word))


def _plain_title(word: str) -> bool:
    """"Claude", "Arena": capitalised like any sentence's first word, unlike "GPT-4" or "TikTok"."""
    return word[1:].islower() and not any(c.isdigit() for c in word)


def _edits(word: str) -> set[str]:
    """Every string one deletion, swap, replacement or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    letters = string.ascii_lowercase
    deleted = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaced = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserted = {a + c + b for a, b in splits for c in letters}
    return deleted | swapped | replaced | inserted
