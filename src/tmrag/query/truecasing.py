"""Names typed in lower case ("what did claude 2 score on swe-bench?", "eagle speedup?") written
the way the notes write them ("Claude 2", "SWE-bench", "EAGLE"), so the checks that read names
(unknown or unmentioned names, a follow-up's new subject, coverage of a named thing) see them.
Retrieval itself is case-blind (the lexical leg lower-cases, the embedder is uncased); only the
name checks change."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .analysis import name_head

WORD = re.compile(r"[A-Za-z0-9][\w.+-]*[\w+]|[A-Za-z]")  # the words name_like_words reads
# A sentence's, a list item's or a cell's first word: capitalised whatever it is.
FIRST_WORD = re.compile(r"(?:^|[.!?:;]\s+|[\"'“(\[*>|-]\s*)\s*(" + WORD.pattern + ")", re.M)
HEADING = re.compile(r"^\s*#.*$", re.M)  # headings are title-cased
# "Chatbot Arena": a capitalised word before another is often the first word of a longer name,
# which says nothing of how the word alone is written ("my chatbot").
BEFORE_NAME = re.compile(r"\b([A-Z][a-z]+)(?=\s+[A-Z])")
CHAT_WORDS = frozenset({"ok", "okay", "hi", "hey", "thanks", "yes", "no", "cool"})  # "ok and …" is no "OK"
# Code, file paths, URLs and citation keys write names in lower case ("~/.claude/", "[@swe-bench]"):
# they are identifiers, not how the prose spells the thing.
NOT_PROSE = re.compile(r"```.*?```|`[^`\n]*`|\[@[^\]]*\]|\S+://\S+|\S*/\S*", re.S)
# A word the notes also write in lower case this often ("transformer", "attention") is a word, not
# a name: its capitalised uses are headings and titles. A name used once ("Medusa") counts when
# the lower-case form is never written.
MAX_LOWER_SHARE = 0.1
# A capitalised word ("Medusa", "Trim") seen once may be a list item's or a title's first word; an
# acronym, a CamelCase or digit-bearing name ("EAGLE", "TikTok", "GPT-4") is a name even once.
MIN_TITLE_CASE = 2
MIN_CHARS = 2  # "KV", "RL"; the short words ("an", "is", "it") are written in lower case
MIN_TITLE_CHARS = 3  # "He" (initialisation) is a name; "he" typed in a question is a pronoun


class Truecaser:
    """Maps a lower-case word to the one spelling the notes use for it mid-sentence, when that
    spelling has capitals and the lower-case form is (nearly) never written."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.words: Counter[str] = Counter()  # uses mid-sentence, where a capital means a name
        self.alone: Counter[str] = Counter()  # uses not followed by another capitalised word
        for text in texts:
            prose = HEADING.sub("", NOT_PROSE.sub(" ", text))
            found = WORD.findall(prose)
            self.words.update(w.rstrip(".") for w in found)
            self.words.subtract(w.rstrip(".") for w in FIRST_WORD.findall(prose))  # a capital there says nothing
            self.words.update(head for w in found if "-" in w and (head := name_head(w)))  # "EAGLE-style"
            self.alone.update(found)
            self.alone.subtract(BEFORE_NAME.findall(prose))
        forms: dict[str, list[tuple[int, str]]] = {}
        for word, n in self.words.items():
            if n > 0 and len(word) >= MIN_CHARS:
                forms.setdefault(word.lower(), []).append((n, word))
        best = {lower: max(counted) for lower, counted in forms.items()}
        self.cased = {lower: word for lower, (n, word) in best.items() if self._is_name(lower, n, word)}

    def _is_name(self, lower: str, n: int, best: str) -> bool:
        """Whether ``best``, used ``n`` times mid-sentence, is how the notes write ``lower``."""
        if best == lower or lower in CHAT_WORDS or self.words.get(lower, 0) > MAX_LOWER_SHARE * n:
            return False
        if len(best) < MIN_TITLE_CHARS and not best.isupper():
            return False
        plain_title = best[1:].islower() and not any(c.isdigit() for c in best)
        return not plain_title or (n >= MIN_TITLE_CASE and self.alone[best] > 0)

    def apply(self, text: str) -> str:
        """``text`` with every all-lower-case word the notes write as a name spelled as they do."""
        def recase(m: re.Match[str]) -> str:
            word = m.group(0)
            core = word.rstrip(".")
            if not core.islower():
                return word
            return self.cased.get(core, core) + word[len(core):]
        return WORD.sub(recase, text)
