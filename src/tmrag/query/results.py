"""Typed search results: where a passage lives (module section, bibliography entry or glossary
term, with its wiki URL) and what the index was built from. Serialised only at the edges."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..build.chunking import Chunk
from ..corpus.model import Corpus
from ..corpus.site import module_page
from ..names import ChunkKind


class Strict(BaseModel):
    """Results never carry undeclared fields, so the documented contract is the whole contract."""

    model_config = ConfigDict(extra="forbid")


class Location(Strict):
    kind: ChunkKind
    module_id: str | None
    source_id: str | None
    title: str
    section: str | None
    anchor: str | None
    url: str | None


class SearchHit(Location):
    text: str
    score: float


class IndexInfo(Strict):
    build_id: str
    fingerprint: str
    created: str
    embedding_model: str
    chunks: int


class SearchResults(Strict):
    results: list[SearchHit]
    timings_ms: dict[str, float]
    index: IndexInfo


def locate(chunk: Chunk, corpus: Corpus) -> Location:
    """A chunk's place in the notes, with its URL where the corpus is published (or the source's own URL)."""
    url = None
    if chunk.kind == "module" and chunk.module_id:
        url = module_page(corpus.module_url, chunk.module_id, chunk.anchor)
    elif chunk.kind == "source":
        url = corpus.sources[chunk.source_id].url
    return Location(kind=chunk.kind, module_id=chunk.module_id, source_id=chunk.source_id, title=chunk.title,
                    section=chunk.section, anchor=chunk.anchor, url=url)


def index_info(manifest: dict) -> IndexInfo:
    return IndexInfo(build_id=manifest["build_id"], fingerprint=manifest["fingerprint"], created=manifest["created"],
                     embedding_model=manifest["embedding"]["model"], chunks=manifest["counts"]["chunks"])


def round_timings(timings: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in timings.items()}
