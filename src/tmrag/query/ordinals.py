"""Which item a follow-up points at ("explain the second one", "and step 3?"): its ordinal, and the
items of the previous answer it counts through (an enumerated list, inline items after a colon, or
the sibling sections the answer quoted from)."""

from __future__ import annotations

import re

from ..corpus.markdown import Section, scan_body, section_at, siblings
from .wording import COUNT_WORDS

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1, "1st": 1, "2nd": 2,
            "3rd": 3, "4th": 4, "5th": 5}
ORDINAL = re.compile(r"\b(?:the\s+)?(first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+(?:one|step|stage|"
                     r"item|point|part|technique|method|option|way|reason|idea|kind|type|approach|variant|category|"
                     r"attack|phase|metric|number|component|strategy|mode)s?\b"
                     r"|\b(?:number|#|step|stage)\s*([1-9])\b(?![.,]?\d)", re.I)  # "step 0", "step 1,000" are no ordinals
TOP_LEVEL = 2  # "##": a module's main sections
INLINE_LIST = re.compile(r":\s+([^:]+?;[^:]+?)(?:\.\s|\.?$)")  # "… pieces: a, …; b, …; and c, …."


def list_item(answer: str, n: int) -> str | None:
    """The n-th enumerated item of the previous answer ("(2) …", "2. …"); n = -1 is the last.
    None when the answer enumerates nothing: its sentences are evidence, not the list asked for."""
    text = re.sub(r"\s*\[\d+\]", "", answer)
    listed = next((s for s in re.split(r"\s*\[\d+\]\s*", answer) if "(1) " in s), "")  # the list's own sentence
    items = _enumerated(listed)
    items = items if len(items) >= 2 else _enumerated(text)  # items cited one by one
    if len(items) < 2:
        items = _inline_items(text) or _counted_series(text)
    if len(items) < 2 or abs(n) > len(items) or n == 0:
        return None
    return items[n - 1] if n > 0 else items[-1]


def _enumerated(text: str) -> list[str]:
    parts = re.split(r"\(\d\)\s*|\s\d\.\s", text)
    return [m.strip(" ;.…") for m in parts[1:] if m.strip(" ;.…")]  # parts[0] is the lead-in before item 1


def _inline_items(text: str) -> list[str]:
    """"…introduced three pieces: the NF4 data type, …; double quantization, …; and paged
    optimizers, …": the semicolon-separated items after a colon, in the first sentence that has them."""
    for m in INLINE_LIST.finditer(text):
        parts = [p.strip() for p in m.group(1).split(";")]
        # "Pipeline parallelism: assigning …; combining it …" is a definition going on, not two
        # items: a list of two joins its last with "and"/"or"
        if len(parts) == 2 and not re.match(r"(?:and|or)\b", parts[1]):
            continue
        items = [re.sub(r"^(?:and|or|then)\s+", "", p) for p in parts]
        if len(items) >= 2 and all(items):
            return [i.rstrip(".") for i in items]
    return []


# "Three numbers summarise an SAE: L0 (…), the fraction …, and the loss recovered …": a count, a colon,
# then the series (up to the sentence's end).
COUNTED_SERIES = re.compile(rf"\b({'|'.join(COUNT_WORDS)})\b[^:.]*:\s+([^:]+?)(?:\.\s|\.?$)", re.I)


# ", " or ", and " between items, not inside brackets; a lone "and"/"or" before the last of two
SERIES_SPLIT = re.compile(r",\s+(?:and\s+|or\s+)?(?![^(]*\))|\s+(?:and|or)\s+(?=[^,]*$)")


def _counted_series(text: str) -> list[str]:
    """The items of a comma series after a colon, when a count before the colon says how many
    there are; commas inside brackets separate nothing."""
    for m in COUNTED_SERIES.finditer(text):
        parts = [p.strip() for p in SERIES_SPLIT.split(m.group(2))]
        if len(parts) == COUNT_WORDS[m.group(1).lower()] and all(parts):
            return parts
    return []


def sibling_sections(text: str, pos: int, sections: list[Section] | None = None) -> list[str]:
    """The titles of the section around ``pos`` and its siblings (the subsections of its parent),
    in order: what "the second one" points into when the previous answer quoted one of several
    parallel sections ("### Sinusoidal", "### Learned", "### RoPE", "### ALiBi"). ``sections``:
    the text's, when already parsed (a loaded module's)."""
    sections = scan_body(text, 0)[0] if sections is None else sections
    here = section_at(sections, pos)
    # Sections are parallel below a section; a module's own "##" outline is not a list.
    titles = [s.title for s in siblings(sections, here)] if here and here.level > TOP_LEVEL else []
    return titles if len(titles) > 1 else []


LABEL_WORDS = 6  # "Reward modelling. Sample several responses…": a label this short names the item


def item_label(item: str) -> str:
    """A list item by its label when it opens with one ("Reward modelling. Sample…" → "Reward
    modelling"): the label says what is asked about; the description would pull in its own words."""
    head = re.split(r"(?<=[a-z)])[.:]\s+(?=[A-Z])", item, maxsplit=1)[0]
    return head if head != item and len(head.split()) <= LABEL_WORDS else item


def nth(items: list[str], n: int) -> str | None:
    """The n-th item (n = -1: the last), or None when there is no such item."""
    return items[n - 1] if 0 < n <= len(items) else (items[-1] if n == -1 and items else None)


def ordinal(question: str) -> int | None:
    m = ORDINAL.search(question)
    return (ORDINALS[m.group(1).lower()] if m.group(1) else int(m.group(2))) if m else None
