"""Scoring a question's candidate sentences by the thing it asks about: a sentence that names the
asked thing (or counts the asked noun of it) before one about a neighbour that embeds as close, and
never another size of the asked model's numbers. A mixin of ``QuoteSelector``."""

from __future__ import annotations

import re
from dataclasses import replace

from ..query.analysis import model_variants
from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from .asked import owners_of
from .quotes import Scored
from .stating import COUNT_RE, counts
from .text import display_sentence

COUNT_BONUS = 0.1  # "8 experts per layer" for "how many experts": a count of the asked noun, as a derived result is
OWNER_BONUS = 0.1  # a sentence about the asked thing first; the margin stays the plain scores' (dev sweep)


class OwnerScoring:
    """The owner half of :class:`~tmrag.answer.quoting.QuoteSelector` (it supplies ``index``,
    ``sentence`` and ``sentence_context``)."""

    index: LoadedIndex

    def counts_first(self, ranking: Ranking, scored: list[Scored]) -> list[Scored]:
        """For "how many <noun> does X have": a sentence that counts the noun and names X gains what
        a derived result does (a count of another model's layers is a neighbour's answer)."""
        count = COUNT_RE.search(ranking.query.text)
        owners = owners_of(ranking)
        if not count or not owners:
            return scored
        noun = count.group("noun")
        named = any_name(owners)

        def counted(s: Scored) -> bool:
            text = display_sentence(self.sentence(s.row, s.j))
            return bool(named.search(text)) and counts(text, noun)

        return [replace(s, score=s.score + COUNT_BONUS) if counted(s) else s for s in scored]

    def about_owner(self, ranking: Ranking, scored: list[Scored]) -> list[Scored]:
        """For an attribute asked of a named thing ("how many experts per layer does Mixtral 8x7B
        have"), a sentence about that thing (named in it, in what it sits under or in its
        heading) outranks one about a neighbour that embeds as close."""
        # a setting written in lower case ("rank-16 adapters on … Llama-2-7B") is not the thing asked of
        owners = [o for o in owners_of(ranking) if o.lower() != o]
        if not owners or not OWNER_BONUS:
            return scored
        pattern = any_name(owners)

        def about(s: Scored) -> bool:
            return bool(pattern.search(self.sentence_context(s.row, s.j)) or pattern.search(self.index.chunks[s.row].breadcrumb))

        return [replace(s, score=s.score + OWNER_BONUS, lift=s.lift + OWNER_BONUS) if about(s) else s for s in scored]

    def same_model(self, ranking: Ranking, scored: list[Scored]) -> list[Scored]:
        """For a question about one size of a model family, drop sentences that are about another
        size only: "the KV cache of Llama-2-7B" must not be answered with the Llama-2-70B worked
        example, whose label is a bold line above the sentence ("**Llama-2-70B, fp16:**", "**Q1.
        … Llama-2-70B?**"), not the sentence itself."""
        asked = model_variants(ranking.query.text)
        if not asked:
            return scored

        def other_model(row: int, j: int) -> bool:
            named = model_variants(self.sentence_context(row, j))
            about_asked = any(same_model(n, a) for n in named for a in asked)
            return not about_asked and any(_stem(f) == _stem(g) for f, _ in named for g, _ in asked)

        kept = [s for s in scored if not other_model(s.row, s.j)]
        return kept or scored  # nothing about the asked size: the nearest evidence, as before


def any_name(names: list[str]) -> re.Pattern[str]:
    """Any of ``names`` as a whole word, in any case ("mixtral 8x7B" as typed)."""
    return re.compile("|".join(rf"(?<![\w-]){re.escape(n)}(?![\w-])" for n in names), re.I)


def _stem(family: str) -> str:
    return re.match(r"[a-z.]*", family).group(0)  # "llama2" -> "llama": Llama-70B is a sibling of Llama 2 7B


def same_model(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """One size, and one family or a shorter name of it ("Llama 7B" for "Llama 2 7B")."""
    return a[1] == b[1] and (a[0].startswith(b[0]) or b[0].startswith(a[0]))
