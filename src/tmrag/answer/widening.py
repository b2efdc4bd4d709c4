"""Numeric questions: the rest of a top passage's section is candidate evidence too.

A worked example spans several chunks of one section ("Worked numbers", "MinHash banding with 14
bands of 8"): the set-up and the first case rank high, and the chunk holding the asked result
ranks below prose from elsewhere, so the top passages alone miss it (dev: half of the numeric
misses). The section's other chunks are the same example, so they are the place to look.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..build.chunking import Chunk

SectionKey = tuple[str, str]  # (module id, section anchor)


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A chunk of a top passage's section, with the rank of the passage that brought it."""

    rank: int
    row: int


class SectionRows:
    """The module chunks of each section, in document order."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        rows: dict[SectionKey, list[int]] = defaultdict(list)
        for row, chunk in enumerate(chunks):
            if chunk.kind == "module" and chunk.module_id and chunk.anchor:
                rows[(chunk.module_id, chunk.anchor)].append(row)
        self.rows = dict(rows)
        self.chunks = chunks
        by_module: dict[str, list[SectionKey]] = defaultdict(list)
        for key in self.rows:
            by_module[key[0]].append(key)
        self.by_module = dict(by_module)

    def titled(self, module_id: str) -> list[tuple[str, list[int]]]:
        """Each section of a module, in document order: its title and its chunk rows."""
        keys = sorted(self.by_module.get(module_id, []), key=lambda k: self.rows[k][0])
        return [(self.chunks[self.rows[k][0]].section or "", self.rows[k]) for k in keys]

    def neighbours(self, top: Sequence[int]) -> list[Neighbour]:
        """The other chunks of the sections ``top`` (passage rows, best first) fall in, each
        with its best passage's rank; the top passages themselves are not repeated."""
        seen, out = set(top), []
        for rank, row in enumerate(top):
            chunk = self.chunks[row]
            for other in self.rows.get((chunk.module_id, chunk.anchor), []) if chunk.kind == "module" else []:
                if other not in seen:
                    seen.add(other)
                    out.append(Neighbour(rank, other))
        return out
