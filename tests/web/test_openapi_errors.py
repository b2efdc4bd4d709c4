"""The OpenAPI document matches behaviour: every documented error is a JSON ErrorResponse (the
HTML pages' 404s too), and the one 400 FastAPI had (a JSON body that is not UTF-8) is the
documented 422 like any other unparsable body."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .edge import client, error, tiny_settings


@pytest.fixture(scope="module")
def c(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return client(tiny_settings(tmp_path_factory.mktemp("openapi")))


def test_every_documented_error_is_a_json_error_response(c: TestClient) -> None:
    spec = c.get("/openapi.json").json()
    assert "ErrorResponse" in spec["components"]["schemas"]
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, doc in operation["responses"].items():
                if int(status) < 400:
                    continue
                assert list(doc["content"]) == ["application/json"], (method, path, status)
                assert doc["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
                checked += 1
    assert checked > 20
    for page in ("/modules/{module_id}", "/sources/{source_id}"):
        assert "404" in spec["paths"][page]["get"]["responses"]
        assert "text/html" in spec["paths"][page]["get"]["responses"]["200"]["content"]


def test_no_400_is_documented_or_sent(c: TestClient) -> None:
    spec = c.get("/openapi.json").json()
    assert not [p for p, ops in spec["paths"].items() for op in ops.values() if "400" in op["responses"]]
    for path in ("/ask", "/search", "/ask/stream"):
        body = b'{"question": "\xff\xfe", "query": "\xff"}'
        resp = c.post(path, content=body, headers={"content-type": "application/json"})
        message = error(resp, 422, "invalid_request")["error"]["message"]
        assert message.startswith("body is not valid JSON (not UTF-8"), message


def test_metrics_is_documented_as_text(c: TestClient) -> None:
    doc = c.get("/openapi.json").json()["paths"]["/metrics"]["get"]["responses"]["200"]
    assert list(doc["content"]) == ["text/plain"]


def test_the_404_a_page_sends_is_the_documented_json(c: TestClient) -> None:
    for path in ("/modules/nope", "/sources/nope"):
        error(c.get(path), 404, "not_found")
