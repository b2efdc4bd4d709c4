"""List answers: a quoted lead-in brings its list's items, a list question without one opens with
the first list of the top passages, and "the three reasons …" gets a list of three."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from ..corpus.model import Corpus
from ..query.intent import content_words, listed_nouns, noun_stems
from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from ..query.wording import COUNT_WORDS
from .listing import ANNOUNCED, ListItems, enclosing_list, items_at, list_after, with_detail
from .quotes import ANSWER_PASSAGES, Quote, first_sentences, renumbered
from .text import MAX_SENTENCES

LIST_LINE = re.compile(r"^(?:\d+[.)]|[-*+])[ \t]+", re.M)  # a top-level Markdown list item
LIST_EXTRA_SENTENCES = 2  # after a list found in the passages: a little context, not a second answer
COUNTED_DEPTH = 8  # passages searched for a list of the asked size: its lead-in may rank below the answer's four
NAMED_MODULES = 2  # the modules of the top passages whose section titles a list question may name
# "the MLP & matmul notes", "the safety module": a module called on by its title
# "the NotebookLM design review": a design review called on by its case ("Case: Design NotebookLM")
# "the TikTok-style For-You design": what a module is like, not a word of its title
LIKENESS_WORDS = frozenset({"style", "like"})
TITLE_IN_PHRASE_WORDS = 3  # a title this long, all in a phrase, is named by it; "Optimizers" is in many phrases
# "the Character.ai design review": a dot inside a word is no sentence's end
NOTES_NAMED = re.compile(r"\bthe\s+((?:[^,.?!;:]|\.(?=\w)){1,60}?)\s+(?:notes|module|review)\b", re.I)
# "character.ai design review: what pitfalls does it list?": a question that opens by naming the notes it asks
# of, in four words at most, none of them a function word ("Two unrelated ones from my notes:" names none)
_OPENING_WORD = r"(?!(?:the|my|in|from|of|for|two|three)\b)[\w'’/&+-]+(?:\.\w+)*"
NOTES_OPENING = re.compile(rf"^\s*((?:{_OPENING_WORD}\s+){{0,3}}{_OPENING_WORD})\s+(?:notes|module|review)\s*[:,]", re.I)
WRITTEN_BONUS = 0.5  # a title's words in its own order: more than any share of them
# "the stages a query passes through in the answer-engine design": a design's stages are its architecture
HEADING_ASKED = {"architecture": frozenset({"stage", "component"})}
ASKED_COUNT = re.compile(r"\b(two|three|four|five|six|seven|[2-7])\s+(?:[\w-]+\s+){0,2}?[a-z-]+s\b", re.I)


def asked_count(question: str) -> int | None:
    """How many items a list question asks for ("what are the three reasons …" → 3)."""
    m = ASKED_COUNT.search(question)
    return (COUNT_WORDS.get(m.group(1).lower()) or int(m.group(1))) if m else None


def enumerates(sentence: str, count: int) -> bool:
    """The sentence lists its ``count`` items itself, after a colon ("Three numbers summarise an
    SAE: L0 (…), the fraction of variance left unexplained, and the loss recovered …")."""
    head, colon, rest = sentence.partition(":")
    said = re.search(rf"\b{[w for w, n in COUNT_WORDS.items() if n == count][0]}\b|\b{count}\b", head, re.I)
    rest = re.sub(r"\([^)]*\)", "", rest)
    # items that hold commas of their own are set off by semicolons ("NF4, whose 16 levels …; double
    # quantization, which …; and paged optimizers")
    items = re.split(r";\s*(?:and\s+)?", rest) if ";" in rest else re.split(r",\s*(?:and\s+)?|\s+and\s+", rest)
    return bool(colon and said and len([i for i in items if i.strip()]) == count)


def spaced(text: str) -> str:
    """Lower case, with hyphens, slashes and runs of spaces read as one space."""
    return " ".join(re.split(r"[\s/-]+", text.lower()))


def plain_words(text: str) -> set[str]:
    """A title's or a phrase's content words, without the joined forms ("tool-use", "streaming/api")
    whose parts are words of their own."""
    return {w for w in content_words(text) if not re.search(r"[-/]", w)}


def called_phrases(question: str) -> list[str]:
    """What the question calls modules ("streaming/API" of "do the streaming/API notes"): only "the
    … notes" or "the … module" calls on one ("the design doc" of a Perplexity question is not
    "Design Docs"), and the phrase starts at its own "the"."""
    opening = [m.group(1) for m in NOTES_OPENING.finditer(question)]
    return [re.split(r"\bthe\s+", m.group(1), flags=re.I)[-1] for m in NOTES_NAMED.finditer(question)] + opening


# "…? Just list them.", "Just the list, one line each.": the list is the whole answer
JUST_THE_LIST = re.compile(r"\b(?:just|only)\s+(?:list\s+them|the\s+(?:list|items))\b", re.I)


class ListQuoting:
    """The list half of :class:`~tmrag.answer.quoting.QuoteSelector` (it supplies ``index``,
    ``corpus``, ``sections``, ``sentence``, ``lead_in`` and ``table_row``)."""

    index: LoadedIndex
    corpus: Corpus
    first_sentences = staticmethod(first_sentences)

    def counted_lead(self, ranking: Ranking, quotes: list[Quote], count: int) -> list[Quote] | None:
        """The first sentence of the top passages that announces a list of ``count`` items ("Attention
        cannot 'just attend' for three reasons"), with its list, ahead of the answer's first sentences."""
        top = [c.row for c in ranking.results[:COUNTED_DEPTH]]
        neighbours = sorted(self.sections.neighbours(top), key=lambda n: n.rank)
        for row in top + [n.row for n in neighbours]:  # the lead-in may sit in a top passage's section
            chunk = self.index.chunks[row]
            for j, span in enumerate(chunk.sentences if chunk.kind == "module" else []):
                if not ANNOUNCED.search(self.sentence(row, j)):
                    continue
                items = self.list_of(row, span)
                if items and len(items.spans) == count:
                    return self.led_by(row, span, items, quotes)
                if enumerates(self.sentence(row, j), count):
                    return renumbered([Quote(row, [span], 1, [span]), *first_sentences(
                        [q for q in quotes if q.row != row or span not in q.spans], LIST_EXTRA_SENTENCES)])
        return None

    def led_by(self, row: int, span: tuple[int, int], items: ListItems, quotes: list[Quote]) -> list[Quote]:
        """An answer that opens with a list (its lead-in ``span`` with ``items``) and goes on with
        the first sentences of ``quotes`` the list does not already hold."""
        extra = first_sentences(self.without(quotes, row, items), LIST_EXTRA_SENTENCES)
        return renumbered([Quote(row, [span], 1, [span], {span: items}),
                           *[q for q in extra if (q.row, q.spans) != (row, [span])]])

    def leads_counted(self, quotes: list[Quote], count: int) -> bool:
        """A quoted sentence introduces a list of the asked number of items."""
        return any(len(items.spans) == count for q in quotes for span in q.reading or q.spans
                   if (items := self.list_of(q.row, span)))

    def list_of(self, row: int, span: tuple[int, int]) -> ListItems | None:
        """The list that follows a sentence in its module, if one does."""
        return self._in_module(row, span[1], list_after)

    def list_around(self, row: int, span: tuple[int, int], titled: bool = False) -> ListItems | None:
        """The list one of whose items holds the sentence, with its heading or lead-in
        (``titled``: its section's heading, which the question named)."""
        return self._in_module(row, span[0], partial(enclosing_list, titled=titled))

    def _in_module(self, row: int, offset: int, find: Callable[..., ListItems | None]) -> ListItems | None:
        """``find`` at a chunk offset, in its module's text; None for a chunk outside a module."""
        chunk = self.index.chunks[row]
        if chunk.kind != "module" or chunk.start is None:
            return None
        module = self.corpus.modules[chunk.module_id]
        return find(module.text, chunk.start + offset, module.sections)

    def list_in(self, row: int, titled: bool = False) -> tuple[tuple[int, int], ListItems] | None:
        """The first list a passage holds: the sentence its first item opens with, and the list."""
        chunk = self.index.chunks[row]
        at = LIST_LINE.search(chunk.text) if chunk.kind == "module" else None
        span = next((sp for sp in chunk.sentences if sp[1] > at.end()), None) if at else None
        items = self.list_around(row, span, titled) if span else None
        return (span, items) if span and items else None

    def list_spans(self, row: int) -> list[tuple[int, int]]:
        """The item spans of :meth:`list_in`'s list, or []."""
        found = self.list_in(row)
        return found[1].spans if found else []

    def items_in(self, row: int) -> list[tuple[int, int]]:
        """The item spans (in its module's text) of the first list a passage holds, with or
        without a lead-in; [] when it holds none."""
        chunk = self.index.chunks[row]
        at = LIST_LINE.search(chunk.text) if chunk.kind == "module" and chunk.start is not None else None
        return items_at(self.corpus.modules[chunk.module_id].text, chunk.start + at.end()) if at else []

    def only_lists(self, quotes: list[Quote], detailed: bool = False, whole: bool = False) -> list[Quote]:
        """The quotes' lead-ins with their lists, nothing else ("…? Just the list."); [] when none
        has one. ``detailed`` ("…, a line on each"): each item with what it says after its label;
        ``whole`` ("…, with how each one is detected"): all it says, when that fits."""
        out = []
        for q in quotes:
            if q.lists:
                text = self.corpus.modules[self.index.chunks[q.row].module_id].text
                lists = {sp: with_detail(text, items, whole) for sp, items in q.lists.items()} if detailed else q.lists
                out.append(Quote(q.row, [sp for sp in q.spans if sp in lists], 0, [sp for sp in q.reading if sp in lists],
                                 lists))
        return renumbered(out)

    def with_lists(self, quotes: list[Quote], listing: bool = False) -> list[Quote]:
        """The first quoted sentence (in reading order) that introduces a list brings the list's
        items — one list per answer: two make it a page. Quoted sentences the list already
        holds are not quoted again. ``listing`` (the question asks for a list): failing a
        lead-in, a quoted sentence from one of a list's items stands for the whole list."""
        finders = [self.list_of, self.list_around] if listing else [self.list_of]
        for quote in quotes:
            for span in quote.reading or quote.spans:
                for find in finders:
                    items = find(quote.row, span)
                    if items:
                        quote.lists[span] = items
                        return self.restored(self.without(self.without_lead_ins(quotes, (quote.row, span)), quote.row,
                                                          items), quote.row, span)
        return quotes

    @staticmethod
    def restored(quotes: list[Quote], row: int, span: tuple[int, int]) -> list[Quote]:
        """``quotes`` with the item sentence that stands for its list put back first, when the
        list's own items held it: without it the list is never read."""
        holder = next((q for q in quotes if q.row == row and span in q.lists), None)
        if holder is None or span in holder.spans:
            return quotes
        holder.spans, holder.reading = [span, *holder.spans], [span, *holder.reading]
        return renumbered([holder, *[q for q in quotes if q is not holder]])

    def without_lead_ins(self, quotes: list[Quote], keep: tuple[int, tuple[int, int]]) -> list[Quote]:
        """``quotes`` less the lead-ins other than ``keep``: one list per answer, and a lead-in
        without its list ("… has four stages:") states nothing."""
        for quote in quotes:
            text = self.index.chunks[quote.row].text
            dangling = {s for s in quote.spans if (quote.row, s) != keep and text[slice(*s)].rstrip().endswith(":")}
            quote.reading = [s for s in quote.reading if s not in dangling]
            quote.spans = [s for s in quote.spans if s not in dangling]
        return quotes

    def list_first(self, ranking: Ranking, quotes: list[Quote]) -> list[Quote]:
        """A list question whose quoted sentences hold no list: the first list in the top
        passages (by rank), led by its heading or lead-in, opens the answer."""
        return self.first_list(ranking, quotes) or quotes

    def first_list(self, ranking: Ranking, quotes: list[Quote], count: int | None = None) -> list[Quote] | None:
        """:meth:`list_first`'s answer, or None when the top passages hold no list; ``count``: only
        a list of that many items ("the three reasons …" is not answered with five pitfalls)."""
        rows = [c.row for c in ranking.results[:ANSWER_PASSAGES]]
        # then the top passage's own section: "the ways a coding agent can wreck its hit rate" ranks
        # the sentence after the section's list of pitfalls first
        rows += [n.row for n in self.sections.neighbours(rows[:1])] if count is None else []
        for row in rows:
            found = self.list_in(row)
            if found and (count is None or len(found[1].spans) == count):
                return self.led_by(row, *found, quotes)
        return None

    def named_list(self, ranking: Ranking, quotes: list[Quote]) -> list[Quote] | None:
        """A list question whose noun names a section ("the components of the platform's
        architecture", "the main pitfalls of model merging" under "Limits and pitfalls"): that
        section's first list, in one of the top passages' modules, opens the answer, unless the
        quotes already hold it."""
        asked = listed_nouns(ranking.query.text)
        modules = list(dict.fromkeys(self.index.chunks[c.row].module_id for c in ranking.results
                                     if self.index.chunks[c.row].kind == "module"))
        # "the embeddings notes": a module the question names by its title comes first, retrieved or not
        phrases = called_phrases(ranking.query.text)
        called = {m: score for m in self.corpus.modules if phrases and (score := self.names_module(phrases, m))}
        named = sorted(called, key=lambda m: (-called[m], modules.index(m) if m in modules else len(modules)))
        # a module called on by name is the only place its list may come from ("the pre-training notes'
        # pitfalls" are not the interpretability module's)
        for module in named or modules[:NAMED_MODULES]:
            for title, rows in self.sections.titled(module):
                words = noun_stems(title)
                if not words & asked and not any(asked & HEADING_ASKED.get(w, frozenset()) for w in words):
                    continue
                if any(q.lists and q.row in rows for q in quotes):
                    return None
                for row in rows:
                    if found := self.list_in(row, titled=True):
                        return self.led_by(row, *found, quotes)
                # a design review's "Failure modes" is a table: its rows are the items
                if table := self.table_rows(rows):
                    return table
        return None

    def table_rows(self, rows: list[int]) -> list[Quote] | None:
        """A section's table rows, each quoted as its statement, up to the answer's sentences; None
        for a section without a table of two rows or more."""
        kept, room = [], MAX_SENTENCES  # in the module's order, one sentence budget across the section's chunks
        for row in rows:
            spans = [span for j, span in enumerate(self.index.chunks[row].sentences) if self.table_row(row, j)][:room]
            kept += [Quote(row, spans, 0, spans)] if spans else []
            room -= len(spans)
        return renumbered(kept) if MAX_SENTENCES - room >= 2 else None

    def names_module(self, phrases: list[str], module_id: str) -> float:
        """How much of the module's title ``phrases`` (:func:`called_phrases`) call it by, 0 when they
        do not: "streaming/API" names two of "Streaming & API Layer"'s three words. A phrase names
        half of its title's words at least and no word outside it, or the whole title and more
        ("the Claude Code / Cursor coding-agent design review" of "Case: Design Claude Code / Cursor")."""
        name = self.corpus.modules[module_id].title
        title = plain_words(name)
        best = 0.0
        for phrase in phrases:
            called = plain_words(phrase) - LIKENESS_WORDS
            if called and called <= title and 2 * len(called) >= len(title):
                # "the tool-use notes" is "Tool Use & Protocols" as written, over "Tool System"
                written = spaced(phrase) in spaced(name)
                best = max(best, len(called) / len(title) + WRITTEN_BONUS * written)
            elif len(title) >= TITLE_IN_PHRASE_WORDS and title < called:
                best = max(best, len(title) / len(called))  # less than any phrase that is all title
        return best

    def named_list_row(self, ranking: Ranking) -> int | None:
        """The top passage of a list question that names its module by title and its list by the
        section's ("What pitfalls do the MLP & matmul notes list?"), when that passage sits in that
        section: the notes have the list, however far a question made of names embeds from it."""
        top = ranking.results[0].row if ranking.intent.kind == "list" and ranking.results else None
        chunk = self.index.chunks[top] if top is not None else None
        if chunk is None or chunk.kind != "module":
            return None
        asked = listed_nouns(ranking.query.text)
        called = self.names_module(called_phrases(ranking.query.text), chunk.module_id)
        return top if called and asked & noun_stems(chunk.section or "") else None

    def without(self, quotes: list[Quote], row: int, items: ListItems) -> list[Quote]:
        """``quotes`` less the sentences of the same module that fall inside one of ``items``."""
        module, inside = self.index.chunks[row].module_id, items.spans
        for quote in quotes:
            chunk = self.index.chunks[quote.row]
            if chunk.module_id != module or chunk.start is None:
                continue
            held = {s for s in quote.reading if any(chunk.start + s[0] < b and chunk.start + s[1] > a for a, b in inside)}
            quote.reading = [s for s in quote.reading if s not in held]
            quote.spans = [s for s in quote.spans if s not in held]
        return renumbered([q for q in quotes if q.spans])
