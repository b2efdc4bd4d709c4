"""Comparison and multi-part answers: every side or part the question names gets its own
evidence, found by a retrieval for it, so "Flamingo vs LLaVA" is never answered with Flamingo
alone and "how many X, and what Y?" gets both."""

from __future__ import annotations

import re
from functools import cached_property

from ..query.comparison import GENERIC_SIDE_WORDS, side_words
from ..query.intent import content_words
from ..query.phrasing import PhraseIndex
from ..query.ranking import Ranking
from ..query.wording import FRAME_WORDS
from ..tokenize import tokenize
from .numeric import NumberScorer, wants_number
from .quotes import ANSWER_PASSAGES, Pick, Quote, Scored, renumbered, shown_sentences
from .quoting import QuoteSelector
from .reading import points_back
from .text import TEX_SYMBOLS

GREEK_NAMES = {sym: name for name, sym in reversed(TEX_SYMBOLS.items()) if len(sym) == 1 and "α" <= sym <= "ω"}
GREEK = re.compile("|".join(GREEK_NAMES))  # a part asks "which gamma"; the notes write "γ = 6"
PHRASE_SIDE_WORDS = 3  # "teacher forcing", "speculative decoding": a name of a few words; longer describes
LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
PER_SIDE = 2  # sentences per side at most: two sides fill four of the answer's sentences
# A part of a two-part question may take a third sentence ("what goes wrong if you leave it out?"
# is often the sentence after the two that say what the norm does; dev: must 0.776 -> 0.781,
# numbers 0.733 -> 0.741), only within this of the part's first: a weak third is noise the
# reader then reads (at 3 with no margin, 3 answerable questions were read as partial).
PER_PART = 3
EXTRA_PART_MARGIN = 0.1
# Sides or parts quoted each on their own, with any further question, share this many sentences:
# one more than an ordinary answer's five (dev: numbers 0.753 -> 0.769, must 0.780 -> 0.790; 7 adds
# little more, 0.772 / 0.791, for a median 161 words instead of 145)
COMPOSED_SENTENCES = 6
SUBJECT_WORDS = 8  # a sentence's opening words: its subject, with a determiner or a clause before it
SUBJECT_BONUS = 0.05  # a side's sentence about it, over one that names it after another side
ENTRY_FIRST = 1.0  # a bare comparison's side opens with its glossary definition, whatever the similarity
BOTH_SIDES_BONUS = 0.05  # a sentence that contrasts the sides directly leads its side's evidence
PART_WORDS_BONUS = 0.1  # a leaned part's (or a comparison side's) sentence that uses all the words asked of it, over none
# (comparisons, dev blind pairs: 2 better, 0 worse of 10 changed answers)
# A part is answered elsewhere when none of its own first modules is one the answer quotes ("…and
# what happens to prompt-cache hits after compaction?"); 1 also counts a near-tie runner-up
# module as elsewhere (dev: golden must -1 question at 1, 3 holds it; sides alike).
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


def first_named(words: list[str | None], text: str) -> str | None:
    """Which of the sides' words ``text`` names first: its subject. "Prompt caching stores the KV
    cache …" is about prompt caching, not the KV cache it names after."""
    tokens = set(tokenize(text))
    lower = text.lower()
    found = [(side_at(w, lower), w) for w in words if w is not None and names_side(w, text, tokens)]
    return min(found)[1] if found else None


def side_at(word: str, lower: str) -> int:
    """Where a side's word first stands in lower-cased text (a word the tokenizer found but the
    surface writes otherwise stands at the start)."""
    m = re.search(rf"(?<![\w@^]){re.escape(word)}", lower)
    return m.start() if m else 0


def distinct_words(parts: list[str]) -> list[set[str]]:
    """Each part's words that no other part has: what it asks of its own."""
    words = [set(tokenize(p)) for p in parts]
    return [own - set().union(*(w for m, w in enumerate(words) if m != n)) for n, own in enumerate(words)]


# Words that only say a comparison is asked: "What is the difference between MQA and GQA?" asks
# nothing of the sides beyond what each is.
COMPARING = frozenset(tokenize("difference differences differ compare compared comparison versus vs between"))


def asked_of_sides(ranking: Ranking) -> set[str]:
    """What a comparison asks of its sides: its words but the sides' and the comparing ones."""
    return set(content_words(ranking.query.text)) - COMPARING - {t for side in ranking.intent.sides for t in tokenize(side)}


class QuestionCandidates:
    """The whole question's candidate sentences, which every side's pool reads: those of its top
    passages, and of their whole sections only when a side needs them, each found once."""

    def __init__(self, selector: QuoteSelector, ranking: Ranking) -> None:
        self.selector, self.ranking = selector, ranking

    @cached_property
    def top(self) -> list[Scored]:
        return self.selector.candidates(self.ranking)

    @cached_property
    def sections(self) -> list[Scored]:
        return self.selector.candidates(self.ranking, whole_sections=True)


class SideQuoter:
    def __init__(self, selector: QuoteSelector) -> None:
        self.selector = selector

    @cached_property
    def phrases(self) -> PhraseIndex | None:
        """Whether the modules write a phrase, built at the first comparison that asks."""
        corpus = self.selector.corpus
        return PhraseIndex(m.text for m in corpus.modules.values()) if corpus is not None else None

    def namers(self, sides: list[str]) -> list[str | None]:
        """What names each side in a sentence: the side's whole phrase when it is short, its naming
        word is an everyday word written in lower case, and the notes write the phrase ("teacher
        forcing": a sentence about a teacher model is not about it); else its naming word
        ("Flamingo" names "Flamingo-style cross-attention")."""
        out = []
        for n, (side, word) in enumerate(zip(sides, side_words(sides), strict=True)):
            if len(side.split()) > PHRASE_SIDE_WORDS:  # "an old-school imperative terminal UI library"
                out.append(self.rarest(side, [s for m, s in enumerate(sides) if m != n]) or word)
                continue
            phrase = re.sub(r"e?s$", "", " ".join(LEADING_ARTICLE.sub("", side.lower()).split()))
            common = word is not None and re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", side) is not None
            whole = common and 1 < len(phrase.split()) <= PHRASE_SIDE_WORDS and self.phrases is not None \
                and not set(tokenize(phrase)) & GENERIC_SIDE_WORDS and self.phrases.writes(phrase)
            out.append(phrase if whole else word)
        return out

    def rarest(self, side: str, others: list[str]) -> str | None:
        """A described side's most specific word: the one the notes use least, of those they use
        ("imperative" of "an old-school imperative terminal UI library", not "old")."""
        taken = {t for o in others for t in tokenize(o)}
        lexical = self.selector.index.lexical
        words = [(df, t) for t in tokenize(side) if t not in taken and t not in FRAME_WORDS
                 and t not in GENERIC_SIDE_WORDS and t.isalpha() and (df := lexical.document_frequency(t)) > 0]
        return min(words)[1] if words else None

    def side_pool(self, question: QuestionCandidates, side_ranking: Ranking, word: str | None, words: list[str],
                  own: set[str], entry: int | None = None) -> list[Scored]:
        """A side's pool; for a side no retrieved passage names, the rest of their sections too
        ("Writing lessons after failures is the Reflexion idea …" ends the chunk before the one
        that ranks, in the same paragraph). Only then: where the passages name the side, a
        section's other sentences that name it displaced good ones (dev, blind: 2 better, 2 worse)."""
        pool = self.pool(question.top if word else [], side_ranking, word, words, own, entry=entry)
        if pool or word is None:
            return pool
        return self.pool(question.sections, side_ranking, word, words, own, True, entry)

    def pool(self, question: list[Scored], side_ranking: Ranking, word: str | None, words: list[str],
             own: set[str] | None = None, wide: bool = False, entry: int | None = None) -> list[Scored]:
        """Quotable sentences for one side, from its own retrieval and the question's candidates
        (``question``): for a comparison side, those naming it; for a part of a multi-part
        question, its best ones, those that use the part's ``own`` words first."""
        seen, pool = set(), []
        others = question if word else []
        for scored in self.selector.candidates(side_ranking, whole_sections=wide) + others:
            text = self.selector.sentence(scored.row, scored.j)
            tokens = set(tokenize(text))
            key = self.selector.absolute(scored.row, scored.j)
            defines = scored.row == entry  # the side's glossary entry names it by its term
            if (word is None or defines or names_side(word, text, tokens)) and key not in seen:
                seen.add(key)
                both = sum(names_side(w, text, tokens) for w in words) > 1
                used = len(own & tokens) / len(own) if own else 0.0
                # about this side: it is named first ("A KV cache stores …", not "Prompt caching stores the KV cache")
                about = defines or (word is not None and first_named(words, " ".join(text.split()[:SUBJECT_WORDS])) == word)
                pool.append(Scored(scored.score + BOTH_SIDES_BONUS * both + PART_WORDS_BONUS * used
                                   + SUBJECT_BONUS * about + ENTRY_FIRST * defines, scored.rank, scored.row, scored.j))
        return sorted(pool, key=lambda s: -s.score)

    def entry(self, ranking: Ranking, side: str) -> int | None:
        """The glossary row of a side that is a glossary term or one of its names ("RoPE"), when the
        comparison asks nothing of the sides but what each is ("RoPE vs ALiBi?"): a bare side
        query embeds near any sentence that mentions it ("Raising the RoPE base is another common
        knob"). A comparison that asks something of the sides is answered by what it asks."""
        if not ranking.intent.sides or asked_of_sides(ranking):
            return None
        hits = self.selector.analyzer.names.get(" ".join(LEADING_ARTICLE.sub("", side.lower()).split()))
        return self.selector.glossary_rows.get(hits[0][1].term) if hits and len(hits) == 1 else None

    def covers(self, quotes: list[Quote], sides: list[str]) -> bool:
        """Whether the quotes already speak of every side: name it within a sentence's opening
        words, where what a sentence is about stands (a side named in passing, "unlike LLaVA…"
        at the end of a sentence about Flamingo, is not described)."""
        openings = [" ".join(self.selector.index.chunks[q.row].text[a:b].split()[:SUBJECT_WORDS])
                    for q in quotes for a, b in q.spans]
        words = self.namers(sides)
        firsts = [first_named(words, o) for o in openings]
        return all(word is None or word in firsts for word in words)

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
                extra += self.selector.first_sentences(own, DISTANT_SENTENCES)
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
        """``quotes`` less the sentences that ``said`` already says."""
        quoted = [(q.row, j) for q in said for j in self.selector.refs(q)]
        out = []
        for q in quotes:
            spans = [sp for sp, j in self.selector.span_refs(q) if not any(self.selector.repeats((q.row, j), o) for o in quoted)]
            if spans:
                out.append(Quote(q.row, spans, 0, [sp for sp in q.reading or q.spans if sp in spans]))
        return out

    def with_trailing(self, best: list[Quote], part_rankings: list[Ranking], sides: list[str]) -> list[Quote]:
        """``best`` (a comparison's sides) with the best sentences for each further question the
        comparison asks ("…, and why is TP kept inside one node?") that ``best`` does not already
        say; ``best`` keeps a sentence of each side it names."""
        extra: list[Quote] = []
        for ranking in part_rankings:  # each its sentences the answer does not already say
            extra += self.selector.first_sentences(self.fresh(self.selector.select(ranking), best + extra),
                                                   TRAILING_SENTENCES)
        return self.with_extra(best, extra, [w for w in self.namers(sides) if w])

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
        texts = [self.selector.index.chunks[q.row].text[slice(*sp)] for q, sp in refs]
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

    def select(self, ranking: Ranking, side_rankings: list[Ranking]) -> list[Quote] | None:
        """Quotes side by side, or None when fewer than two sides have evidence (the ordinary
        answer then stands, and coverage reports the side that is missing)."""
        sides = ranking.intent.sides or ranking.intent.parts
        words: list[str | None] = self.namers(sides) if ranking.intent.sides else [None] * len(sides)
        named = [w for w in words if w]
        per_side = max(1, min(PER_SIDE if ranking.intent.sides else PER_PART, COMPOSED_SENTENCES // len(sides)))
        chosen: list[Pick] = []
        strength: dict[tuple[int, int], float] = {}
        found = 0
        question = QuestionCandidates(self.selector, ranking)  # shared by every side
        # "how many FLOPs did each use": each side's stated result first, as in a numeric answer
        numbers = NumberScorer.for_question(ranking.query.text) if wants_number(ranking.intent, ranking.query.text) else None
        # a short part retrieved with the subject it leans on: its own words pick its sentences
        # a comparison side: what the question asks of every side ("which models do you need")
        owns = [own if r.query.text != part else set()
                for own, part, r in zip(distinct_words(sides), sides, side_rankings, strict=True)] \
            if not ranking.intent.sides else [asked_of_sides(ranking)] * len(sides)
        for n, (word, side_ranking) in enumerate(zip(words, side_rankings, strict=True)):
            taken = 0
            pool = self.side_pool(question, side_ranking, word, named, owns[n], self.entry(ranking, sides[n]))
            if numbers:
                pool = sorted(self.selector.results_first(pool, numbers), key=lambda s: -s.score)
            first = pool[0].score if pool else 0.0
            for s in pool:
                if taken >= per_side or len(chosen) >= COMPOSED_SENTENCES:
                    break
                if taken >= PER_SIDE and s.score < first - EXTRA_PART_MARGIN:  # a third only as strong as the first
                    break
                if any(self.selector.repeats((s.row, s.j), (p.row, p.j)) for p in chosen):
                    continue
                group = self.selector.with_antecedent(s.row, s.j, chosen)  # "The method needs …" and what it is
                if len(chosen) + len(group) > COMPOSED_SENTENCES:
                    continue
                chosen += [Pick(n * ANSWER_PASSAGES, row, j) for row, j in group]  # sides read in the question's order
                strength.update({ref: s.score for ref in group})
                taken += 1
            found += taken > 0
        return self.selector.quotes_from(chosen, strength) if found > 1 else None
