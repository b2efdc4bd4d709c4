"""The build manifest: what an index was built from (model, chunker, BM25 parameters, document
hashes, library versions), and the check that a loaded index matches what the settings and
corpus would build now."""

from __future__ import annotations

from importlib import metadata
from typing import Annotated, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError, field_validator

from .. import __version__
from ..config import Settings
from ..corpus.model import Corpus
from ..errors import IndexCorruptError, StaleIndexError, preview
from ..files import sha256_file
from ..tokenize import TOKENIZER_VERSION
from .chunking import CHUNKER_VERSION
from .protocol import TextEmbedder

SCHEMA_VERSION = 1
DataFile = Literal["chunks.jsonl", "dense.faiss", "sentences.npy", "bm25.json"]
DATA_FILES: tuple[str, ...] = get_args(DataFile)
SNAPSHOT_DIR = "corpus"  # the build's copy of its corpus (build/snapshot.py), in the corpus folder format
# A file of that copy: a module file directly in modules/, or one of the two JSONL files; never a path out of it.
SnapshotFile = Annotated[str, Field(pattern=r"^(modules/[^./\\][^/\\]*\.md|bibliography\.jsonl|glossary\.jsonl)$")]
BUILD_ID = r"[0-9A-Za-z][0-9A-Za-z_-]{0,99}"  # a folder name in builds/, never a path
SHA256 = r"^[0-9a-f]{64}$"  # a file hash as sha256_file writes it: 64 lowercase hex digits
ERRORS_SHOWN = 3  # schema errors named in one message; the rest are counted

Scalar = str | int | float | bool | None  # what a settings value in a section can be


class _Strict(BaseModel):
    # JSON as written, no coercion ("1" is not 1); fields this version does not read are kept.
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class EmbeddingSection(_Strict):
    model: str
    sha256: str
    dimension: int = Field(gt=0)
    max_seq_length: int = Field(gt=0)


class Counts(_Strict):
    documents: NonNegativeInt
    chunks: NonNegativeInt
    sentences: NonNegativeInt
    modules: NonNegativeInt
    sources: NonNegativeInt
    glossary: NonNegativeInt


class Manifest(_Strict):
    """The schema of manifest.json, the one place its shape is defined: a build validates what it
    writes against it, and every reader validates what it loads before using a field. ``chunker``
    and ``bm25`` are compared key by key with what the settings would build, so any scalar
    values are well formed there; a missing or changed key makes the index stale, not corrupt."""

    schema_version: int  # SCHEMA_VERSION: validate_manifest refuses another version as stale first
    build_id: Annotated[str, Field(pattern=f"^{BUILD_ID}$")]
    created: str
    fingerprint: str
    files: dict[DataFile, Annotated[str, Field(pattern=SHA256)]]
    counts: Counts
    embedding: EmbeddingSection
    chunker: dict[str, Scalar]
    bm25: dict[str, Scalar]
    documents: dict[str, str]
    snapshot: dict[SnapshotFile, Annotated[str, Field(pattern=SHA256)]] | None = None  # None: a build without a copy

    @field_validator("files")
    @classmethod
    def _every_data_file(cls, files: dict[str, str]) -> dict[str, str]:
        missing = [n for n in DATA_FILES if n not in files]
        if missing:
            raise ValueError("no hash for " + ", ".join(missing))  # an unhashed file would go unverified
        return files


def validate_manifest(data: object, bid: str) -> dict:
    """``data`` (parsed manifest.json of build ``bid``) if it matches :class:`Manifest`; any other
    shape is damage (IndexCorruptError), another schema version is StaleIndexError."""
    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version != SCHEMA_VERSION:
        raise StaleIndexError(f"index schema {version} but this tmrag reads {SCHEMA_VERSION}: run `tmrag index`")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'manifest'}: {e['msg']}" for e in exc.errors()]
        raise IndexCorruptError(f"manifest of index build {bid} is malformed ({preview(problems, ERRORS_SHOWN)}): "
                                "run `tmrag index`") from None
    if manifest.build_id != bid:
        raise IndexCorruptError(f"manifest of index build {bid} names build {manifest.build_id}: run `tmrag index`")
    return cast(dict, data)  # Manifest accepts only a JSON object


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

