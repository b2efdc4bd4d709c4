"""Which sentences answer a ranked question: the best evidence, or for a comparison or a
multi-part question each side or part quoted from its own retrieval, with a comparison's further
questions after them. The Engine asks this component for an answer's quotes."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from ..query.comparison import asked_clauses, counted_clause, counted_descriptions, side_query, without_other_sides
from ..query.intent import (
    content_words,
    elliptic_parts,
    own_side_parts,
    part_queries,
    sides_clause,
    split_parts,
    trailing_parts,
)
from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranker, Ranking
from ..query.wording import MARKED_ITEMS, WH_WORD
from .item_quoting import Item, LabelledItems
from .lenses import asked_lenses
from .numeric import ASSIGNED_RE, WORKED_CASE_VALUES, case_values
from .quotes import ANSWER_PASSAGES, Quote
from .quoting import QuoteSelector
from .sides import SideQuoter

MAX_SIDES = 4  # a comparison of more things than this is a survey: answered from the best evidence
SIDE_RESULTS = 2 * ANSWER_PASSAGES  # a side's passages, with room for annotations ranked among them
PART_OWN_WEIGHT = 0.5  # a leaned part's own text in choosing its sentences, as a follow-up's in context
MIN_ASKS = 2  # one thing asked of the sides is what their own retrieval already looks for
PART_OWN_MIN_WORDS = 2  # "what actually enforces it?" says too little on its own to choose sentences by


# "How many weights share one scale? And how many calibration sequences do GPTQ and AWQ need?": two
# questions, each with its own question mark and question word
SEPARATE_QUESTION = re.compile(rf"\?\s+(?:and\s+|also\s+|plus\s+)?(?:\w+ly\s+)?{WH_WORD.pattern}", re.I)


def separate_questions(question: str) -> bool:
    """Two questions asked one after the other, with no worked case between them to share."""
    return bool(SEPARATE_QUESTION.search(question)) and len(case_values(question)) < WORKED_CASE_VALUES


class Evidence:
    def __init__(self, ranker: Ranker, quoter: QuoteSelector, index: LoadedIndex) -> None:
        self.ranker, self.quoter, self.index = ranker, quoter, index
        self.side_quoter = SideQuoter(quoter)
        self.items = LabelledItems(index)

    def quotes(self, ranking: Ranking) -> list[Quote]:
        """The evidence for ``ranking``'s question (``best``), keeping of the design reviews'
        company lenses only those of the companies it names, each thing said once."""
        return self.quoter.without_repeats(asked_lenses(ranking.query.text, self.best(ranking), self.index))

    def best(self, ranking: Ranking) -> list[Quote]:
        """The best evidence; for a comparison whose best evidence leaves a side unnamed, or a
        multi-part question, each side or part quoted from its own retrieval. A numeric
        question's parts usually come from one worked example, which the best evidence already
        holds, and per-part retrieval mixed in other examples' numbers (blind grading, dev): only
        an elliptic last part the best evidence does not speak of ("…and for a 30-step task at
        98%?") gets its own, and a part answered in another module gets its own sentences beside
        the best evidence."""
        if ranking.item:
            item = self.items.named(ranking.item, self.items.modules(ranking))
            if item is not None:
                return self.item_first(item, ranking)
            ranking = replace(ranking, said="")  # a list the notes do not label: the best evidence, as for any question
        best = self.quoter.select(ranking)
        intent = ranking.intent
        sides = intent.sides or intent.parts
        if not 1 < len(sides) <= MAX_SIDES:
            return best
        # the sides named, and what the comparison asks of them said ("where does the norm sit in
        # each" is not answered by why one needs warmup); a comparison that asks several things of
        # its sides is answered side by side, a sentence for each thing asked (dev, blind pairs on
        # 40 of 170 changed answers: 5 better, 2 worse)
        asks = asked_clauses(ranking.query.text) if intent.sides else []
        asks = asks if len(asks) >= MIN_ASKS else []
        if intent.sides and not asks and self.side_quoter.covers(best, sides) and not self.side_quoter.unspoken(
                best, split_parts(ranking.query.text))[0]:
            return self.side_quoter.with_trailing(best, self.trailing_rankings(ranking), sides)
        queries = self.side_queries(ranking)
        side_rankings = [self.ranker.rank(q, ranking.categories, k=SIDE_RESULTS) for q in queries]
        if not intent.sides:
            ranking.part_evidence = min(r.evidence for r in side_rankings)
            self.own_words_first(side_rankings, sides, queries)
        # "feedback loop collapse vs index staleness": sides the notes name as list items are those items,
        # unless a case is asked of them ("at z = -1"), which an item states in general (blind: 4 better, 1 worse)
        if intent.sides and not intent.numeric and not ASSIGNED_RE.search(ranking.query.text) \
                and (items := self.items.compared(ranking, side_rankings)):
            return self.side_quoter.after_items(items, self.trailing_rankings(ranking), len(intent.sides))
        # asked as a number, or a worked case set up ("q=(2,1,0,0), d_k=4: what weight …, and what output?")
        numeric = intent.numeric or len(case_values(ranking.query.text)) >= WORKED_CASE_VALUES
        # "(a) what cost ceiling …? (b) what happens to an uploaded PDF …": items marked as separate
        # questions are separate lookups, each quoted from its own retrieval (dev, blind: 12 better, 1 worse);
        # so are two questions asked one after the other (dev blind: 5 better, 3 worse)
        numeric = numeric and (bool(intent.sides) or not (MARKED_ITEMS.search(ranking.query.text)
                                                           or separate_questions(ranking.query.text)))
        if numeric and (not elliptic_parts(ranking.query.text) or self.side_quoter.covers_parts(best, intent.parts)):
            distant = self.side_quoter.with_distant(best, side_rankings, intent.parts)
            # a side the distant parts left unnamed gets its own stated result (dev, 313 numeric
            # comparisons: 33 changed, must 0.628 -> 0.644, 9 up, 1 down)
            return self.side_quoter.with_named_sides(distant, ranking, side_rankings) if intent.sides else distant
        sided = self.side_quoter.select(ranking, side_rankings, self.ask_vectors(intent.sides, asks))
        if sided is None:
            return self.side_quoter.with_trailing(best, self.trailing_rankings(ranking), intent.sides)
        # a lead-in ("…combine three kinds of metric:") is quoted with its list
        return self.quoter.with_lists(self.side_quoter.with_trailing(sided, self.trailing_rankings(ranking), intent.sides))

    def item_first(self, item: Item, ranking: Ranking) -> list[Quote]:
        """"Explain the fifth stage" of a list whose items the notes label ("5. **Final normalization
        and unembedding.** …"): that item's own sentences, then the best evidence in the room left,
        apart from what the previous answer quoted (the list, most often)."""
        quotes = [Quote(row, list(spans), 0, list(spans)) for row, spans in item.parts if spans]
        return self.side_quoter.after_items(quotes, [ranking], labels=1)

    def side_queries(self, ranking: Ranking) -> list[str]:
        """What each side of a comparison, or each part of a multi-part question, is retrieved by;
        none for any other question."""
        intent = ranking.intent
        sides = intent.sides or intent.parts
        if not 1 < len(sides) <= MAX_SIDES:
            return []
        if not intent.sides:
            return part_queries(sides, intent.numeric)
        counted = counted_clause(ranking.query.text)
        clause = counted or sides_clause(ranking.query.text, sides)
        # "…what does LIMA-style SFT change, and what did R1-Zero's RL produce?": each side its own question
        own = own_side_parts(ranking.query.text, sides)
        # a counted side is retrieved by its whole description ("the JSON arguments the model sends with a
        # tool call"), not its name cut short (dev, blind pairs on 41 changed answers: 8 better, 1 worse)
        if counted and not own and len(described := counted_descriptions(ranking.query.text)) == len(sides):
            return [f"{described[n]} {without_other_sides(counted, sides, n)}" for n in range(len(sides))]
        return [side_query(own[n] if own else clause, sides, n) for n in range(len(sides))]

    def ask_vectors(self, sides: list[str], asks: list[str]) -> list[list[np.ndarray]]:
        """Each side's query vector for each thing asked of it ("ZeRO-3: what extra cost comes with
        the arrangement"); none when there are no such asks."""
        return [[self.ranker.embed_query(side_query(ask, sides, n)) for ask in asks] for n in range(len(sides))] \
            if asks else []

    def side_rankings(self, ranking: Ranking, per_side: int) -> list[Ranking]:
        """Each side's or part's own first ``per_side`` passages, for a writer that needs every
        side in front of it (LLM mode); none for a question of one side."""
        return [self.ranker.rank(query, ranking.categories, k=per_side) for query in self.side_queries(ranking)]

    def passages_for(self, text: str, categories: list[str] | None, k: int) -> Ranking:
        """The first ``k`` passages retrieved for ``text``: in LLM mode, what a reply said its
        passages do not state."""
        return self.ranker.rank(self.ranker.truecase(text), categories, k=k)

    def own_words_first(self, part_rankings: list[Ranking], parts: list[str], queries: list[str]) -> None:
        """A short part retrieved with the subject it leans on ("what does a weighted vote using a
        PRM change about that? How does self-consistency …") picks its sentences by its own words
        too, or the subject's sentences, already quoted for the other part, win again."""
        for ranking, part, query in zip(part_rankings, parts, queries, strict=True):
            if query != part and len(content_words(part)) >= PART_OWN_MIN_WORDS:
                blend = (1 - PART_OWN_WEIGHT) * ranking.qvec + PART_OWN_WEIGHT * self.ranker.embed_query(part)
                ranking.qvec = blend / np.linalg.norm(blend)

    def trailing_rankings(self, ranking: Ranking) -> list[Ranking]:
        """A comparison's further questions ("…, and why is TP kept inside one node?"), each
        retrieved; only the paths that quote them ask for them."""
        queries = trailing_parts(ranking.query.text, ranking.intent.sides)
        rankings = [self.ranker.rank(q, ranking.categories, k=SIDE_RESULTS) for q in queries]
        bare = split_parts(" ".join(ranking.query.text.split()))[1:]  # each as asked, without the sides
        self.own_words_first(rankings, bare[:len(queries)], queries)
        return rankings
