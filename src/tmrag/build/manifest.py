"""The build manifest: what an index was built from (model, chunker, BM25 parameters, document
hashes, library versions), and the check that a loaded index matches what the settings and
corpus would build now."""

from __future__ import annotations

from importlib import metadata

from .. import __version__
from ..config import Settings
from ..corpus.model import Corpus
from ..errors import StaleIndexError, preview
from ..files import sha256_file
from ..tokenize import TOKENIZER_VERSION
from .chunking import CHUNKER_VERSION
from .protocol import TextEmbedder

SCHEMA_VERSION = 1


def compare_manifest(manifest: dict, expected: dict) -> list[str]:
    """Human-readable differences between a stored manifest and what settings+corpus expect."""
    problems = []
    for section in ("embedding", "chunker", "bm25"):
        have, want = manifest.get(section, {}), expected[section]
        for key, value in want.items():
            if have.get(key) != value:
                problems.append(f"{section}.{key}: built with {have.get(key)!r}, configured {value!r}")
    have_docs, want_docs = manifest.get("documents", {}), expected["documents"]
    changed = sorted(k for k in want_docs if k in have_docs and have_docs[k] != want_docs[k])
    added = sorted(set(want_docs) - set(have_docs))
    removed = sorted(set(have_docs) - set(want_docs))
    for label, ids in (("changed", changed), ("new", added), ("deleted", removed)):
        if ids:
            problems.append(f"{label} since the build: {preview(ids)}")
    return problems


def ensure_fresh(manifest: dict, expected: dict) -> None:
    problems = compare_manifest(manifest, expected)
    if problems:
        raise StaleIndexError("index does not match the configuration or corpus (" + "; ".join(problems) + "): run `tmrag index`")


def document_hashes(corpus: Corpus) -> dict[str, str]:
    docs = {f"modules/{m.id}": m.content_hash for m in corpus.modules.values()}
    for name in ("bibliography.jsonl", "glossary.jsonl"):
        path = corpus.root / name
        docs[name] = sha256_file(path) if path.exists() else ""
    return docs


def expected_manifest(settings: Settings, corpus: Corpus, embedder: TextEmbedder) -> dict:
    """The parts of a manifest that settings and corpus determine; loading compares them."""
    return {
        "embedding": {
            "model": settings.embedding_model, "sha256": embedder.sha256,
            "dimension": embedder.dimension, "max_seq_length": embedder.max_seq_length,
        },
        "chunker": {
            "version": CHUNKER_VERSION, "chunk_tokens": settings.chunk_tokens,
            "overlap_sentences": settings.chunk_overlap_sentences, "tokenizer": "cl100k_base",
        },
        "bm25": {"k1": settings.bm25_k1, "b": settings.bm25_b, "tokenizer_version": TOKENIZER_VERSION},
        "documents": document_hashes(corpus),
    }


def libraries() -> dict[str, str]:
    names = ("faiss-cpu", "rank-bm25", "sentence-transformers", "torch", "onnxruntime", "numpy", "tiktoken")
    out = {"tmrag": __version__}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out

