"""Lists in answers: a quoted sentence that introduces a list ("An eval plan has three layers,
each catching what the others miss.", "The handshake runs in four steps:") is the answer only
together with the list, so the list's items come with it — each item's bold label, or its
first sentence when it has none — as one enumerated line ("…: (1) Golden set; (2) LLM judge…").
The citation keeps every item's exact span, so the page highlights them in the module."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..corpus.markdown import Section, scan_body, section_at, siblings, title_span

ITEM = re.compile(r"[ \t]*(?:\d+[.)]|[-*+])[ \t]+")  # a Markdown list item's marker
LABEL = re.compile(r"\*\*(.+?)\*\*")  # "1. **Control plane.** A task service…": the item's name
# A sentence that announces how many things follow: only such an intro is read as introducing the
# subsections after it (most sections' intros end by simply handing over to their first subsection).
COUNTED = re.compile(r"\b(?:two|three|four|five|six|seven|several|following|these|a few|\d+)\s+(?:\w+\s+){0,2}?"
                     r"(?:ways|steps|stages|strategies|layers|levels|parts|phases|kinds|types|methods|options|"
                     r"techniques|planes|components|questions|rules|levers|families|patterns|approaches|modes)\b", re.I)
# What an ordinal follow-up may point into: a list its paragraph announces by count ("for three
# reasons", "four failure modes"), whatever the noun.
ANNOUNCED = re.compile(r"\b(?:two|three|four|five|six|seven|several|\d+)\s+(?:[\w-]+\s+){0,2}?[a-z-]+s\b", re.I)
PROSE_SENTENCE = re.compile(r"\s*(.+?[.!?])(?=\s+[A-Z(\"']|\s*$)", re.S)
ORDINAL_OPENER = re.compile(r"(?:First|Second|Third|Fourth|Fifth|Sixth|Finally|Last|Then|Next)(?:ly)?\b")
SENTENCE_BREAK = re.compile(r"[.!?]\s+(?=[A-Z(\"'])")  # where a lead-in sentence can begin within its paragraph
# An item's first sentence; "i.e.", "e.g." and "et al." inside it do not end it ("≈ 5.8×10^10, i.e. ten billion").
FIRST_SENTENCE = re.compile(r"(?:i\.e\.|e\.g\.|vs\.|et al\.|etc\.(?=\s+[a-z])|[^.!?]|[.!?](?!\s|$))+[.!?]?(?=\s|$)|.+$")
MIN_ITEMS = 2  # one item is not a list
MAX_ITEMS = 8  # the notes' lists run 2-7 items; a longer one is a reference table, not an answer
MAX_LIST_WORDS = 110  # the answer's word budget (Settings.answer_max_words is 120) less the lead-in's gist
DETAIL_MAX_ITEMS = 4  # "(1) Exit 0 means…": past four items the labels alone read as the list, detail as a page
DETAILED_LIST_WORDS = 2 * MAX_LIST_WORDS  # a line on each item, asked for: the list is the whole answer
MAX_ITEM_WORDS = 30  # an item whose first sentence is longer is a paragraph, not a list entry


@dataclass(frozen=True, slots=True)
class ListItems:
    """The items of the list that follows a lead-in: spans in the module text."""

    spans: list[tuple[int, int]]
    complete: bool  # False when the word budget cut the list short
    # Where the list's own lead-in stands when it is not the quoted sentence: the heading of a
    # section that opens with the list ("## The three-stage pipeline"), or the sentence before it.
    lead: tuple[int, int] | None = None


def list_after(text: str, end: int, sections: list[Section] | None = None) -> ListItems | None:
    """The list that starts on the line after offset ``end`` (a lead-in sentence's end, at most
    one blank line between), or None if none follows there. A sentence inside a list item
    introduces nothing: the next item is its sibling. ``sections``: the text's, when already
    parsed (a loaded module's)."""
    gap = re.match(r"[ \t]*\n(?:[ \t]*\n)?", text[end:])
    line_start = text.rfind("\n", 0, end) + 1
    if ITEM.match(text, line_start):
        return None
    counted = COUNTED.search(text, line_start, end) is not None
    if not gap:
        items = _prose_items(text, end) if counted else []
    else:
        items = _items(text, end + gap.end()) or (_subsections(text, end + gap.end(), sections) if counted else [])
    return _budgeted(text, items)


def _budgeted(text: str, items: list[tuple[int, int]], lead: tuple[int, int] | None = None) -> ListItems | None:
    """The items that fit the word budget, or None when they are too few or too many for a list."""
    if not MIN_ITEMS <= len(items) <= MAX_ITEMS:
        return None
    spans, words = [], 0
    for a, b in items:
        words += len(text[a:b].split())
        if words > MAX_LIST_WORDS:
            break
        spans.append((a, b))
    return ListItems(spans, len(spans) == len(items), lead) if len(spans) >= MIN_ITEMS else None


def enclosing_list(text: str, pos: int, sections: list[Section] | None = None, titled: bool = False) -> ListItems | None:
    """The list whose item holds offset ``pos`` — for a question that asks for the list ("What are
    the three stages…?") when the quoted sentence is one item's — with its lead-in: the heading
    of the section the list opens, or the sentence before the list when it ends with a colon.
    None when ``pos`` is in no list item or the list has no such lead-in. ``titled``: the question
    named the section, so its heading leads the list whatever paragraph comes first ("Traffic is
    assumed: …" before a design's requirements)."""
    start = _list_start(text, pos)
    if start is None:
        return None
    sections = scan_body(text, 0)[0] if sections is None else sections
    section = section_at(sections, start)
    base = section.start if section else 0
    before = text[base:start].rstrip()
    if section and (not before.strip() or titled and not before.endswith(":")):
        return _budgeted(text, _items(text, start), title_span(text, sections, section))
    if not before.endswith(":"):
        return None  # the paragraph before the list does not hand over to it
    end = base + len(before)
    paragraph = base + before.rfind("\n\n") + 2 if "\n\n" in before else base
    breaks = list(SENTENCE_BREAK.finditer(text, paragraph, end))
    a = breaks[-1].end() if breaks else paragraph + len(text[paragraph:end]) - len(text[paragraph:end].lstrip())
    return _budgeted(text, _items(text, start), (a, end))


def items_at(text: str, pos: int) -> list[tuple[int, int]]:
    """The labels (or short first sentences) of the top-level list holding ``pos``, whatever
    comes before it: "the second reason" points into a list the previous turn's passage holds,
    lead-in or not ("…for three reasons, each answering the hook." then "1. **Softmax dilution.**")."""
    start = _list_start(text, pos)
    if start is None or not (ANNOUNCED.search(_paragraph_before(text, start)) or text[:start].rstrip().endswith(":")):
        return []  # a list nothing announces (a worked example's lines) is not what "the second one" means
    items = _item_spans(text, start)
    return items if MIN_ITEMS <= len(items) <= MAX_ITEMS else []


def _paragraph_before(text: str, start: int) -> str:
    before = text[:start].rstrip()
    return before[before.rfind("\n\n") + 1:]


def _list_start(text: str, pos: int) -> int | None:
    """Where the top-level list holding ``pos`` in one of its items begins, or None."""
    line_start = text.rfind("\n", 0, pos) + 1
    first = None
    while True:
        end = text.find("\n", line_start)
        line = text[line_start : len(text) if end < 0 else end]
        if ITEM.match(line) and not line.startswith((" ", "\t")):
            first = line_start
        elif line.strip() and not line.startswith((" ", "\t")):
            break  # a paragraph or heading: the list begins below it
        if line_start == 0:
            break
        line_start = text.rfind("\n", 0, line_start - 1) + 1
    return first


def with_detail(text: str, items: ListItems, whole: bool = False) -> ListItems:
    """``items`` with what each says after its label ("(1) Role-play and persona attacks: … ."),
    for a question that asks for a line on each; as they were when the list has no such lines or
    they would run past twice the list's word budget."""
    if not items.complete or not items.spans:
        return items
    start = text.rfind("\n", 0, items.spans[0][0]) + 1
    # ``whole``: whole items first ("Context bloat. A tool starts … Detect with per-tool token histograms;
    # escalate …"): what each one is, and what the question asks of each, often its second sentence
    tried = [_item_spans(text, start, whole=True)] if whole else []
    for detailed in (*tried, _item_spans(text, start, detailed=True, item_words=2 * MAX_ITEM_WORDS)):
        if len(detailed) == len(items.spans) and sum(len(text[a:b].split()) for a, b in detailed) <= DETAILED_LIST_WORDS:
            return replace(items, spans=detailed)
    return items


def _prose_items(text: str, end: int) -> list[tuple[int, int]]:
    """"…ask three questions in order. First, did something change? If yes, roll back. Second, …":
    the lead-in's paragraph from its first ordinal-opened sentence on, one item per ordinal (an
    item runs to the next ordinal; the paragraph's closing remark after the last is left out)."""
    stop = text.find("\n\n", end)
    sentences = list(PROSE_SENTENCE.finditer(text, end, len(text) if stop < 0 else stop))
    starts = [n for n, m in enumerate(sentences) if ORDINAL_OPENER.match(m.group(1))]
    if not starts or starts[0] != 0:
        return []
    spans = []
    # The last item is as long as the one before it: what follows is the paragraph's own conclusion.
    ends = [nxt - 1 for nxt in starts[1:]] + [starts[-1] + (starts[-1] - starts[-2] - 1 if len(starts) > 1 else 0)]
    for n, last in zip(starts, ends, strict=True):
        spans.append((sentences[n].start(1), sentences[min(last, len(sentences) - 1)].end(1)))
    return spans


def _subsections(text: str, pos: int, sections: list[Section] | None) -> list[tuple[int, int]]:
    """The titles of the subsections whose headings start at ``pos``, when they sit below the
    section the lead-in is in ("A harness applies several strategies, cheapest first." followed
    by a "###" per strategy)."""
    sections = scan_body(text, 0)[0] if sections is None else sections
    k = next((k for k, s in enumerate(sections[:-1]) if s.end == pos), None)
    if k is None or sections[k + 1].level <= sections[k].level:
        return []
    return [title_span(text, sections, s) for s in siblings(sections, sections[k + 1])]


def _items(text: str, pos: int) -> list[tuple[int, int]]:
    """Each item's label with what it says ("Exit 2: blocks the call") when the whole list fits
    the word budget that way; else the labels alone: the whole list beats detail on some items."""
    detailed = _item_spans(text, pos, detailed=True)
    if len(detailed) <= DETAIL_MAX_ITEMS and sum(len(text[a:b].split()) for a, b in detailed) <= MAX_LIST_WORDS:
        return detailed
    return _item_spans(text, pos)


def _item_spans(text: str, pos: int, detailed: bool = False, item_words: int = MAX_ITEM_WORDS,
                whole: bool = False) -> list[tuple[int, int]]:
    """Each top-level item's label (or short first sentence), from ``pos`` to the list's end;
    ``detailed``: a label runs on to the end of the sentence after it, when that has at most
    ``item_words`` words; ``whole``: a labelled item to its line's end."""
    spans: list[tuple[int, int]] = []
    for line_start, line in _lines(text, pos):
        marker = ITEM.match(line)
        if not marker:
            if line.strip() and not line.startswith((" ", "\t")):
                break  # a paragraph after the list ends it
            continue
        if line.startswith((" ", "\t")):
            continue  # a nested item belongs to its parent
        body_start = line_start + marker.end()
        body = text[body_start : line_start + len(line)]
        label = LABEL.match(body)
        if label and whole:
            spans.append((body_start + label.start(0), body_start + len(body.rstrip())))
            continue
        if label:
            rest = FIRST_SENTENCE.match(body, label.end() + len(body[label.end():]) - len(body[label.end():].lstrip()))
            said = (detailed and rest and rest.group(0).rstrip().endswith((".", "!", "?"))  # not cut at a line's end
                    and len(rest.group(0).split()) <= item_words)
            # With what it says, the span holds the label's "**" pair too, so the display drops both.
            spans.append((body_start + label.start(0 if said else 1), body_start + (rest.end() if said else label.end(1))))
            continue
        first = FIRST_SENTENCE.match(body)
        if not first or len(first.group(0).split()) > MAX_ITEM_WORDS:
            return []
        spans.append((body_start, body_start + first.end()))
    return spans


def _lines(text: str, pos: int):  # noqa: ANN202
    """(offset, line) from ``pos`` on, stopping at a blank line that no list item follows."""
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        if not line.strip():
            after = text[end + 1 :].lstrip("\n")
            if not ITEM.match(after) or after.startswith((" ", "\t")):
                return
        else:
            yield pos, line
        pos = end + 1
