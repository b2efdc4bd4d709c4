"""Embedding cache: vectors keyed by (model fingerprint, text hash), so unchanged text is
never embedded twice across builds."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from ..files import atomic_write_bytes, atomic_write_text, npy_bytes
from .embedding import text_key
from .progress import Progress
from .protocol import TextEmbedder


class EmbeddingCache:
    """Vectors already computed by one model fingerprint, stored as plain NPY + JSON keys.

    keys.json records the SHA-256 of the vectors.npy it was written with: the two files are
    replaced one after the other, and a pair from different saves (a crash in between, two
    builds at once) would otherwise hand chunks each other's vectors. A cache that does not
    verify is ignored and rebuilt: it only ever saves time."""

    def __init__(self, root: Path, fingerprint: str, dimension: int, load: bool = True) -> None:
        self.dir = root / fingerprint.replace("/", "_")
        self.dimension = dimension
        self.keys: list[str] = []
        self.vectors = np.zeros((0, dimension), dtype=np.float32)
        self.discarded: str | None = None  # why an existing cache was not used
        if load and (self.dir / "keys.json").exists():
            self._load()
        self.row = {k: i for i, k in enumerate(self.keys)}
        self.used: set[str] = set()  # keys read or written by this build

    def _load(self) -> None:
        try:
            meta = json.loads((self.dir / "keys.json").read_text(encoding="utf-8"))
            raw = (self.dir / "vectors.npy").read_bytes()
            if not isinstance(meta, dict) or meta.get("vectors_sha256") != hashlib.sha256(raw).hexdigest():
                raise ValueError("keys.json does not match vectors.npy")
            vecs = np.load(io.BytesIO(raw), allow_pickle=False)
            if len(meta["keys"]) != len(vecs) or vecs.shape[1:] != (self.dimension,):
                raise ValueError("keys and vectors differ in shape")
            self.keys, self.vectors = list(meta["keys"]), vecs
        except (OSError, ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
            self.discarded = f"embedding cache in {self.dir} was unreadable ({exc}) and is rebuilt"

    def embed_in_context(
        self, texts: list[str], spans: list[list[tuple[int, int]]], embedder: TextEmbedder,
        progress: Progress | None = None,
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Chunk vectors, flat sentence vectors (in chunk order) and the number of chunks encoded.
        A sentence vector is cached under ``<chunk key>:<start>-<end>``: the same chunk text split
        into other sentences (a chunker change) must not get the old split's vectors."""
        keys = [text_key(t) for t in texts]
        sent_keys = [[f"{k}:{a}-{b}" for a, b in s] for k, s in zip(keys, spans, strict=True)]
        todo = [i for i, k in enumerate(keys) if k not in self.row or any(sk not in self.row for sk in sent_keys[i])]
        if progress:
            progress.note("embedding", f"{len(todo)} of {len(texts)} chunks to embed, the rest from the cache")
        if todo:
            docs, sents = embedder.encode_in_context([texts[i] for i in todo], [spans[i] for i in todo], progress)
            new_keys, new_vecs = [], []
            for n, i in enumerate(todo):
                new_keys += [keys[i], *sent_keys[i]]
                new_vecs += [docs[n][None, :], sents[n]]
            self._put(new_keys, np.vstack(new_vecs))
        chunk_vecs = self.vectors[[self.row[k] for k in keys]] if keys else np.zeros((0, self.dimension), np.float32)
        sent_rows = [self.row[sk] for sks in sent_keys for sk in sks]
        sent_vecs = self.vectors[sent_rows] if sent_rows else np.zeros((0, self.dimension), np.float32)
        self.used.update(keys, *sent_keys)
        return chunk_vecs, sent_vecs, len(todo)

    def _put(self, keys: list[str], vecs: np.ndarray) -> None:
        """Add or overwrite: a fresh encoding replaces whatever the cache held under a key."""
        added: dict[str, int] = {}
        for n, k in enumerate(keys):
            if k in self.row:
                self.vectors[self.row[k]] = vecs[n]
            else:
                added[k] = n  # a key twice in one batch (two chunks, one text): the last wins
        self.row.update({k: len(self.keys) + i for i, k in enumerate(added)})
        self.keys += list(added)
        self.vectors = np.vstack([self.vectors, vecs[list(added.values())]])

    def prune_unused(self) -> None:
        """Keep only the vectors this build used, so the cache does not grow without bound."""
        keep = [i for i, k in enumerate(self.keys) if k in self.used]
        self.keys = [self.keys[i] for i in keep]
        self.vectors = self.vectors[keep]
        self.row = {k: i for i, k in enumerate(self.keys)}

    def save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        raw = npy_bytes(self.vectors)
        atomic_write_bytes(self.dir / "vectors.npy", raw)
        atomic_write_text(self.dir / "keys.json", json.dumps({"vectors_sha256": hashlib.sha256(raw).hexdigest(),
                                                              "keys": self.keys}))

