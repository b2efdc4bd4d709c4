"""A numeric comparison's sides that its answer never names, the half of
:class:`~tmrag.answer.sides.SideQuoter` that gives each its own stated result."""

from __future__ import annotations

from collections.abc import Callable

from ..query.comparison import GENERIC_SIDE_WORDS
from ..query.ranking import Ranking
from ..query.wording import FRAME_WORDS
from ..tokenize import tokenize
from .numeric import NumberScorer
from .part_quoting import distinct_words, names_side
from .quotes import Pick, Quote, Scored, renumbered, shown_sentences
from .quoting import QuoteSelector
from .side_candidates import QuestionCandidates, asked_of_sides
from .text import NUMBER_RE

# an unnamed side gets one sentence, its stated result (dev: 2 cut the other side's results,
# must 0.644 -> 0.642 on 313 numeric comparisons)
NAMED_SIDE_SENTENCES = 1


class NamedSides:
    """Reads the ``selector``, ``namers``, ``side_pool``, ``alias`` and ``with_extra`` of the side
    quoter it is part of."""

    selector: QuoteSelector
    namers: Callable[[list[str]], list[str | None]]
    side_pool: Callable[..., list[Scored]]
    alias: Callable[[str, list[str]], str | None]
    with_extra: Callable[..., list[Quote]]

    def with_named_sides(self, quotes: list[Quote], ranking: Ranking, side_rankings: list[Ranking]) -> list[Quote]:
        """A numeric comparison's ``quotes`` with each side they never name given its own stated
        result: "how many tokens does an image become in Flamingo vs in DiT" answered from the DiT
        worked numbers alone gets Flamingo's sentence, not another model's in Flamingo's module."""
        sides = ranking.intent.sides
        words = self.namers(sides)
        text = " ".join(shown_sentences(quotes, self.selector.index, self.selector.corpus))
        tokens = set(tokenize(text))
        # a side is named by its word or by any word of its own ("the Llama 3 405B run" by "Llama")
        owns = [{t for t in own if t not in FRAME_WORDS and t not in GENERIC_SIDE_WORDS} for own in distinct_words(sides)]
        unnamed = [n for n, w in enumerate(words) if w is not None and not names_side(w, text, tokens) and not owns[n] & tokens]
        if not unnamed or len(unnamed) == len(sides):
            return quotes  # every side unnamed: the sides are parsed words ("it cost"), not what the answer speaks of
        question = QuestionCandidates(self.selector, ranking)
        numbers = NumberScorer.for_question(ranking.query.text)
        named = [w for w in words if w]
        asked = asked_of_sides(ranking)
        said = set(NUMBER_RE.findall(text))
        extra: list[Quote] = []
        for n in unnamed:
            pool = self.side_pool(question, side_rankings[n], words[n], named, asked, alias=self.alias(sides[n], sides))
            pool = sorted(self.selector.results_first(pool, numbers), key=lambda s: -s.score)[:NAMED_SIDE_SENTENCES]
            stated = set(NUMBER_RE.findall(self.selector.sentence(pool[0].row, pool[0].j))) if pool else set()
            if not stated - said:
                continue  # no number the answer does not already state: not the side's own result
            extra += self.selector.quotes_from([Pick(s.rank, s.row, s.j) for s in pool], {(s.row, s.j): s.score for s in pool})
        return self.with_extra(quotes, renumbered(extra), named)
