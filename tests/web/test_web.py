"""HTTP contract and error paths with FastAPI's TestClient."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tmrag.web.app import create_app
from tmrag.web.limits import PAGE_CSP
from tmrag.web.schemas import AskResponse, SearchResponse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(real_settings, real_engine) -> TestClient:  # noqa: ANN001
    app = create_app(real_settings, engine_factory=lambda _s: real_engine, load_in_background=False)
    return TestClient(app, raise_server_exceptions=False)


def _error(resp, status: int, code: str) -> dict:  # noqa: ANN001
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert "Traceback" not in resp.text
    return body


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["index"]["build_id"]


def test_ask_contract(client: TestClient) -> None:
    r = client.post("/ask", json={"question": "Why does LayerNorm replace BatchNorm in transformers?"}).json()
    assert set(r) >= {"answer", "abstained", "citations", "sources", "index", "timings_ms"}
    assert not r["abstained"] and "[1]" in r["answer"]
    c = r["citations"][0]
    assert set(c) >= {"marker", "kind", "module_id", "source_id", "title", "section", "anchor", "url", "quote"}
    for s in r["sources"]:
        assert set(s) == {"id", "kind", "citation", "title", "year", "url", "annotation"}


def test_search_contract_and_category_filter(client: TestClient) -> None:
    r = client.post("/search", json={"query": "continuous batching", "k": 3, "categories": ["Inference"]}).json()
    assert len(r["results"]) == 3 and "timings_ms" in r
    assert all(x["kind"] == "module" for x in r["results"])


def test_stream_emits_citations_answer_done(client: TestClient) -> None:
    with client.stream("POST", "/ask/stream", json={"question": "What is top-p sampling?"}) as resp:
        text = "".join(resp.iter_text())
    events = [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("event: ")]
    assert events[0] == "citations" and events[-1] == "done" and "answer" in events
    datas = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    assert "timings_ms" in datas[-1]


def test_validation_errors(client: TestClient) -> None:
    _error(client.post("/ask", content=b"{not json", headers={"content-type": "application/json"}), 422, "invalid_request")
    _error(client.post("/ask", json={"question": "x" * 2001}), 422, "invalid_request")
    _error(client.post("/ask", json={"question": ""}), 422, "invalid_request")
    body = _error(client.post("/ask", json={"question": "hi", "categories": ["Cooking"]}), 422, "invalid_request")
    assert "Cooking" in body["error"]["message"]
    _error(client.post("/search", json={"query": "x", "k": 500}), 422, "invalid_request")


def test_not_found_and_method_not_allowed(client: TestClient) -> None:
    _error(client.get("/nope"), 404, "not_found")
    _error(client.get("/ask"), 405, "method_not_allowed")
    _error(client.get("/modules/no-such-module"), 404, "not_found")
    _error(client.get("/sources/no-such-source"), 404, "not_found")
    for trick in ("/modules/..%2F..%2Fetc%2Fpasswd", "/modules/ATTENTION", "/sources/..%2Fcorpus"):
        assert client.get(trick).status_code == 404
        assert client.get(trick).json()["error"]["code"] == "not_found"


def test_oversized_bodies_are_rejected_even_when_chunked(client: TestClient) -> None:
    big = json.dumps({"question": "x" * 40000}).encode()
    _error(client.post("/ask", content=big, headers={"content-type": "application/json"}), 413, "payload_too_large")

    def chunks():  # noqa: ANN202 - no Content-Length: httpx sends Transfer-Encoding: chunked
        for i in range(0, len(big), 1000):
            yield big[i : i + 1000]

    _error(client.post("/ask", content=chunks(), headers={"content-type": "application/json"}), 413,
           "payload_too_large")


def test_module_viewer_highlights_the_cited_span(client: TestClient, real_engine) -> None:  # noqa: ANN001
    r = client.post("/ask", json={"question": "How does FlashAttention avoid writing the attention matrix?"}).json()
    c = next(c for c in r["citations"] if c["kind"] == "module")
    hl = ",".join(f"{a}-{b}" for a, b in c["spans"])
    page = client.get(f"/modules/{c['module_id']}?hl={hl}")
    assert page.status_code == 200 and '<mark class="cited" id="cited">' in page.text
    assert f'id="{c["anchor"]}"' in page.text  # heading anchors are the citation anchors
    assert 'href="/sources/' in page.text
    _error(client.get(f"/modules/{c['module_id']}?hl=9-2"), 422, "invalid_request")


def test_source_page_lists_citing_sections(client: TestClient) -> None:
    page = client.get("/sources/su-2021-rope")
    assert page.status_code == 200 and "/modules/positional-encoding" in page.text


def test_chat_page_is_served_offline(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "http://" not in page.text.replace("http://127.0.0.1", "") and "https://cdn" not in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/openapi.json").json()["paths"]["/ask"]


def test_unexpected_errors_are_json_500(real_settings, real_engine) -> None:  # noqa: ANN001
    class Broken:
        def ask(self, *a, **k):  # noqa: ANN002, ANN003, ANN202
            raise RuntimeError("secret internals")

    app = create_app(real_settings, engine_factory=lambda _s: Broken(), load_in_background=False)
    resp = TestClient(app, raise_server_exceptions=False).post("/ask", json={"question": "hi"})
    _error(resp, 500, "internal_error")
    assert "secret internals" not in resp.text


def test_stale_index_makes_readyz_and_ask_503(real_settings) -> None:  # noqa: ANN001
    stale = real_settings.model_copy(update={"chunk_tokens": real_settings.chunk_tokens + 1})
    client = TestClient(create_app(stale, load_in_background=False), raise_server_exceptions=False)
    assert client.get("/healthz").status_code == 200
    body = _error(client.get("/readyz"), 503, "index_stale")
    assert "run `tmrag index`" in body["error"]["message"]
    _error(client.post("/ask", json={"question": "hi"}), 503, "index_stale")


@pytest.mark.parametrize("question", ["Why does LayerNorm replace BatchNorm in transformers?",
                                      "How do I change a flat tire on a car?",
                                      "How much does Anthropic charge per million input tokens for Claude Haiku?"])
def test_responses_match_the_documented_models_exactly(client: TestClient, question: str) -> None:
    ask = client.post("/ask", json={"question": question}).json()
    AskResponse.model_validate(ask)  # extra="forbid": an undocumented or missing key fails here
    SearchResponse.model_validate(client.post("/search", json={"query": question, "k": 5}).json())


def test_openapi_documents_the_real_error_shape_and_stream_type(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ask = spec["paths"]["/ask"]["post"]["responses"]
    assert ask["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskResponse")
    assert ask["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert "HTTPValidationError" not in json.dumps(spec)
    assert "text/event-stream" in spec["paths"]["/ask/stream"]["post"]["responses"]["200"]["content"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn." not in docs.text and "/static-offline-docs/swagger-ui-bundle.js" in docs.text
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    assert "cdn." not in client.get("/redoc").text


def test_stream_rejects_a_bad_question_before_streaming(client: TestClient) -> None:
    body = _error(client.post("/ask/stream", json={"question": "   "}), 422, "invalid_query")
    assert body["error"]["message"] == "question is empty"
    assert _error(client.post("/search", json={"query": "  "}), 422, "invalid_query")["error"]["message"] == \
        "query is empty"


def test_head_allow_header_and_no_slash_redirects(client: TestClient) -> None:
    for path in ("/healthz", "/", "/modules/attention"):
        assert client.head(path).status_code == 200
    resp = client.put("/ask")
    _error(resp, 405, "method_not_allowed")
    assert resp.headers["allow"] == "POST"
    resp = client.post("/ask/", json={"question": "x"}, headers={"host": "evil.example"}, follow_redirects=False)
    _error(resp, 404, "not_found")


@pytest.mark.parametrize("k", ["5", 2.5, True, None])
def test_k_must_be_an_integer(client: TestClient, k: object) -> None:
    body = _error(client.post("/search", json={"query": "kv cache", "k": k}), 422, "invalid_request")
    assert body["error"]["message"].startswith("k: ")


def test_body_errors_say_what_is_wrong(client: TestClient) -> None:
    msg = _error(client.post("/ask", content=b"{bad", headers={"content-type": "application/json"}), 422,
                 "invalid_request")["error"]["message"]
    assert msg.startswith("body is not valid JSON") and "at character 1" in msg
    plain = client.post("/ask", content=b'{"question": "hi"}', headers={"content-type": "text/plain"})
    assert "application/json" in _error(plain, 415, "unsupported_media_type")["error"]["message"]
    emoji = json.dumps({"question": "Why is the KV cache large? " + "\U0001f600" * 1900})  # ASCII-escaped: ~23 KB
    assert len(emoji) > 16 * 1024
    assert client.post("/ask", content=emoji, headers={"content-type": "application/json"}).status_code == 200


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    responses = [client.get("/"), client.get("/static/app.js"), client.post("/ask", json={"question": ""}),
                 client.get("/nowhere"), client.post("/ask", content=b"x" * 40_000,
                                                     headers={"content-type": "application/json"})]
    assert [r.status_code for r in responses] == [200, 200, 422, 404, 413]
    for resp in responses:
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-frame-options"] == "DENY"
        assert resp.headers["content-security-policy"] == PAGE_CSP.decode()
