"""Comparison and multi-part answers: every side or part the question names gets its own
evidence, found by a retrieval for it, so "Flamingo vs LLaVA" is never answered with Flamingo
alone and "how many X, and what Y?" gets both."""

from __future__ import annotations

import re
from functools import cached_property

import numpy as np

from ..build.chunking import BREADCRUMB_SEP
from ..query.comparison import GENERIC_SIDE_WORDS, side_words
from ..query.phrasing import PhraseIndex
from ..query.ranking import Ranking
from ..query.wording import FRAME_WORDS, LEADING_ARTICLE
from ..tokenize import stem_tokens, tokenize
from .named_sides import NamedSides
from .numeric import NumberScorer, wants_number
from .part_quoting import COMPOSED_SENTENCES, PartQuoting, distinct_words, names_side
from .quotes import Pick, Quote, Scored
from .quoting import WHY_RE, QuoteSelector
from .side_candidates import QuestionCandidates, asked_of_sides
from .side_room import PER_PART, PER_SIDE, SidePlan, SideRoom
from .text import NUMBER_RE, span_text

POSSESSIVE_SIDE = re.compile(r"(?:the\s+)?[\w./-]+(?:\s+[\w./-]+)?['’]s\s+(.+)", re.I)  # an owner of two words at most
# a possessed thing's word names the side when this few passages write it ("kappa" 5, "paged" 10 of
# 2,418): "test" (100) or "split" (53) would let any sentence in
ALIAS_CHUNKS = 30
MIN_STEM = 4  # a stem this long names one thing ("continu", "summar"); "kv" or "rl" would match any form
PHRASE_SIDE_WORDS = 3  # "teacher forcing", "speculative decoding": a name of a few words; longer describes
PER_ASKED_SIDE = 3  # a side asked several things gets a sentence for each, up to half the answer's six
ASK_WEIGHT = 1.0  # how near a sentence is to one thing asked of its side, beside its score for the side
TOPIC_PASSAGES = 5  # the whole question's passages whose modules a part's sentences come from first
TOPIC_BONUS = 0.05  # a nudge within the part's own scores
SUBJECT_WORDS = 8  # a sentence's opening words: its subject, with a determiner or a clause before it
# The best evidence speaks of a side when it names the side this early: "InstructGPT's SFT stage
# trained GPT-3 on …" is about SFT, not GPT-3 (dev, blind: 8 changed, 3 better, 0 worse against 8 words)
COVER_WORDS = 5
SUBJECT_BONUS = 0.05  # a side's sentence about it, over one that names it after another side
ENTRY_FIRST = 1.0  # a bare comparison's side opens with its glossary definition, whatever the similarity
BOTH_SIDES_BONUS = 0.05  # a sentence that contrasts the sides directly leads its side's evidence
MIN_SIDE_WORDS = 7  # "Sparse expert routing is not new.": a side named in a sentence this short is only introduced
# a side named this many sentences back in the paragraph is what it still speaks of (2 -> 4 with the
# heading rule, dev blind pairs on 77 changed: 16 better, 7 worse)
PARAGRAPH_BACK = 4
PART_WORDS_BONUS = 0.1  # a leaned part's (or a comparison side's) sentence that uses all the words asked of it, over none
# (comparisons, dev blind pairs: 2 better, 0 worse of 10 changed answers)


def first_named(words: list[str | None], text: str) -> str | None:
    """Which of the sides' words ``text`` names first: its subject. "Prompt caching stores the KV
    cache …" is about prompt caching, not the KV cache it names after."""
    tokens = set(tokenize(text))
    lower = text.lower()
    found = [(side_at(w, lower), w) for w in words if w is not None and names_side(w, text, tokens)]
    return min(found)[1] if found else None


def names_stem(word: str, tokens: set[str]) -> bool:
    """A side named in another form of its word ("continuation" for "continue", "tensor
    parallelism" for "tensor parallel"): every stem of the side's word among the sentence's."""
    stems = set(stem_tokens(tokenize(word)))
    return bool(stems) and all(len(st) >= MIN_STEM for st in stems) and stems <= set(stem_tokens(sorted(tokens)))


def side_at(word: str, lower: str) -> int:
    """Where a side's word first stands in lower-cased text (a word the tokenizer found but the
    surface writes otherwise stands at the start)."""
    m = re.search(rf"(?<![\w@^]){re.escape(word)}", lower)
    return m.start() if m else 0


class SideQuoter(PartQuoting, SideRoom, NamedSides):
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
                  own: set[str], entry: int | None = None, topic: frozenset[str] = frozenset(),
                  entry_first: bool = True, alias: str | None = None) -> list[Scored]:
        """A side's pool: the retrieved sentences that name the side or follow one that does in
        their paragraph ("Auto-compact replaces …" after "**Summarizing.**"); for a side no
        retrieved passage names, the rest of their sections too ("Writing lessons after failures
        is the Reflexion idea …" ends the chunk before the one that ranks, in the same paragraph).
        Only then: where the passages name the side, a section's other sentences that name it
        displaced good ones (dev, blind: 2 better, 2 worse)."""
        pool = self.pool(question.top if word else question.read_by(side_ranking), side_ranking, word, words, own,
                         entry=entry, topic=topic, entry_first=entry_first, alias=alias, paragraph=True)
        # then a sentence whose paragraph named the side just before ("**Context caching.** A user
        # who asks ten questions … should pay for its prefill once.")
        for paragraph in (False, True):
            if pool or word is None:
                break
            pool = self.pool(question.sections, side_ranking, word, words, own, True, entry, topic, entry_first,
                             paragraph, alias)
        return pool

    def pool(self, question: list[Scored], side_ranking: Ranking, word: str | None, words: list[str],
             own: set[str] | None = None, wide: bool = False, entry: int | None = None,
             topic: frozenset[str] = frozenset(), entry_first: bool = True, paragraph: bool = False,
             alias: str | None = None) -> list[Scored]:
        """Quotable sentences for one side, from its own retrieval and the question's candidates
        (``question``): for a comparison side, those about it (``speaks_of``); for a part of a multi-part
        question, its best ones, those that use the part's ``own`` words first and those from the
        ``topic`` modules (the whole question's) next."""
        seen, pool = set(), []
        others = question
        for scored in self.selector.candidates(side_ranking, whole_sections=wide) + others:
            text = self.selector.sentence(scored.row, scored.j)
            tokens = set(tokenize(text))
            key = self.selector.absolute(scored.row, scored.j)
            defines = scored.row == entry  # the side's glossary entry names it by its term
            named = word is None or defines or self.speaks_of(scored, text, tokens, word, words, paragraph, alias)
            if named and key not in seen \
                    and (word is None or len(text.split()) >= MIN_SIDE_WORDS or NUMBER_RE.search(text)):
                seen.add(key)
                both = sum(names_side(w, text, tokens) for w in words) > 1
                used = len(own & tokens) / len(own) if own else 0.0
                # about this side: it is named first ("A KV cache stores …", not "Prompt caching stores the KV cache")
                about = defines or (word is not None and first_named(words, " ".join(text.split()[:SUBJECT_WORDS])) == word)
                on_topic = self.selector.index.chunks[scored.row].doc_id in topic
                pool.append(Scored(scored.score + BOTH_SIDES_BONUS * both + PART_WORDS_BONUS * used
                                   + SUBJECT_BONUS * about + ENTRY_FIRST * (defines and entry_first) + TOPIC_BONUS * on_topic,
                                   scored.rank, scored.row, scored.j))
        return sorted(pool, key=lambda s: -s.score)

    def speaks_of(self, scored: Scored, text: str, tokens: set[str], word: str, words: list[str],
                  paragraph: bool, alias: str | None) -> bool:
        """Whether a sentence is about the side ``word``: it names the side, in any form of its
        word; or it names no other side and its paragraph named this one just before, its heading
        names this one alone (``paragraph``), or it writes the side's ``alias``."""
        if names_side(word, text, tokens) or names_stem(word, tokens):
            return True
        if any(names_side(w, text, tokens) for w in words if w != word):
            return False
        return (paragraph and (self.named_before(scored.row, scored.j, word, words) or self.headed(scored.row, word, words))) \
            or (alias is not None and names_side(alias, text, tokens))

    def alias(self, side: str, sides: list[str]) -> str | None:
        """What else names a side that is one thing of another ("Cohen's kappa", "QLoRA's paged
        optimizers"): the possessed thing's most specific word, which a sentence about it writes
        without its owner ("Kappa: κ = …", "Paged optimizers absorb memory spikes …")."""
        m = POSSESSIVE_SIDE.match(side)
        word = self.rarest(m.group(1), [o for o in sides if o != side]) if m else None
        return word if word and self.selector.index.lexical.document_frequency(word) <= ALIAS_CHUNKS else None

    def headed(self, row: int, word: str, words: list[str]) -> bool:
        """Whether the passage's own heading names the side ``word`` and no other side ("Reactive
        compaction" over "When the API rejects a request …")."""
        heading = self.selector.index.chunks[row].breadcrumb.split(BREADCRUMB_SEP)[-1]
        tokens = set(tokenize(heading))
        return names_side(word, heading, tokens) and not any(names_side(w, heading, tokens) for w in words if w != word)

    def named_before(self, row: int, j: int, word: str, words: list[str]) -> bool:
        """Whether one of the sentences just before this one in its paragraph names the side
        ``word`` and none names another of ``words``."""
        ref: tuple[int, int] | None = (row, j)
        for _ in range(PARAGRAPH_BACK):
            ref = self.selector.adjacent(*ref, forward=False)
            if ref is None:
                return False
            text = self.selector.sentence(*ref)
            tokens = set(tokenize(text))
            if any(names_side(w, text, tokens) for w in words if w != word):
                return False
            if names_side(word, text, tokens):
                return True
        return False

    def entry(self, side: str) -> int | None:
        """The glossary row of a side that is a glossary term or one of its names ("RoPE"). Used
        only when the comparison asks nothing of the sides but what each is ("RoPE vs ALiBi?"): a
        bare side query embeds near any sentence that mentions it ("Raising the RoPE base is
        another common knob"). A comparison that asks something of the sides is answered by what
        it asks."""
        hits = self.selector.analyzer.names.get(" ".join(LEADING_ARTICLE.sub("", side.lower()).split()))
        return self.selector.glossary_rows.get(hits[0][1].term) if hits and len(hits) == 1 else None

    def covers(self, quotes: list[Quote], sides: list[str]) -> bool:
        """Whether the quotes already speak of every side: name it within a sentence's opening
        words, where what a sentence is about stands (a side named in passing, "unlike LLaVA…"
        at the end of a sentence about Flamingo, is not described)."""
        openings = [" ".join(span_text(self.selector.index.chunks[q.row].text, (a, b)).split()[:COVER_WORDS])
                    for q in quotes for a, b in q.spans]
        words = self.namers(sides)
        firsts = [first_named(words, o) for o in openings]
        return all(word is None or word in firsts for word in words)

    def by_asks(self, pool: list[Scored], asks: list[np.ndarray]) -> list[Scored]:
        """A side's pool in the order that answers what is asked of it: for each thing asked, the
        sentence best for it of those not yet taken, then the rest in pool order."""
        index = self.selector.index
        order: list[Scored] = []
        for vec in asks:
            rest = [s for s in pool if s not in order]
            if rest:
                order.append(max(rest, key=lambda s: s.score + ASK_WEIGHT * float(index.sentence_vectors_of(s.row)[s.j] @ vec)))
        return order + [s for s in pool if s not in order]

    def select(self, ranking: Ranking, side_rankings: list[Ranking],
               asks: list[list[np.ndarray]] | None = None) -> list[Quote] | None:
        """Quotes side by side, or None when fewer than two sides have evidence (the ordinary
        answer then stands, and coverage reports the side that is missing)."""
        sides = ranking.intent.sides or ranking.intent.parts
        words: list[str | None] = self.namers(sides) if ranking.intent.sides else [None] * len(sides)
        named = [w for w in words if w]
        per_side = max(1, min(PER_SIDE if ranking.intent.sides else PER_PART, COMPOSED_SENTENCES // len(sides)))
        chosen: list[Pick] = []
        strength: dict[tuple[int, int], float] = {}
        question = QuestionCandidates(self.selector, ranking)  # shared by every side
        # a part's sentences from the modules the whole question is about first ("(3) what goes wrong
        # on a row where every position is masked?" of softmax gotchas is not about layout padding)
        topic = frozenset() if ranking.intent.sides else frozenset(
            self.selector.index.chunks[c.row].doc_id for c in ranking.results[:TOPIC_PASSAGES])
        # "how many FLOPs did each use": each side's stated result first, as in a numeric answer
        numbers = NumberScorer.for_question(ranking.query.text) if wants_number(ranking.intent, ranking.query.text) else None
        # a short part retrieved with the subject it leans on: its own words pick its sentences;
        # a comparison side: what the question asks of every side ("which models do you need")
        asked = asked_of_sides(ranking) if ranking.intent.sides else set()
        owns = [own if r.query.text != part else set()
                for own, part, r in zip(distinct_words(sides), sides, side_rankings, strict=True)] \
            if not ranking.intent.sides else [asked] * len(sides)
        bare = bool(ranking.intent.sides) and not asked
        whys = [not ranking.intent.sides and WHY_RE.search(side) is not None for side in sides]
        aliases = [self.alias(side, sides) if ranking.intent.sides else None for side in sides]
        plans: list[SidePlan] = []
        for n, (word, side_ranking) in enumerate(zip(words, side_rankings, strict=True)):
            # a side's glossary entry names it by its term, so it is always the side's evidence; it
            # leads only a bare comparison
            entry = self.entry(sides[n]) if ranking.intent.sides else None
            pool = self.side_pool(question, side_ranking, word, named, owns[n], entry, topic, bare, aliases[n])
            if numbers:
                pool = sorted(self.selector.results_first(pool, numbers), key=lambda s: -s.score)
            first = pool[0].score if pool else 0.0
            wanted = per_side
            if asks:
                pool = self.by_asks(pool, asks[n])
                wanted = min(len(asks[n]), PER_ASKED_SIDE, COMPOSED_SENTENCES // len(sides))
            plans.append(SidePlan(pool, first, wanted))
        # a question of three or more parts has room for two sentences a part: a part whose answer
        # takes three gets the room of another's weak second (blind pairs on 64 of 319 changed dev
        # answers: 10 better, 4 worse; good 23% -> 34%)
        found = self.shared(plans, chosen, strength, whys) if not ranking.intent.sides and per_side < PER_PART \
            else self.in_order(plans, chosen, strength, whys, bool(asks))
        return self.selector.quotes_from(chosen, strength) if found > 1 else None
