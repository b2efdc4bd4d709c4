"""The /quiz/* HTTP contract, fast: the small study corpus indexed with the fake embedder behind
the real app. Shapes, status codes and JSON errors like the rest of the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tmrag.build.indexer import build_index
from tmrag.config import Settings
from tmrag.engine import Engine
from tmrag.study.types import GradedAnswer, NextCard, ProgressReport
from tmrag.web.app import create_app

from ..fakes import FakeEmbedder
from ..study.conftest import make_corpus
from .test_contract import _error

GOOD = ("Dot products of random vectors grow with the dimension, so unscaled scores get large. "
        "Large scores saturate the softmax and its gradients vanish.")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("quiz")
    settings = Settings(corpus_dir=make_corpus(root / "corpus"), index_dir=root / "indexes", chunk_tokens=60,
                        data_dir=root / "data")
    embedder = FakeEmbedder()
    build_index(settings, embedder=embedder)
    app = create_app(settings, engine_factory=lambda s: Engine.open(s, embedder=embedder), load_in_background=False)
    yield TestClient(app, raise_server_exceptions=False)


def test_a_round_next_answer_progress(client: TestClient) -> None:
    first = client.post("/quiz/next", json={"learner": "ann", "modules": ["attention"]})
    assert first.status_code == 200, first.text
    body = NextCard.model_validate(first.json()).model_dump()
    assert set(first.json()) == {"card", "due_count", "new_count"}
    assert set(first.json()["card"]) == {"id", "kind", "prompt", "module_id", "section", "category"}
    assert body["card"]["module_id"] == "attention" and body["due_count"] == 0 and body["new_count"] == 3
    q1 = client.post("/quiz/next", json={"learner": "ann", "modules": ["attention"]}).json()["card"]
    assert q1["id"] == body["card"]["id"]  # unanswered: still the next card

    graded = client.post("/quiz/answer", json={"learner": "ann", "card_id": q1["id"], "answer": GOOD})
    assert graded.status_code == 200, graded.text
    result = GradedAnswer.model_validate(graded.json())
    assert {"score", "rating", "covered", "missed", "reference", "next_due"} <= set(graded.json())
    assert 0 <= result.score <= 1 and result.rating in ("hard", "good", "easy")
    cites = result.reference.citations
    assert [c.marker for c in cites] == list(range(1, len(cites) + 1))
    text = client.get(f"/modules/{cites[0].module_id}").text  # the citation's span is the key point in the file
    assert cites[0].kind == "module" and cites[0].spans and cites[0].quote in GOOD + text

    after = client.post("/quiz/next", json={"learner": "ann", "modules": ["attention"]}).json()
    assert after["card"]["id"] != q1["id"] and after["new_count"] == 2

    progress = client.get("/quiz/progress", params={"learner": "ann"})
    report = ProgressReport.model_validate(progress.json())
    attention = next(m for m in report.modules if m.name == "attention")
    assert attention.seen == 1 and attention.mean_score == result.score and attention.cards == 3
    assert [c.name for c in report.categories] == ["The Transformer"]
    other = ProgressReport.model_validate(client.get("/quiz/progress", params={"learner": "bob"}).json())
    assert all(r.seen == 0 for r in other.modules)  # keyed by learner


def test_missed_points_cite_like_ask(client: TestClient) -> None:
    card = client.post("/quiz/next", json={"learner": "cat", "modules": ["kv-cache"]}).json()["card"]
    body = client.post("/quiz/answer", json={"learner": "cat", "card_id": card["id"], "answer": "I don't know"}).json()
    assert body["score"] == 0 and body["rating"] == "again" and body["covered"] == [] and body["flags"] == ["idk"]
    cites = {c["marker"]: c for c in body["reference"]["citations"]}
    for point in body["missed"]:
        c = cites[point["marker"]]
        assert set(c) >= {"marker", "kind", "module_id", "quote", "quote_text", "spans", "start", "end", "url", "chunk_id"}
        assert f"[{point['marker']}]" in body["reference"]["text"]


@pytest.mark.parametrize(("path", "payload", "status", "code"), [
    ("/quiz/next", {"learner": ""}, 422, "invalid_request"),
    ("/quiz/next", {"learner": "a b"}, 422, "invalid_request"),
    ("/quiz/next", {}, 422, "invalid_request"),
    ("/quiz/next", {"learner": "ann", "categories": ["Cooking"]}, 422, "invalid_request"),
    ("/quiz/next", {"learner": "ann", "modules": ["no-such-module"]}, 422, "invalid_query"),
    ("/quiz/next", {"learner": "ann", "categories": ["Inference"]}, 404, "not_found"),
    ("/quiz/answer", {"learner": "ann", "card_id": "nope", "answer": "x"}, 404, "not_found"),
    ("/quiz/answer", {"learner": "ann", "card_id": "x", "answer": "x" * 4001}, 422, "invalid_request"),
    ("/quiz/answer", {"learner": "ann", "card_id": "x"}, 422, "invalid_request"),
])
def test_errors_are_json(client: TestClient, path: str, payload: dict, status: int, code: str) -> None:
    _error(client.post(path, json=payload), status, code)


def test_progress_needs_a_learner_and_post_needs_json(client: TestClient) -> None:
    _error(client.get("/quiz/progress"), 422, "invalid_request")
    _error(client.get("/quiz/progress", params={"learner": "../etc"}), 422, "invalid_request")
    _error(client.post("/quiz/next", content=b"learner=ann", headers={"content-type": "text/plain"}), 415,
           "unsupported_media_type")
    _error(client.get("/quiz/next"), 405, "method_not_allowed")


def test_openapi_documents_the_quiz_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/quiz/next", "/quiz/answer", "/quiz/progress"} <= set(paths)
    assert "404" in paths["/quiz/answer"]["post"]["responses"]
    # the served module ids are the only modules a schema-valid request names (an unknown one is a 422)
    modules = client.get("/openapi.json").json()["components"]["schemas"]["QuizNextRequest"]["properties"]["modules"]
    arrays = [s for s in modules.get("anyOf", [modules]) if s.get("type") == "array"]
    assert arrays and sorted(arrays[0]["items"]["enum"]) == sorted(client.app.state.engine_state.module_ids())


def test_answers_are_rate_limited_like_ask(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=make_corpus(tmp_path / "corpus"), index_dir=tmp_path / "indexes", chunk_tokens=60,
                        data_dir=tmp_path / "data", rate_limit="2/minute")
    embedder = FakeEmbedder()
    build_index(settings, embedder=embedder)
    app = create_app(settings, engine_factory=lambda s: Engine.open(s, embedder=embedder), load_in_background=False)
    client = TestClient(app, raise_server_exceptions=False)
    card = client.post("/quiz/next", json={"learner": "ann"}).json()["card"]["id"]
    answers = [client.post("/quiz/answer", json={"learner": "ann", "card_id": card, "answer": "x"}) for _ in range(3)]
    assert [r.status_code for r in answers[:2]] == [200, 200]
    _error(answers[2], 429, "rate_limited")
    assert client.post("/quiz/next", json={"learner": "ann"}).status_code == 200  # only grading runs the model


def test_the_learner_file_is_under_the_data_dir(client: TestClient) -> None:
    assert client.get("/quiz/progress", params={"learner": "dee"}).status_code == 200  # the app opens the store on first use
    study = client.app.state.study.study
    assert study.store.path.name == "study.sqlite3" and study.store.path.parent.name == "data"
    assert Path(study.store.path).exists()
