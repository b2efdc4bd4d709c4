"""Shared by the edge tests (metrics, request ids, rate limits, hosts, OpenAPI): a tiny index built
with the fake embedder, and a TestClient over the real app on it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tmrag.build.indexer import build_index
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.web.app import create_app
from tmrag.web.schemas import ErrorResponse

from ..fakes import FakeEmbedder, write_corpus

ANSWERED = "Why are the attention scores scaled by the square root of the key width?"
OFF_TOPIC = "Where should I go hiking in spring?"  # far below the abstention threshold with the fake


def tiny_settings(root: Path, **overrides: object) -> Settings:
    settings = Settings(corpus_dir=write_corpus(root / "corpus"), index_dir=root / "indexes", chunk_tokens=60)
    build_index(settings, embedder=FakeEmbedder())
    return settings.model_copy(update=overrides)


def client(settings: Settings, factory=None, **kwargs: object) -> TestClient:  # noqa: ANN001
    """``kwargs`` go to TestClient (base_url, client) except ``bind_host``, which goes to create_app."""
    embedder = FakeEmbedder()
    app = create_app(settings, engine_factory=factory or (lambda s: Engine.open(s, embedder=embedder)),
                     load_in_background=False, bind_host=kwargs.pop("bind_host", None))
    return TestClient(app, raise_server_exceptions=False, **kwargs)


def error(resp, status: int, code: str) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = ErrorResponse.model_validate(resp.json()).model_dump()
    assert body["error"]["code"] == code and body["error"]["message"]
    return body
