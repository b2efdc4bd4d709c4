"""How the sides of a comparison, or the parts of a multi-part question, share the composed answer's
sentences: the half of :class:`~tmrag.answer.sides.SideQuoter` that takes each side's sentences, with
their antecedents, until the answer is full."""

from __future__ import annotations

from dataclasses import dataclass

from .part_quoting import COMPOSED_SENTENCES
from .quotes import ANSWER_PASSAGES, Pick, Scored
from .quoting import QuoteSelector
from .text import quotable

PER_SIDE = 2  # sentences per side at most: two sides fill four of the answer's sentences
# A part of a two-part question may take a third sentence ("what goes wrong if you leave it out?"
# is often the sentence after the two that say what the norm does; dev: must 0.776 -> 0.781,
# numbers 0.733 -> 0.741), only within this of the part's first: a weak third is noise the
# reader then reads (at 3 with no margin, 3 answerable questions were read as partial).
PER_PART = 3
EXTRA_PART_MARGIN = 0.1  # how close to its first a part's third must score (above)
UPSHOT_WORDS = 12  # a sentence this short after a why-part's pick draws its consequence


@dataclass
class SidePlan:
    """A side's or part's candidate sentences in the order it takes them, the score of its best, and
    how many it wants."""

    pool: list[Scored]
    first: float
    wanted: int


class SideRoom:
    """Taking sentences for sides (it needs the :class:`~tmrag.answer.quoting.QuoteSelector`)."""

    selector: QuoteSelector

    def take(self, n: int, s: Scored, chosen: list[Pick], strength: dict[tuple[int, int], float], why: bool) -> bool:
        """Quote ``s`` for side ``n`` with its antecedent (and a why-part's upshot), unless it
        repeats a quoted sentence or would overflow the answer."""
        if any(self.selector.repeats((s.row, s.j), (p.row, p.j)) for p in chosen):
            return False
        group = self.selector.with_antecedent(s.row, s.j, chosen)  # "The method needs …" and what it is
        group += self.upshot(s.row, s.j, chosen + [Pick(0, r, i) for r, i in group]) if why else []
        if len(chosen) + len(group) > COMPOSED_SENTENCES:
            return False
        chosen += [Pick(n * ANSWER_PASSAGES, row, j) for row, j in group]  # sides read in the question's order
        strength.update({ref: s.score for ref in group})
        return True

    def in_order(self, plans: list[SidePlan], chosen: list[Pick], strength: dict[tuple[int, int], float],
                 whys: list[bool], asked: bool) -> int:
        """Each side in turn takes its sentences (a third only as strong as its first, unless
        things are asked of it); how many sides got any."""
        found = 0
        for n, plan in enumerate(plans):
            taken = 0
            for s in plan.pool:
                if taken >= plan.wanted or len(chosen) >= COMPOSED_SENTENCES:
                    break
                if not asked and taken >= PER_SIDE and s.score < plan.first - EXTRA_PART_MARGIN:
                    break
                taken += self.take(n, s, chosen, strength, whys[n])
            found += taken > 0
        return found

    def shared(self, plans: list[SidePlan], chosen: list[Pick], strength: dict[tuple[int, int], float],
               whys: list[bool]) -> int:
        """Three or more parts share the answer's room: each part's best sentence, then, while
        there is room, the next sentence that falls least below its own part's best (a third only
        within EXTRA_PART_MARGIN), so a part whose further sentences are as strong as its first
        gets them before another part's weak second ("(3) which two flags bring a conversation
        back" gets the --resume sentence, not part (2) a sandbox cost)."""
        taken, nexts = [0] * len(plans), [0] * len(plans)

        def advance(n: int) -> None:
            while nexts[n] < len(plans[n].pool) and len(chosen) < COMPOSED_SENTENCES:
                nexts[n] += 1
                if self.take(n, plans[n].pool[nexts[n] - 1], chosen, strength, whys[n]):
                    taken[n] += 1
                    return

        def gap(n: int) -> float:
            return plans[n].first - plans[n].pool[nexts[n]].score

        for n in range(len(plans)):
            advance(n)
        while len(chosen) < COMPOSED_SENTENCES:
            open_ = [n for n, plan in enumerate(plans) if 0 < taken[n] < PER_PART and nexts[n] < len(plan.pool)]
            if not open_:
                break
            n = min(open_, key=gap)
            if taken[n] >= PER_SIDE and gap(n) > EXTRA_PART_MARGIN:
                break
            advance(n)
        return sum(t > 0 for t in taken)

    def upshot(self, row: int, j: int, taken: list[Pick]) -> list[tuple[int, int]]:
        """A why-part's pick and the short sentence after it that draws its consequence ("An
        end-to-end SLO would punish long, correct answers.")."""
        ref = self.selector.adjacent(row, j, forward=True)
        if ref is None or any(self.selector.repeats(ref, (p.row, p.j)) for p in taken):
            return []
        text = self.selector.sentence(*ref)
        return [ref] if len(text.split()) <= UPSHOT_WORDS and quotable(text) else []
