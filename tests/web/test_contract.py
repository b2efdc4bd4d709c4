"""The whole HTTP contract, fast: a tiny corpus indexed with the fake embedder behind the real app.

test_web.py checks the same endpoints against the real model and corpus (slow); this file pins
the contract itself (shapes, status codes, error bodies, headers) so every run checks it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tmrag.build.indexer import build_index
from tmrag.config import CATEGORIES, Settings
from tmrag.engine import Engine
from tmrag.query.analysis import MAX_K, MAX_QUESTION_CHARS
from tmrag.web.app import create_app
from tmrag.web.limits import MAX_BODY_BYTES, PAGE_CSP, SECURITY_HEADERS
from tmrag.web.schemas import AskResponse, ErrorResponse, SearchResponse

from ..fakes import FakeEmbedder, write_corpus

ANSWERED = "Why are the attention scores scaled by the square root of the key width?"
QUOTE = "The scores are scaled by the square root of the key width [@vaswani-2017]."
OFF_TOPIC = "Where should I go hiking in spring?"  # far below the abstention threshold with the fake
SOURCE_KEYS = {"id", "kind", "citation", "title", "year", "url", "annotation"}
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("contract")
    settings = Settings(corpus_dir=write_corpus(root / "corpus"), index_dir=root / "indexes", chunk_tokens=60)
    build_index(settings, embedder=FakeEmbedder())
    return settings


def _app(settings: Settings, factory=None) -> TestClient:  # noqa: ANN001
    embedder = FakeEmbedder()
    app = create_app(settings, engine_factory=factory or (lambda s: Engine.open(s, embedder=embedder)),
                     load_in_background=False)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    yield _app(settings)


def _error(resp, status: int, code: str) -> dict:  # noqa: ANN001
    """Every error is exactly {"error": {"code", "message"}}, as JSON, with no traceback."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    ErrorResponse.model_validate(body)
    assert body["error"]["code"] == code and body["error"]["message"]
    assert "Traceback" not in resp.text and 'File "' not in resp.text
    return body


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


# -- health ---------------------------------------------------------------------------------------

def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["reload_error"] is None
    assert set(body["index"]) == {"build_id", "fingerprint", "created", "embedding_model", "chunks"}
    assert body["index"]["chunks"] > 0


def test_without_an_index_health_is_ok_and_everything_else_is_503(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=write_corpus(tmp_path / "corpus"), index_dir=tmp_path / "none", chunk_tokens=60)
    client = _app(settings)
    assert client.get("/healthz").status_code == 200
    assert "run `tmrag index`" in _error(client.get("/readyz"), 503, "index_missing")["error"]["message"]
    _error(client.post("/ask", json={"question": "hi"}), 503, "index_missing")
    _error(client.post("/search", json={"query": "hi"}), 503, "index_missing")


def test_a_stale_index_is_503_with_the_reason(settings: Settings) -> None:
    client = _app(settings.model_copy(update={"chunk_tokens": 61}))
    body = _error(client.get("/readyz"), 503, "index_stale")
    assert "run `tmrag index`" in body["error"]["message"]
    _error(client.post("/ask", json={"question": "hi"}), 503, "index_stale")


# -- /search --------------------------------------------------------------------------------------

def test_search_contract(client: TestClient) -> None:
    resp = client.post("/search", json={"query": "kv cache keys and values", "k": 3})
    assert resp.status_code == 200
    body = SearchResponse.model_validate(resp.json()).model_dump(mode="json")  # extra fields forbidden
    assert body == resp.json()
    scores = [r["score"] for r in body["results"]]
    assert 1 <= len(scores) <= 3 and scores == sorted(scores, reverse=True)
    assert "total" in body["timings_ms"] and body["index"]["build_id"]


@pytest.mark.parametrize(("k", "ok"), [(0, False), (1, True), (MAX_K, True), (MAX_K + 1, False), (-1, False)])
def test_search_k_bounds(client: TestClient, k: int, ok: bool) -> None:
    resp = client.post("/search", json={"query": "kv cache", "k": k})
    if ok:
        assert resp.status_code == 200 and len(resp.json()["results"]) <= k
    else:
        assert _error(resp, 422, "invalid_request")["error"]["message"].startswith("k: ")


@pytest.mark.parametrize("k", ["5", 2.5, True, None, [3]])
def test_search_k_is_a_strict_integer(client: TestClient, k: object) -> None:
    body = _error(client.post("/search", json={"query": "kv cache", "k": k}), 422, "invalid_request")
    assert body["error"]["message"].startswith("k: ")


def test_search_k_as_a_whole_float_is_that_integer(client: TestClient) -> None:
    # JSON Schema's "integer" (the OpenAPI document's type for k) admits 2.0; schemathesis found the 422.
    resp = client.post("/search", json={"query": "kv cache", "k": 2.0})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["results"]) == 2


def test_search_category_filter(client: TestClient, settings: Settings) -> None:
    everything = client.post("/search", json={"query": "kv cache", "k": MAX_K}).json()["results"]
    assert {r["kind"] for r in everything} > {"module"}  # unfiltered: sources and glossary terms too
    mine = client.post("/search", json={"query": "kv cache", "k": MAX_K, "categories": ["The Transformer"]}).json()
    assert mine["results"] and all(r["kind"] == "module" for r in mine["results"])
    other = client.post("/search", json={"query": "kv cache", "categories": ["Inference"]})
    assert other.status_code == 200 and other.json()["results"] == []  # a known category with no modules here


def test_unknown_category_is_422_naming_it(client: TestClient) -> None:
    for path, field in (("/search", "query"), ("/ask", "question"), ("/ask/stream", "question")):
        body = _error(client.post(path, json={field: "kv cache", "categories": ["Cooking"]}), 422, "invalid_request")
        assert "Cooking" in body["error"]["message"]


def test_openapi_lists_exactly_the_configured_categories(client: TestClient) -> None:
    def enums(node: object) -> list[list]:
        if isinstance(node, dict):
            return ([node["enum"]] if "enum" in node else []) + [e for v in node.values() for e in enums(v)]
        return [e for v in node for e in enums(v)] if isinstance(node, list) else []

    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("SearchRequest", "AskRequest"):
        assert enums(schemas[name]["properties"]["categories"]) == [list(CATEGORIES)]


@pytest.mark.parametrize("body", [{"query": ""}, {"query": "x" * (MAX_QUESTION_CHARS + 1)}, {}, {"q": "kv"}, []])
def test_search_rejects_bad_bodies(client: TestClient, body: object) -> None:
    _error(client.post("/search", json=body), 422, "invalid_request")


def test_blank_query_is_rejected_as_empty(client: TestClient) -> None:
    assert _error(client.post("/search", json={"query": "  "}), 422, "invalid_query")["error"]["message"] == "query is empty"


# -- /ask -----------------------------------------------------------------------------------------

def test_ask_response_is_exactly_the_documented_model(client: TestClient) -> None:
    resp = client.post("/ask", json={"question": ANSWERED})
    assert resp.status_code == 200
    body = resp.json()
    assert AskResponse.model_validate(body).model_dump(mode="json") == body  # extra fields forbidden, none missing
    assert not body["abstained"] and body["mode"] == "extractive" and "[1]" in body["answer"]
    assert [c["marker"] for c in body["citations"]] == list(range(1, len(body["citations"]) + 1))
    for source in body["sources"]:
        assert set(source) == SOURCE_KEYS
    assert "vaswani-2017" in {s["id"] for s in body["sources"]}
    assert body["suggestions"] == [] and body["verification"] is None and "total" in body["timings_ms"]


def test_citation_spans_point_at_the_exact_quote_in_the_module_file(client: TestClient, settings: Settings) -> None:
    body = client.post("/ask", json={"question": ANSWERED}).json()
    modules = [c for c in body["citations"] if c["kind"] == "module"]
    assert modules and QUOTE in [c["quote"] for c in modules]
    for c in modules:
        text = (settings.corpus_dir / "modules" / f"{c['module_id']}.md").read_text(encoding="utf-8")
        assert " … ".join(text[a:b] for a, b in c["spans"]) == c["quote"]
        assert (c["start"], c["end"]) == (c["spans"][0][0], c["spans"][-1][1])
        assert c["url"].endswith(f"/{c['module_id']}#{c['anchor']}")
        assert "[@" not in c["quote_text"]


def test_abstention_has_suggestions_and_no_citations(client: TestClient) -> None:
    body = client.post("/ask", json={"question": OFF_TOPIC}).json()
    AskResponse.model_validate(body)
    assert body["abstained"] and body["answer"] and body["citations"] == [] and "[1]" not in body["answer"]
    places = [(s["kind"], s["title"], s["section"]) for s in body["suggestions"]]
    assert places and len(places) == len(set(places))


@pytest.mark.parametrize("question", ["", "x" * (MAX_QUESTION_CHARS + 1)])
def test_ask_rejects_bad_questions(client: TestClient, question: str) -> None:
    _error(client.post("/ask", json={"question": question}), 422, "invalid_request")


def test_blank_question_is_rejected_before_streaming(client: TestClient) -> None:
    for path in ("/ask", "/ask/stream"):
        body = _error(client.post(path, json={"question": "   "}), 422, "invalid_query")
        assert body["error"]["message"] == "question is empty"


# -- /ask/stream ----------------------------------------------------------------------------------

@pytest.mark.parametrize("question", [ANSWERED, OFF_TOPIC])
def test_stream_is_citations_then_answer_then_done_and_reads_as_ask(client: TestClient, question: str) -> None:
    whole = client.post("/ask", json={"question": question}).json()
    with client.stream("POST", "/ask/stream", json={"question": question}) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["cache-control"] == "no-cache"
        events = _events("".join(resp.iter_text()))
    names = [name for name, _ in events]
    assert names[0] == "citations" and names[-1] == "done" and set(names[1:-1]) == {"answer"}
    first, done = events[0][1], events[-1][1]
    assert set(first) == {"citations", "sources", "abstained", "coverage", "missing", "suggestions", "unmentioned_terms",
                          "resolved_question"}
    for key in first:
        assert first[key] == whole[key], key
    assert "".join(data["text"] for name, data in events if name == "answer") == whole["answer"]
    assert set(done) == {"timings_ms", "index", "abstained", "coverage", "missing"}
    assert (done["abstained"], done["coverage"], done["missing"]) == (whole["abstained"], whole["coverage"], whole["missing"])
    assert done["index"] == whole["index"] and "total" in done["timings_ms"]


# -- pages ----------------------------------------------------------------------------------------

def test_module_page_highlights_the_cited_span(client: TestClient) -> None:
    c = next(c for c in client.post("/ask", json={"question": ANSWERED}).json()["citations"] if c["quote"] == QUOTE)
    hl = ",".join(f"{a}-{b}" for a, b in c["spans"])
    page = client.get(f"/modules/{c['module_id']}?hl={hl}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    marked = page.text.split('<mark class="cited" id="cited">', 1)[1].split("</mark>", 1)[0]
    assert marked.startswith("The scores are scaled by the square root of the key width")
    assert f'id="{c["anchor"]}"' in page.text and 'href="/sources/vaswani-2017"' in page.text
    assert "<mark" not in client.get(f"/modules/{c['module_id']}").text


@pytest.mark.parametrize("hl", ["9-2", "5-5", "0-999999", "abc", "1-2-3", "-1-4"])
def test_module_page_rejects_a_bad_span(client: TestClient, hl: str) -> None:
    _error(client.get(f"/modules/attention?hl={hl}"), 422, "invalid_request")


@pytest.mark.parametrize("path", ["/modules/no-such-module", "/modules/ATTENTION", "/modules/..%2F..%2Fetc%2Fpasswd",
                                  "/sources/no-such-source", "/sources/..%2Fcorpus", "/sources/VASWANI-2017"])
def test_unknown_module_or_source_is_404(client: TestClient, path: str) -> None:
    _error(client.get(path), 404, "not_found")


def test_source_page_lists_the_citing_sections(client: TestClient) -> None:
    page = client.get("/sources/vaswani-2017")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Vaswani et al. 2017" in page.text and "/modules/attention" in page.text


def test_pages_and_head(client: TestClient) -> None:
    for path in ("/", "/modules/attention", "/sources/shazeer-2019", "/healthz", "/static/app.js"):
        assert client.get(path).status_code == 200, path
        head = client.head(path)
        assert head.status_code == 200 and head.content == b"", path


# -- errors at the edge ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/nope", "/ask/", "/search/", "/modules", "/static/nope.js"])
def test_unknown_routes_are_404_json(client: TestClient, path: str) -> None:
    _error(client.get(path), 404, "not_found")


def test_no_trailing_slash_redirect(client: TestClient) -> None:
    resp = client.post("/ask/", json={"question": "x"}, headers={"host": "evil.example"}, follow_redirects=False)
    _error(resp, 404, "not_found")
    assert "location" not in resp.headers


@pytest.mark.parametrize(("method", "path", "allow"), [("GET", "/ask", "POST"), ("PUT", "/ask", "POST"),
                                                       ("GET", "/search", "POST"), ("DELETE", "/ask/stream", "POST"),
                                                       ("POST", "/healthz", "GET"), ("POST", "/modules/attention", "GET")])
def test_wrong_method_is_405_with_allow(client: TestClient, method: str, path: str, allow: str) -> None:
    resp = client.request(method, path)
    _error(resp, 405, "method_not_allowed")
    assert resp.headers["allow"] == allow


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    resp = client.post("/ask", content=b'{"question": "hi"}', headers=headers)
    assert "application/json" in _error(resp, 415, "unsupported_media_type")["error"]["message"]


def test_invalid_json_is_422_saying_where(client: TestClient) -> None:
    for path in ("/ask", "/search", "/ask/stream"):
        msg = _error(client.post(path, content=b"{bad", headers=JSON), 422, "invalid_request")["error"]["message"]
        assert msg.startswith("body is not valid JSON") and "at character 1" in msg


def test_a_body_over_32_kib_is_413_even_when_chunked(client: TestClient) -> None:
    assert MAX_BODY_BYTES == 32 * 1024
    big = json.dumps({"question": "x" * MAX_BODY_BYTES}).encode()
    for path in ("/ask", "/search", "/ask/stream"):
        _error(client.post(path, content=big, headers=JSON), 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: httpx sends Transfer-Encoding: chunked
        for i in range(0, len(big), 1000):
            yield big[i : i + 1000]

    _error(client.post("/ask", content=chunks(), headers=JSON), 413, "payload_too_large")


def test_a_long_question_just_under_the_limit_is_accepted(client: TestClient) -> None:
    # Astral characters that json.dumps escapes as 12-byte surrogate pairs: the worst case of a
    # 2,000-character question still fits the body limit.
    body = json.dumps({"question": "Why is the KV cache large? " + "\U0001f600" * 1900})
    assert 16 * 1024 < len(body) <= MAX_BODY_BYTES
    assert client.post("/ask", content=body, headers=JSON).status_code == 200


def test_an_unexpected_error_is_a_json_500_without_internals(settings: Settings) -> None:
    class Broken:
        def ask(self, *a, **k):  # noqa: ANN002, ANN003, ANN202
            raise RuntimeError("secret internals")

    resp = _app(settings, factory=lambda _s: Broken()).post("/ask", json={"question": "hi"})
    _error(resp, 500, "internal_error")
    assert "secret internals" not in resp.text and "RuntimeError" not in resp.text


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    responses = {
        "page": client.get("/"), "static": client.get("/static/app.js"), "module": client.get("/modules/attention"),
        "api": client.post("/search", json={"query": "kv"}), "422": client.post("/ask", json={"question": ""}),
        "404": client.get("/nowhere"), "405": client.get("/ask"),
        "413": client.post("/ask", content=b"x" * (MAX_BODY_BYTES + 1), headers=JSON),
        "415": client.post("/ask", content=b"{}", headers={"content-type": "text/plain"}),
        "head": client.head("/healthz"),
    }
    with client.stream("POST", "/ask/stream", json={"question": ANSWERED}) as stream:
        responses["stream"] = stream
    assert {k: r.status_code for k, r in responses.items()} == {
        "page": 200, "static": 200, "module": 200, "api": 200, "422": 422, "404": 404, "405": 405, "413": 413,
        "415": 415, "head": 200, "stream": 200}
    for name, resp in responses.items():
        for header, value in SECURITY_HEADERS:
            assert resp.headers.get(header.decode()) == value.decode(), (name, header)
    assert responses["page"].headers["x-frame-options"] == "DENY"
    assert responses["page"].headers["content-security-policy"] == PAGE_CSP.decode()
    assert responses["page"].headers["x-content-type-options"] == "nosniff"
    assert 'http-equiv="Content-Security-Policy"' not in responses["page"].text  # the header is the one policy


def _csp(resp) -> dict[str, str]:  # noqa: ANN001
    """The Content-Security-Policy header as {directive: sources}."""
    pairs = (d.strip().split(" ", 1) for d in resp.headers["content-security-policy"].split(";"))
    return {name: sources for name, sources in pairs}


def test_the_full_csp_is_a_header_on_every_kind_of_response_and_the_api_docs_get_their_own(
        client: TestClient) -> None:
    page = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self' 'unsafe-inline'",
            "img-src": "'self' data:", "connect-src": "'self'", "object-src": "'none'", "base-uri": "'none'",
            "form-action": "'self'", "frame-ancestors": "'none'"}
    everywhere = [client.get("/"), client.get("/modules/attention"), client.get("/static/style.css"),
                  client.get("/static-offline-docs/swagger-ui.css"), client.get("/openapi.json"),
                  client.get("/healthz"), client.get("/metrics"), client.post("/search", json={"query": "kv"}),
                  client.get("/nowhere"), client.get("/docs/"), client.get("/docs/oauth2-redirect"),
                  client.post("/ask", content=b"x" * (MAX_BODY_BYTES + 1), headers=JSON)]
    assert [r.status_code for r in everywhere] == [200] * 8 + [404, 404, 200, 413]
    for resp in everywhere:
        assert _csp(resp) == page, resp.url

    docs, redoc, head = client.get("/docs"), client.get("/redoc"), client.head("/docs")
    assert (docs.status_code, redoc.status_code, head.status_code) == (200, 200, 200)
    assert _csp(head) == _csp(docs)
    # Swagger UI: its one inline script is allowed by its hash (not 'unsafe-inline'), styles stay 'self'.
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.S)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert _csp(docs) == {**page, "script-src": f"'self' 'sha256-{digest}'", "style-src": "'self'"}
    # ReDoc: no inline script; run-time <style> elements and a blob: search worker.
    assert "<script>" not in redoc.text
    assert _csp(redoc) == {**page, "worker-src": "blob:"}
    for resp in (docs, redoc):
        assert resp.headers["x-frame-options"] == "DENY" and resp.headers["x-content-type-options"] == "nosniff"


def test_openapi_documents_the_error_shape_and_the_stream(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ask = spec["paths"]["/ask"]["post"]["responses"]
    assert ask["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskResponse")
    for status in ("413", "415", "422", "503"):
        assert ask[status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse"), status
    assert spec["paths"]["/search"]["post"]["responses"]["200"]["content"]["application/json"]["schema"][
        "$ref"].endswith("/SearchResponse")
    assert "HTTPValidationError" not in json.dumps(spec)
    assert "text/event-stream" in spec["paths"]["/ask/stream"]["post"]["responses"]["200"]["content"]
