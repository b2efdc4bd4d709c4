"""The reader's verdicts the coverage judge consults where its cheap checks are least sure, the
half of :class:`~tmrag.answer.coverage.CoverageJudge` that asks the trained reader (``reader.py``)
whether the quoted sentences answer the question."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..config import Settings
from ..query.analysis import DEFINITION_RE
from ..query.intent import content_words
from ..query.phrasing import DESCRIPTIVE_NAME
from ..query.ranking import Ranking
from ..tokenize import tokenize
from .answer_shape import ASKS_DEFAULT, SAYS_DEFAULT, gives_number
from .reader import AnswerReader
from .text import NUMBER_RE, display_sentence

# Kinds of question that ask one thing of a named thing, where the focus and reader checks apply.
FOCUS_KINDS = frozenset({"numeric", "other", "multi_part"})
# A quoted sentence that repeats this share of a numeric question's words, with all its names and a
# number of its own, states the answer whatever the reader makes of it ("DeepSeek-R1-Zero reported
# AIME 2024 pass@1 rising from 15.6% to 71.0%" for "how far did R1-Zero's AIME pass@1 climb";
# dev: 2 of the reader's 13 false partials, none of the 17 unanswerables it catches).
RESTATED_SHARE = 0.7


def restates_with_number(ranking: Ranking, sentences: list[str]) -> bool:
    """A numeric question's sentence restated with a figure the question did not give."""
    if not ranking.intent.numeric:
        return False
    words = set(content_words(ranking.query.text))
    for sentence in sentences:
        shown = display_sentence(sentence)
        if (words and len(words & set(tokenize(shown))) >= RESTATED_SHARE * len(words)
                and all(n.lower() in shown.lower() for n in ranking.query.names)
                and gives_number(ranking.query.text, [sentence])):  # which reads it as shown
            return True
    return False


def says_what_it_is(ranking: Ranking, sentences: list[str]) -> bool:
    """"What is a ViT?" asks only what the named thing is, and a quoted sentence with the name as
    the subject of "is a …" ("After embedding, ViT is a standard pre-norm Transformer encoder")
    says it: the reader, trained on questions that ask one fact, reads such answers as unanswered."""
    m = DEFINITION_RE.match(" ".join(ranking.query.text.split()))
    subject = m.group("subject").strip(" \"'`") if m else ""
    if subject not in ranking.query.names:
        return False
    copula = re.compile(rf"(?<![\w-]){re.escape(subject)}(?:\s+\([^)]*\))?\s+(?:is|are)\s+(?:a|an|the)\b", re.I)
    return any(copula.search(display_sentence(s)) for s in sentences)


# "how many queries per day does the design review assume": the assumed figure is what is asked
# ("Assuming a 4k context, …" sets a premise instead, and is not this)
ASKS_ASSUMED = re.compile(r"\bassum(?:e|es|ed|ption|ptions)\b", re.I)


def gives_asked_value(question: str, sentences: list[str]) -> bool:
    """A quoted sentence gives the kind of figure asked, said as such, with a number the question
    did not give: an assumption asked for and a figure said to be assumed ("The traffic figures are
    assumptions for this exercise: 20M queries per day"), or a default with its figure ("the
    documented default timeout is 60 seconds" for "how long … by default"). The reader misreads
    such answers when the figure sits mid-sentence among others (tests/test_engine.py)."""
    assumed, default = ASKS_ASSUMED.search(question), ASKS_DEFAULT.search(question)
    if not (assumed or default):  # most questions: no sentence is read (this runs for nearly every answer)
        return False
    given = set(NUMBER_RE.findall(question))  # not gives_number: "20M queries" is no model size here
    for shown in map(display_sentence, sentences):
        says = (assumed and ASKS_ASSUMED.search(shown)) or (default and SAYS_DEFAULT.search(shown))
        if says and set(NUMBER_RE.findall(shown)) - given:
            return True
    return False


class ReaderChecks:
    """Reads ``settings``, ``reader`` and the memoised ``_logit`` of the judge it is part of."""

    settings: Settings
    reader: AnswerReader | None
    _logit: Callable[[str, str], float] | None

    def reads_as_answered(self, ranking: Ranking, sentences: list[str]) -> bool:
        """An attribute that is not a number, asked of a named thing at strong evidence, is often
        stated in other words ("64 × 64 × 4 latent" for its "latent shape", "OAuth 2.1" for its
        "authorization scheme"): there the unnamed focus makes the answer partial only when the
        reader also doubts it."""
        if (self.reader is None or ranking.intent.numeric
                or ranking.evidence < self.settings.coverage_focus_evidence):
            return False
        return self.reader_logit(ranking, sentences) >= self.settings.coverage_owned_reader_logit

    def unmentioned_and_unread(self, ranking: Ranking, sentences: list[str], unmentioned: list[str]) -> list[str]:
        """The names the quotes never mention, when the reader also reads them as not answering:
        at strong evidence a quote about a sibling ("Llama-3-70B's KV cache" for "Mistral 7B's")
        matches everything but the name."""
        names = [n for n in unmentioned if not DESCRIPTIVE_NAME.search(n)]
        if self.reader is None or not sentences or not names:
            return []
        return names if self.reader_logit(ranking, sentences) < self.settings.coverage_unmentioned_reader_logit else []

    def reads_as_unanswered(self, ranking: Ranking, sentences: list[str]) -> bool:
        """The reader's verdict, asked only where the cheap checks are least sure: a question
        about a named thing, of a kind with one asked attribute, with middling evidence."""
        # a question in parts embeds diluted as a whole: its evidence is its weakest part's when higher
        evidence = max(ranking.evidence, ranking.part_evidence or 0.0)
        if (self.reader is None or not sentences or not ranking.query.names or ranking.intent.kind not in FOCUS_KINDS
                or evidence >= self.settings.coverage_reader_evidence or self.answered_anyway(ranking, sentences)):
            return False
        return self.reader_logit(ranking, sentences) < self.settings.coverage_reader_logit

    def doubts(self, ranking: Ranking, sentences: list[str]) -> bool:
        """The reader's verdict on an answer outside the cases above, where only its strongest
        doubt (``coverage_reader_any_logit``) makes the answer partial."""
        floor = self.settings.coverage_reader_any_logit
        if self.reader is None or not sentences or floor is None or self.answered_anyway(ranking, sentences):
            return False
        return self.reader_logit(ranking, sentences) < floor

    @staticmethod
    def answered_anyway(ranking: Ranking, sentences: list[str]) -> bool:
        """The shapes of answer the reader misreads, which the quotes state whatever it says."""
        return (says_what_it_is(ranking, sentences) or restates_with_number(ranking, sentences)
                or gives_asked_value(ranking.query.text, sentences))

    def reader_logit(self, ranking: Ranking, sentences: list[str]) -> float:
        """The reader's logit for the question with the quoted sentences as the answer shows them."""
        return self._logit(ranking.query.text, " ".join(display_sentence(s) for s in sentences))

