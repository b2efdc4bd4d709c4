"""Further questions and distant parts, the half of :class:`~tmrag.answer.sides.SideQuoter` that
adds to an answer the sentences of a part it does not yet say ("…, and why is TP kept inside one
node?"), cutting the answer to the composed budget without crowding a side out."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..query.ranking import Ranking
from ..tokenize import tokenize
from .quotes import Pick, Quote, renumbered, shown_sentences
from .quoting import QuoteSelector
from .reading import points_back
from .text import TEX_SYMBOLS, span_text

# Sides or parts quoted each on their own, with any further question, share this many sentences:
# a side or part asked several things needs a sentence for each (dev: 6 -> 8 changed 675 of 2,812
# answers, evidence quotes recalled 0.457 -> 0.470; blind pairs on 64 of them: 4 better, 1 worse,
# none read as too long)
COMPOSED_SENTENCES = 8
GREEK_NAMES = {sym: name for name, sym in reversed(TEX_SYMBOLS.items()) if len(sym) == 1 and "α" <= sym <= "ω"}
GREEK = re.compile("|".join(GREEK_NAMES))  # a part asks "which gamma"; the notes write "γ = 6"
# A part is answered elsewhere when none of its own first modules is one the answer quotes ("…and
# what happens to prompt-cache hits after compaction?"); 1 also counts a near-tie runner-up
# module as elsewhere (dev: golden must -1 question at 1, 3 holds it; sides alike; blind pairs on the
# 73 review dev answers 1 changed: 13 better, 11 worse, its parts' sentences displacing stated results).
DISTANT_DEPTH = 3
DISTANT_SENTENCES = 2  # a distant part's own sentences: a result and its context (dev: 1 loses numbers)
# A comparison's further question: its best sentences (dev: 2 answers "which latency does each
# drive" with TTFT and TPOT where 1 quoted only one; asked bare, not of the sides, sides 0.904 -> 0.892).
TRAILING_SENTENCES = 2


def names_side(word: str, text: str, tokens: set[str]) -> bool:
    """A side's word among a text's tokens; a joined one ("pass^k") or a phrase ("teacher
    forcing", "slash command[s]") in its surface."""
    if word.isalnum():
        return word in tokens
    plural = r"(?:e?s)?" if " " in word else ""
    return re.search(rf"(?<![\w@^-]){re.escape(word)}{plural}(?![\w@^-])", text.lower()) is not None


def distinct_words(parts: list[str]) -> list[set[str]]:
    """Each part's words that no other part has: what it asks of its own."""
    words = [set(tokenize(p)) for p in parts]
    return [own - set().union(*(w for m, w in enumerate(words) if m != n)) for n, own in enumerate(words)]


class PartQuoting:
    """Reads the ``selector`` and ``namers`` of the side quoter it is part of."""

    selector: QuoteSelector
    namers: Callable[[list[str]], list[str | None]]

    def covers_parts(self, quotes: list[Quote], parts: list[str]) -> bool:
        """Whether the quotes speak of every part: hold a word that part has and the others lack
        ("30-step" or "98%" of "…and for a 30-step task at 98%?")."""
        return not any(self.unspoken(quotes, parts))

    def unspoken(self, quotes: list[Quote], parts: list[str]) -> list[bool]:
        """For each part, whether the quotes lack every word it has and the others lack ("γ" says
        "gamma"). Not stems: a word in passing ("the bias changes") would speak for "what biases"."""
        text = " ".join(shown_sentences(quotes, self.selector.index, self.selector.corpus))
        quoted = set(tokenize(GREEK.sub(lambda m: f" {GREEK_NAMES[m.group(0)]} ", text)))
        return [bool(own) and not own & quoted for own in distinct_words(parts)]

    def with_distant(self, best: list[Quote], part_rankings: list[Ranking], parts: list[str] | None = None) -> list[Quote]:
        """``best`` with the sentences of each part answered in a module ``best`` does not quote
        ("what's the compression ratio …, and what does the rebuilt history contain?"), or of
        which ``best`` says none of its own words ("…, and with mu = 0.9 how much is a steady
        gradient amplified?"), those parts' sentences last, ``best`` cut to fit the sentence budget."""
        chunks = self.selector.index.chunks
        quoted = {chunks[q.row].doc_id for q in best}
        unspoken = self.unspoken(best, parts) if parts else [False] * len(part_rankings)
        extra: list[Quote] = []
        for ranking, silent in zip(part_rankings, unspoken, strict=True):
            modules = [chunks[c.row].doc_id for c in ranking.results if chunks[c.row].kind == "module"]
            if modules and (silent or not set(modules[:DISTANT_DEPTH]) & quoted):
                own = self.fresh(self.selector.select(ranking), best) or (self.unsaid(ranking, best) if silent else [])
                extra += self.part_sentences(own, best + extra, DISTANT_SENTENCES)
        return self.with_extra(best, extra)

    def unsaid(self, ranking: Ranking, said: list[Quote]) -> list[Quote]:
        """The best sentence of ``ranking`` that goes on from a sentence ``said`` quotes, when the
        part's own selection only repeats ``said`` ("…how big would that be, and what do people do
        instead?": the size is said; "Storing that is impractical, so …" follows it). Any other
        sentence would be a guess at what the part asks (dev: it displaced a stated result)."""
        quoted = [Pick(0, q.row, j) for q in said for j in self.selector.refs(q)]
        follows = {(p.row, p.j + 1) for p in quoted}
        for s in sorted(self.selector.candidates(ranking), key=lambda s: -s.score):
            if (s.row, s.j) not in follows or any(self.selector.repeats((s.row, s.j), (p.row, p.j)) for p in quoted):
                continue
            group = self.selector.with_antecedent(s.row, s.j, quoted)
            return self.selector.quotes_from([Pick(s.rank, row, j) for row, j in group], {ref: s.score for ref in group})
        return []

    def fresh(self, quotes: list[Quote], said: list[Quote]) -> list[Quote]:
        """``quotes`` less the sentences that ``said`` already says; a lead-in kept keeps its list."""
        quoted = [(q.row, j) for q in said for j in self.selector.refs(q)]
        out = []
        for q in quotes:
            spans = [sp for sp, j in self.selector.span_refs(q) if not any(self.selector.repeats((q.row, j), o) for o in quoted)]
            if spans:
                out.append(Quote(q.row, spans, 0, [sp for sp in q.reading or q.spans if sp in spans],
                                 {sp: items for sp, items in q.lists.items() if sp in spans}))
        return out

    def part_sentences(self, quotes: list[Quote], said: list[Quote], n: int) -> list[Quote]:
        """The first ``n`` sentences of a part's ``quotes``, a lead-in among them with its list
        ("… the score is p^5: (1) p = 0.80: …"). A lead-in says nothing without its list, so it is
        left out, with no sentence in its place, when the answer (``said``) already shows a list (one
        per answer, unless lead-ins are all the part has: the part would say nothing) or
        quotes one of its items (the list would say them twice)."""
        taken = self.selector.first_sentences(quotes, n, lists=True)
        if not any(q.lists for q in taken):
            return taken
        listed = any(q.lists for q in said)
        chunks = self.selector.index.chunks
        places = [(chunks[q.row].module_id, (chunks[q.row].start or 0) + a, (chunks[q.row].start or 0) + b)
                  for q in said for a, b in q.spans]
        alone = listed and all(sp in q.lists for q in taken for sp in q.spans)  # lead-ins only beside a list
        for q in taken:
            module = chunks[q.row].module_id
            bare = {sp for sp, items in q.lists.items() if (listed and not alone) or any(
                m == module and a < end and start < b for a, b in items.spans for m, start, end in places)}
            q.spans = [sp for sp in q.spans if sp not in bare]
            q.reading = [sp for sp in q.reading if sp not in bare]
            q.lists = {sp: items for sp, items in q.lists.items() if sp not in bare}
            listed = listed or bool(q.lists)
        return renumbered([q for q in taken if q.spans])

    def with_trailing(self, best: list[Quote], part_rankings: list[Ranking], sides: list[str]) -> list[Quote]:
        """``best`` (a comparison's sides) with the best sentences for each further question the
        comparison asks ("…, and why is TP kept inside one node?") that ``best`` does not already
        say; ``best`` keeps a sentence of each side it names."""
        extra: list[Quote] = []
        for ranking in part_rankings:  # each its sentences the answer does not already say
            extra += self.part_sentences(self.fresh(self.selector.select(ranking), best + extra), best + extra,
                                         TRAILING_SENTENCES)
        return self.with_extra(best, extra, [w for w in self.namers(sides) if w])

    def after_items(self, items: list[Quote], part_rankings: list[Ranking], labels: int) -> list[Quote]:
        """Compared list items whole, then the best sentences for each further question the
        comparison asks that the items do not already say, in the room the items leave (their
        ``labels`` are no sentences)."""
        extra: list[Quote] = []
        for ranking in part_rankings:
            extra += self.selector.first_sentences(self.fresh(self.selector.select(ranking), items + extra),
                                                   TRAILING_SENTENCES)
        room = COMPOSED_SENTENCES + labels - sum(len(q.spans) for q in items)
        kept, used = [], 0
        for quote in extra:
            if used + len(quote.spans) > room:
                break
            kept.append(quote)
            used += len(quote.spans)
        return renumbered(items + kept)

    def with_extra(self, best: list[Quote], extra: list[Quote], words: list[str] | None = None) -> list[Quote]:
        """``best`` cut to leave room for ``extra``, which reads last; a side that ``best`` names
        (``words``) keeps its first sentence, so a further question never crowds a side out."""
        if not extra:
            return best
        held = {(q.row, span) for q in extra for span in q.spans}
        # the contract's ceiling, not the usual budget: sides and their further questions share it
        room = COMPOSED_SENTENCES - sum(len(q.spans) for q in extra)
        kept = self.keeping_sides(best, max(room, 1), words or [])
        for q in kept:
            q.spans = [span for span in q.spans if (q.row, span) not in held]
            q.reading = [span for span in q.reading if (q.row, span) not in held]
        return renumbered([q for q in kept if q.spans] + extra)

    def keeping_sides(self, quotes: list[Quote], n: int, words: list[str]) -> list[Quote]:
        """``n`` sentences of ``quotes`` in reading order: the first to name each side, then the
        first of the rest (a lead-in with a list is not kept, as in ``first_sentences``)."""
        if not words:
            return self.selector.first_sentences(quotes, n)
        refs = [(q, sp) for q in quotes for sp in q.reading or q.spans if sp not in q.lists]
        texts = [span_text(self.selector.index.chunks[q.row].text, sp) for q, sp in refs]
        named = [{w for w in words if names_side(w, t, set(tokenize(t)))} for t in texts]
        first = [next(i for i, ws in enumerate(named) if w in ws) for w in words if any(w in ws for ws in named)]
        # "RoPE therefore gives …" keeps the sentence it follows from
        first = [k for i in first for k in ([i - 1, i] if i and refs[i - 1][0] is refs[i][0] and points_back(texts[i])
                                            else [i])]
        order = list(dict.fromkeys(first + list(range(len(refs)))))
        keep = set(order[:max(n, len(set(first)))])
        kept: list[Quote] = []
        for quote in quotes:
            take = [sp for i, (q, sp) in enumerate(refs) if q is quote and i in keep]
            if take:
                kept.append(Quote(quote.row, sorted(take), len(kept) + 1, take))
        return kept
