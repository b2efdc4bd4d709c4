"""A published build loaded for querying: chunks, FAISS, BM25 and the sentence vectors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import faiss
import numpy as np

from ..build.chunking import Chunk
from ..build.dense import DenseIndex
from ..build.lexical import LexicalIndex
from ..config import Settings
from ..errors import IndexCorruptError
from ..tokenize import stem_tokens


@dataclass
class LoadedIndex:
    path: Path
    manifest: dict
    chunks: list[Chunk]
    sent_rows: list[int]
    dense: DenseIndex
    lexical: LexicalIndex
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    categories: np.ndarray  # per chunk, "" for sources/glossary
    # The BM25 leg's index: stemmed tokens when settings.bm25_stem, else ``lexical`` itself.
    # ``lexical`` keeps the surface tokens, which the name checks compare against the question.
    bm25: LexicalIndex | None = None
    doc_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # chunk row -> document number

    def __post_init__(self) -> None:
        if self.bm25 is None:
            self.bm25 = self.lexical
        position: dict[str, int] = {}
        self._last_best: tuple[bytes, np.ndarray] | None = None
        self.doc_of = np.array([position.setdefault(c.doc_id, len(position)) for c in self.chunks], dtype=np.int64)

    @classmethod
    def load(cls, path: Path, manifest: dict, settings: Settings) -> LoadedIndex:
        records = [json.loads(line) for line in (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        chunks = [Chunk.from_dict({k: v for k, v in r.items() if k != "sent_row"}) for r in records]
        dense = DenseIndex.load(path / "dense.faiss")
        if dense.ntotal != len(chunks):
            raise IndexCorruptError(f"dense index has {dense.ntotal} vectors for {len(chunks)} chunks: run `tmrag index --full`")
        flat = faiss.downcast_index(dense.index.index)
        vectors = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d).copy()
        tokens = json.loads((path / "bm25.json").read_text())["tokens"]
        sentences = np.load(path / "sentences.npy", allow_pickle=False)
        cats = np.array([c.category or "" for c in chunks], dtype=object)
        lexical = LexicalIndex(tokens, settings.bm25_k1, settings.bm25_b)
        bm25 = LexicalIndex([stem_tokens(t) for t in tokens], settings.bm25_k1, settings.bm25_b) \
            if settings.bm25_stem else lexical
        return cls(path, manifest, chunks, [r["sent_row"] for r in records], dense, lexical, vectors, sentences,
                   cats, bm25)

    def sentence_vectors_of(self, i: int) -> np.ndarray:
        start = self.sent_rows[i]
        return self.sentence_vectors[start : start + len(self.chunks[i].sentences)]

    def best_sentences(self, qvec: np.ndarray) -> np.ndarray:
        """Each chunk's best contextual sentence cosine (its chunk cosine when it has none: a table
        or a code block). The last query's scores are kept: the sentence-unit dense leg and the
        document tail both ask for them (one tuple, replaced whole, so concurrent queries are safe)."""
        key = qvec.tobytes()
        last = self._last_best
        if last is not None and last[0] == key:
            return last[1]
        best = self._best_sentences(qvec)
        self._last_best = (key, best)
        return best

    def _best_sentences(self, qvec: np.ndarray) -> np.ndarray:
        best = self.chunk_vectors @ qvec
        has = self._with_sentences
        if has.any():
            # sentence rows of consecutive chunks are contiguous, so each segment is one chunk's
            best[has] = np.maximum.reduceat(self.sentence_vectors @ qvec, np.asarray(self.sent_rows)[has])
        return best

    @cached_property
    def _with_sentences(self) -> np.ndarray:
        return np.fromiter((len(c.sentences) > 0 for c in self.chunks), dtype=bool, count=len(self.chunks))

    def mask(self, categories: list[str] | None) -> np.ndarray | None:
        if not categories:
            return None
        return np.isin(self.categories, list(categories))

