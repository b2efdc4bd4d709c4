"""Things the notes name as a list item's bold label ("- **Index staleness.** New uploads stop
appearing. Detect with …"). A comparison of two such items ("feedback loop collapse vs index
staleness: how does each show up, how do you detect it?") is answered by the items themselves:
picked sentence by sentence, one item's detection line lands beside the other's symptom, and the
label that says which is which is lost."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..query.loaded_index import LoadedIndex
from ..query.ranking import Ranking
from ..query.wording import LEADING_ARTICLE
from .listing import ITEM
from .quotes import Quote, renumbered

# "- **Index staleness.** …", "3. **Fusion.** …": a list item that opens with its bold label.
LABELLED_ITEM = re.compile(rf"^{ITEM.pattern}\*\*(?P<label>[^*\n]{{2,60}}?)[.:]?\*\*", re.M)
# Where an item ends: the next item, a blank line or a heading.
ITEM_END = re.compile(rf"\n(?={ITEM.pattern}|\s*\n|#)")
ITEM_SENTENCES = 3  # the label and what it says: symptom, detection, fix; more is the next paragraph's job
# "Search-API outage or slowdown" is named by "search-API outage"; "(earlier layer)" qualifies a label.
LABEL_TAIL = re.compile(r"\s+(?:or|and)\s.*$|\s*\(.*\)$")


@dataclass(frozen=True, slots=True)
class Item:
    """A labelled item's sentences, label first: in one chunk, or the label closing one chunk and
    the rest opening the next."""

    parts: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]  # (chunk row, sentence spans) in order


def label_key(text: str) -> str:
    """A label or side as compared: lower case, no leading article, no closing period."""
    return " ".join(LEADING_ARTICLE.sub("", text.strip().lower()).rstrip(".:").split())


class LabelledItems:
    """Every labelled list item of the notes, by its label (and by the label's head, "search-API
    outage" of "Search-API outage or slowdown")."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index

    @cached_property
    def by_label(self) -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = {}
        for row, chunk in enumerate(self.index.chunks):
            if chunk.kind != "module":
                continue
            for m in LABELLED_ITEM.finditer(chunk.text):
                item = self.item_at(row, m.start())
                if item is None:
                    continue
                label = label_key(m.group("label"))
                for key in dict.fromkeys((label, label_key(LABEL_TAIL.sub("", label)))):
                    out.setdefault(key, []).append(item)
        return out

    def item_at(self, row: int, start: int) -> Item | None:
        """The item whose line starts at ``start`` in chunk ``row``; it runs on into the next chunk
        when the chunk ends after its label. None for a label with nothing after it."""
        chunk = self.index.chunks[row]
        end = ITEM_END.search(chunk.text, start + 1)
        spans = tuple(sp for sp in chunk.sentences if start <= sp[0] < (end.start() if end else len(chunk.text)))
        parts = [(row, spans[:ITEM_SENTENCES])]
        nxt = self.index.chunks[row + 1] if row + 1 < len(self.index.chunks) else None
        if len(spans) == 1 and end is None and nxt is not None and nxt.module_id == chunk.module_id and nxt.sentences:
            cut = ITEM_END.search(nxt.text)
            more = tuple(sp for sp in nxt.sentences if sp[0] < (cut.start() if cut else len(nxt.text)))
            parts.append((row + 1, more[:ITEM_SENTENCES - 1]))
        return Item(tuple(parts)) if sum(len(p[1]) for p in parts) >= 2 else None

    def named(self, side: str, modules: list[str]) -> Item | None:
        """The item a side names, in the first of ``modules`` (best first) that has one."""
        items = self.by_label.get(label_key(side), [])
        ranked = {m: n for n, m in enumerate(modules)}
        inside = [i for i in items if self.module(i) in ranked]
        return min(inside, key=lambda i: ranked[self.module(i)]) if inside else None

    def modules(self, *rankings: Ranking) -> list[str]:
        """The modules of the rankings' passages, best first."""
        return list(dict.fromkeys(self.index.chunks[c.row].module_id for r in rankings for c in r.results
                                  if self.index.chunks[c.row].kind == "module"))

    def module(self, item: Item) -> str:
        return self.index.chunks[item.parts[0][0]].module_id

    def compared(self, ranking: Ranking, side_rankings: list[Ranking]) -> list[Quote] | None:
        """Each side's item, when every side of the comparison is an item's label in a module its
        retrieval found; None otherwise."""
        found = []
        for side, own in zip(ranking.intent.sides, side_rankings, strict=True):
            item = self.named(side, self.modules(own, ranking))
            if item is None:
                return None
            found += [Quote(row, list(spans), 0, list(spans)) for row, spans in item.parts if spans]
        return renumbered(found)
