"""Sentences in their paragraphs, the half of :class:`~tmrag.answer.quoting.QuoteSelector` that
reads around a chosen sentence: the sentence before one that points back, the other steps of an
enumeration, a why-claim's reason, a worked step's result carried on, the same sentence in an
overlapping chunk, and a lead-in quoted through the display formula it introduces."""

from __future__ import annotations

import re
from dataclasses import replace

from ..corpus.model import Corpus
from ..query.loaded_index import LoadedIndex
from .numeric import RESULT_RE
from .quotes import Pick, Quote, SentenceRef, renumbered
from .reading import points_back, within
from .text import NUMBER_RE, display_sentence, plain_math, quotable, span_text

DUPLICATE_COS = 0.92  # two sentences this similar say the same thing: quote one
# "The answer to the hook, in one sentence: GPT-3 runs all 96 layers …": what follows the colon is the claim.
ANSWER_ANNOUNCED = re.compile(r"(?:the (?:short )?answer to the hook|the hook's \w+ has a (?:short|simple) answer)"
                              r"[^.:]{0,30}:\s+(?=(?-i:[A-Z0-9]))", re.I)
DISPLAY_FORMULA = re.compile(r"\s*\$\$(.+?)\$\$", re.S)  # a display formula right after a sentence
FORMULA_TAIL = 8  # characters before a chunk's start searched for the "$$" that closes a formula
RESULT_NUMBER = re.compile(r"(?<=[=≈])\s*(\d[\d,]*(?:\.\d+)?)")  # a computed result: the number after "=" or "≈"
SHORT_CLAIM = 10  # words: a claim this short leaves its reason to the next sentence
ANTECEDENT_REACH = 2  # "The KL penalty has two jobs. It keeps … It also limits …": the notes chain two pronouns at most
PARAGRAPH_REACH = 6  # sentences walked each way for an enumeration's other steps (the notes' run 3-4)
# One step of an enumeration in running text ("First, it is out of distribution … Second, …"): a
# reader given one step is told there are more, so the steps of one paragraph are quoted together.
ENUMERATED = re.compile(r"[*_]*(?:First|Second|Third|Fourth|Firstly|Secondly|Thirdly)\b[,:]")


class Paragraphs:
    """Reads sentences where they sit (the quote selector supplies ``index`` and ``corpus``)."""

    index: LoadedIndex
    corpus: Corpus

    def with_antecedent(self, row: int, j: int, chosen: list[Pick]) -> list[SentenceRef]:
        """A sentence that opens by pointing back ("It also limits…", "The result is that…")
        comes with the sentence before it in its paragraph, which says what "it" is; when that
        one points back too ("It keeps … It also limits …"), with the one before it as well."""
        group = [(row, j)]
        taken = {(p.row, p.j) for p in chosen}
        while len(group) <= ANTECEDENT_REACH and points_back(self.sentence(*group[0])):
            before = self.before(*group[0])
            if before is None or before in taken:
                break
            group.insert(0, before)
        return group

    def enumeration(self, row: int, j: int) -> list[SentenceRef]:
        """The other steps of the enumeration this sentence is a step of, in its paragraph
        (which may run on into the next chunk)."""
        if not ENUMERATED.match(self.sentence(row, j)):
            return []
        steps = []
        for forward in (False, True):
            ref = self.adjacent(row, j, forward)
            for _ in range(PARAGRAPH_REACH):
                if ref is None:
                    break
                if ENUMERATED.match(text := self.sentence(*ref)) and quotable(text):
                    steps.append(ref)
                ref = self.adjacent(*ref, forward)
        return sorted(steps, key=lambda r: self.absolute(*r))

    def sequel(self, row: int, j: int, why: bool) -> list[SentenceRef]:
        """For a why-question, the sentence after a short claim ("Temperature 0 is not perfectly
        deterministic in practice."), which says why."""
        if not why or len(self.sentence(row, j).split()) > SHORT_CLAIM:
            return []
        ref = self.adjacent(row, j, forward=True)
        return [ref] if ref is not None and quotable(self.sentence(*ref)) else []

    def derivation(self, row: int, j: int, numeric: bool) -> list[SentenceRef]:
        """For a numeric question, the next sentence of the paragraph when it carries this one's
        result on ("… = 5,520 bytes per frame." then "At 30 fps that is 30 × 5,520 = 165,600 bytes
        per second"): the asked figure is often the last step."""
        if not numeric:
            return []
        results = RESULT_NUMBER.findall(display_sentence(self.sentence(row, j)))
        ref = self.adjacent(row, j, forward=True)
        if not results or ref is None:
            return []
        text = display_sentence(self.sentence(*ref))
        carried = re.search(rf"(?<![\d.,]){re.escape(results[-1])}(?![\d]|[.,]\d)", text)
        return [ref] if carried and RESULT_RE.search(text) and quotable(self.sentence(*ref)) else []

    def before(self, row: int, j: int) -> SentenceRef | None:
        """The quotable sentence before this one in its paragraph."""
        ref = self.adjacent(row, j, forward=False)
        if ref is not None and ref[1] > 0 and self.after_formula(*ref):
            ref = (ref[0], ref[1] - 1)  # "which depends on …" is quoted as the end of the lead-in before its formula
        return ref if ref is not None and quotable(self.sentence(*ref)) else None

    def adjacent(self, row: int, j: int, forward: bool) -> SentenceRef | None:
        """The sentence next to this one in its paragraph: in its chunk, or across the boundary
        with the neighbouring chunk of the module when the paragraph runs on into it."""
        chunk = self.index.chunks[row]
        k = j + 1 if forward else j - 1
        if 0 <= k < len(chunk.sentences):
            lo, hi = sorted((j, k))
            return (row, k) if "\n\n" not in chunk.text[chunk.sentences[lo][1] : chunk.sentences[hi][0]] else None
        other_row = row + 1 if forward else row - 1
        other = self.index.chunks[other_row] if 0 <= other_row < len(self.index.chunks) else None
        if (other is None or other.doc_id != chunk.doc_id or other.kind != "module" or not other.sentences
                or other.start is None or chunk.start is None):
            return None
        if forward:
            end = chunk.start + chunk.sentences[j][1]
            k = next((k for k, (a, _) in enumerate(other.sentences) if other.start + a >= end), None)
            if k is None:
                return None
            a, b = end, other.start + other.sentences[k][0]
        else:
            k = len(other.sentences) - 1
            a, b = other.start + other.sentences[k][1], chunk.start + chunk.sentences[0][0]
            if a > b:  # overlapping chunks: the sentence before is in this chunk's overlap
                return None
        return (other_row, k) if "\n\n" not in self.corpus.modules[chunk.module_id].text[a:b] else None

    def repeats(self, a: SentenceRef, b: SentenceRef) -> bool:
        """The same source sentence (overlapping chunks share sentences), or one saying the same
        thing. Rows of a worked example ("A100: … 156 FLOPs per byte", "H100: … 295") embed
        alike but differ in their numbers: those are not repeats."""
        if self.absolute(*a) == self.absolute(*b):
            return True
        similar = float(self.index.sentence_vectors_of(a[0])[a[1]] @ self.index.sentence_vectors_of(b[0])[b[1]])
        if similar > DUPLICATE_COS and set(NUMBER_RE.findall(self.sentence(*a))) == set(NUMBER_RE.findall(self.sentence(*b))):
            return True
        return within(self.sentence(*a), self.sentence(*b))

    def without_repeats(self, quotes: list[Quote]) -> list[Quote]:
        """``quotes`` with each sentence that an earlier one already says dropped: a side's or a
        part's sentences are chosen apart from the rest, so two of them can quote one sentence
        from overlapping chunks, or two modules' near-identical accounts of one result. A
        sentence that only shares most of its words is kept: parallel sentences do ("when the
        advantage is positive …" / "… negative …"; blind pairs: 0 better, 3 worse)."""
        said: list[SentenceRef] = []
        kept: list[Quote] = []
        for quote in quotes:
            if quote.code:
                kept.append(quote)
                continue
            refs = dict(self.span_refs(quote))
            drop = {sp for sp, j in refs.items() if any(self.repeats((quote.row, j), other) for other in said)}
            said += [(quote.row, j) for sp, j in refs.items() if sp not in drop]
            if not drop:
                kept.append(quote)
            elif spans := [sp for sp in quote.spans if sp not in drop]:
                kept.append(replace(quote, spans=spans, reading=[sp for sp in quote.reading if sp not in drop],
                                    lists={sp: items for sp, items in quote.lists.items() if sp not in drop}))
        return renumbered(kept)

    def refs(self, quote: Quote) -> list[int]:
        """The sentence indices of a quote's spans in its chunk."""
        return [j for _, j in self.span_refs(quote)]

    def span_refs(self, quote: Quote) -> list[tuple[tuple[int, int], int]]:
        """Each of a quote's spans with its sentence index in the chunk."""
        starts = {a: j for j, (a, _) in enumerate(self.index.chunks[quote.row].sentences)}
        return [(span, starts[span[0]]) for span in quote.spans if span[0] in starts]

    def sentence(self, row: int, j: int) -> str:
        return span_text(self.index.chunks[row].text, self.span(row, j))

    def span(self, row: int, j: int) -> tuple[int, int]:
        """A sentence's span in its chunk; a lead-in ("… the 95% confidence half-width is") runs
        on through the display formula it introduces and the words that finish it ("about ±0.5
        points."), so the quote states the result instead of dangling."""
        chunk = self.index.chunks[row]
        a, b = chunk.sentences[j]
        if announced := ANSWER_ANNOUNCED.match(chunk.text, a, b):
            a = announced.end()  # the answer itself, not the words about the module's opening question
        formula = DISPLAY_FORMULA.match(chunk.text, b)
        if not formula or r"\\" in formula.group(1) or "\\" in plain_math(formula.group(1)):
            return a, b  # an aligned block, or one not readable as text: the lead-in stays unquoted
        end = formula.end()
        if j + 1 < len(chunk.sentences) and self.after_formula(row, j + 1):
            end = chunk.sentences[j + 1][1]
        return a, end

    def after_formula(self, row: int, j: int) -> bool:
        """A sentence that finishes the one before its display formula ("about ±0.5 points.",
        "with the conventional constant k = 60."): it begins mid-thought, so it is quoted only
        as part of that lead-in."""
        chunk = self.index.chunks[row]
        start = chunk.sentences[j][0]
        before = chunk.text[chunk.sentences[j - 1][1] if j else 0 : start]
        if j == 0 and chunk.kind == "module" and chunk.start is not None:  # opens right after a formula?
            tail = self.corpus.modules[chunk.module_id].text[max(0, chunk.start + start - FORMULA_TAIL) : chunk.start + start]
            before = tail.rstrip()[-2:]
        return "$$" in before and chunk.text[start:start + 1].islower()

    def words(self, row: int, j: int) -> int:
        return len(display_sentence(self.sentence(row, j)).split())

    def sentence_context(self, row: int, j: int) -> str:
        """A sentence with what it sits under in its module: back to the nearest bold label line
        in the same section (often before the chunk starts), else to its paragraph's start."""
        chunk = self.index.chunks[row]
        a, b = chunk.sentences[j]
        if chunk.kind != "module" or chunk.start is None:
            return chunk.text[:b]
        text, a, b = self.corpus.modules[chunk.module_id].text, chunk.start + a, chunk.start + b
        section = max(text.rfind("\n#", 0, a), 0)
        label = text.rfind("\n**", section, a)
        return text[(label if label >= 0 else text.rfind("\n\n", section, a)) + 1 : b]

    def absolute(self, row: int, j: int) -> tuple:
        chunk = self.index.chunks[row]
        a, b = chunk.sentences[j]
        return (chunk.doc_id, (chunk.start or 0) + a, (chunk.start or 0) + b)
