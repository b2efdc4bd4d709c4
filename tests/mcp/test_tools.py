"""The MCP tools, fast: the SDK's client talks to the server in-process, over a tiny corpus indexed
with the fake embedder. Schemas, structured results, citations and every error result; the errors
are checked against what the HTTP API answers for the same mistake.

test_protocol.py runs the real `tmrag mcp` and `tmrag serve` with the real model (slow)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from fastapi.testclient import TestClient
from mcp import Client, MCPError
from mcp.types import INVALID_PARAMS, CallToolResult

from tmrag.answer.types import Answer
from tmrag.build.indexer import build_index
from tmrag.config import CATEGORIES, Settings
from tmrag.engine import Engine
from tmrag.errors import IndexMissingError, NotReadyError
from tmrag.mcp.loading import EngineSlot
from tmrag.mcp.schemas import MAX_TURNS, ErrorBody, ModuleDocument, SourceEntry
from tmrag.mcp.server import NotesServer
from tmrag.query.analysis import MAX_K, MAX_QUESTION_CHARS
from tmrag.query.results import SearchResults
from tmrag.web.app import create_app

from ..fakes import FakeEmbedder, write_corpus

ANSWERED = "Why are the attention scores scaled by the square root of the key width?"
QUOTE = "The scores are scaled by the square root of the key width [@vaswani-2017]."
TOOLS = {"search_notes", "ask_notes", "read_module", "read_source"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("mcp")
    settings = Settings(corpus_dir=write_corpus(root / "corpus"), index_dir=root / "indexes", chunk_tokens=60)
    build_index(settings, embedder=FakeEmbedder())
    return settings


@pytest.fixture(scope="module")
def engine(settings: Settings) -> Engine:
    return Engine.open(settings, embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def server(engine: Engine) -> NotesServer:
    return NotesServer(lambda: engine)


@pytest.fixture(scope="module")
def http(settings: Settings) -> TestClient:
    embedder = FakeEmbedder()
    app = create_app(settings, engine_factory=lambda s: Engine.open(s, embedder=embedder), load_in_background=False)
    return TestClient(app, raise_server_exceptions=False)


def session(server: NotesServer, steps: Callable[[Client], Awaitable[Any]]) -> Any:
    """The steps' result, or the MCPError (a protocol error) they raised."""
    async def run() -> Any:
        async with Client(server) as client:
            try:
                return await steps(client)
            except MCPError as exc:  # inside the client's task group, which would wrap it
                return exc
    return anyio.run(run)


def call(server: NotesServer, tool: str, **arguments: Any) -> CallToolResult:
    return session(server, lambda c: c.call_tool(tool, arguments))


def ok(result: CallToolResult) -> dict:
    assert not result.is_error, result.content
    return result.structured_content


def error(result: CallToolResult, code: str) -> str:
    """An error result: isError, and the HTTP error body as structured content and as its text."""
    assert result.is_error
    body = ErrorBody.model_validate(result.structured_content).model_dump()
    assert body["error"]["code"] == code, body
    assert [c.type for c in result.content] == ["text"]
    assert ErrorBody.model_validate_json(result.content[0].text).model_dump() == body
    assert "Traceback" not in result.content[0].text
    return body["error"]["message"]


# -- tools and schemas ----------------------------------------------------------------------------

def test_the_four_tools_are_read_only_with_input_and_output_schemas(server: NotesServer) -> None:
    tools = {t.name: t for t in session(server, lambda c: c.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and tool.output_schema and tool.input_schema["type"] == "object"
        assert tool.annotations.read_only_hint and not tool.annotations.open_world_hint
    search = tools["search_notes"].input_schema
    assert search["required"] == ["query"]
    assert (search["properties"]["k"]["minimum"], search["properties"]["k"]["maximum"]) == (1, MAX_K)
    assert search["properties"]["query"]["maxLength"] == MAX_QUESTION_CHARS
    assert search["properties"]["categories"]["anyOf"][0]["items"]["enum"] == list(CATEGORIES)
    ask = tools["ask_notes"].input_schema
    assert ask["required"] == ["question"] and set(ask["properties"]) == {"question", "history", "categories"}
    assert ask["properties"]["history"]["anyOf"][0]["maxItems"] == MAX_TURNS
    assert tools["read_module"].input_schema["required"] == ["module_id"]
    assert tools["read_source"].input_schema["required"] == ["source_id"]
    assert set(tools["ask_notes"].output_schema["properties"]) == set(Answer.model_fields)
    assert set(tools["search_notes"].output_schema["properties"]) == set(SearchResults.model_fields)


def test_search_notes_is_the_search_body(server: NotesServer, http: TestClient) -> None:
    result = call(server, "search_notes", query="kv cache keys and values", k=3)
    body = SearchResults.model_validate(ok(result)).model_dump(mode="json")  # extra fields forbidden
    assert body == result.structured_content
    scores = [r["score"] for r in body["results"]]
    assert 1 <= len(scores) <= 3 and scores == sorted(scores, reverse=True)
    same = http.post("/search", json={"query": "kv cache keys and values", "k": 3}).json()
    assert body["results"] == same["results"] and body["index"] == same["index"]
    hit = next(r for r in body["results"] if r["kind"] == "module")
    assert hit["module_id"] and hit["section"] and hit["url"].endswith(f"/{hit['module_id']}#{hit['anchor']}")
    filtered = ok(call(server, "search_notes", query="kv cache", k=MAX_K, categories=["The Transformer"]))
    assert filtered["results"] and {r["kind"] for r in filtered["results"]} == {"module"}


def test_ask_notes_is_the_ask_body_and_its_citations_are_spans_of_the_module_file(
        server: NotesServer, http: TestClient, settings: Settings) -> None:
    body = ok(call(server, "ask_notes", question=ANSWERED))
    assert Answer.model_validate(body).model_dump(mode="json") == body
    same = http.post("/ask", json={"question": ANSWERED}).json()
    assert {k: v for k, v in body.items() if k != "timings_ms"} == {k: v for k, v in same.items() if k != "timings_ms"}
    assert not body["abstained"] and body["coverage"] == "answered" and "[1]" in body["answer"]
    modules = [c for c in body["citations"] if c["kind"] == "module"]
    assert QUOTE in [c["quote"] for c in modules]
    for c in modules:
        text = (settings.corpus_dir / "modules" / f"{c['module_id']}.md").read_text(encoding="utf-8")
        assert " … ".join(text[a:b] for a, b in c["spans"]) == c["quote"]
        whole = ok(call(server, "read_module", module_id=c["module_id"]))["markdown"]
        assert " … ".join(whole[a:b] for a, b in c["spans"]) == c["quote"]  # read_module gives the same file
        section = ok(call(server, "read_module", module_id=c["module_id"], anchor=c["anchor"]))
        assert section["start"] <= c["start"] and c["end"] <= section["end"]


def test_ask_notes_answers_a_follow_up_in_the_conversations_context(server: NotesServer) -> None:
    alone = ok(call(server, "ask_notes", question=ANSWERED))
    history = [{"question": "What does the KV cache store?", "answer": "Keys and values of past tokens. [1]"}]
    with_history = ok(call(server, "ask_notes", question=ANSWERED, history=history))
    # a self-contained question is answered on its own, history or not
    assert with_history["answer"] == alone["answer"] and with_history["citations"] == alone["citations"]
    follow_up = ok(call(server, "ask_notes", question="Why?", history=history))
    assert "KV cache" in follow_up["resolved_question"] and follow_up["resolved_question"] != "Why?"


def test_an_off_topic_question_abstains_with_suggestions(server: NotesServer) -> None:
    body = ok(call(server, "ask_notes", question="Where should I go hiking in spring?"))
    assert body["abstained"] and body["coverage"] == "not_covered" and body["citations"] == [] and body["suggestions"]


def test_read_module_whole_and_one_section(server: NotesServer, settings: Settings) -> None:
    text = (settings.corpus_dir / "modules" / "attention.md").read_text(encoding="utf-8")
    whole = ModuleDocument.model_validate(ok(call(server, "read_module", module_id="attention"))).model_dump()
    assert whole["markdown"] == text and (whole["start"], whole["end"]) == (0, len(text))
    assert whole["title"] == "Attention" and whole["sources"] == ["vaswani-2017"] and whole["related"] == ["kv-cache"]
    assert [s["anchor"] for s in whole["sections"]] == ["overview", "worked-numbers", "interview-questions"]
    part = ok(call(server, "read_module", module_id="attention", anchor="worked-numbers"))
    assert part["section"] == "Worked numbers" and part["url"].endswith("/attention#worked-numbers")
    _, front, body = part["markdown"].split("---\n", 2)
    fields = yaml.safe_load(front)
    assert fields["id"] == "attention" and fields["summary"] == "A summary." and fields["section"] == "Worked numbers"
    assert body.strip() == text[part["start"]:part["end"]].strip()
    assert body.lstrip().startswith("## Worked numbers\n") and "scores = q @ k.T" in body and "Interview" not in body
    assert ok(call(server, "read_module", module_id="attention", anchor="#worked-numbers"))["markdown"] == part["markdown"]


def test_read_source_is_the_bibliography_entry_with_the_sections_citing_it(server: NotesServer) -> None:
    entry = SourceEntry.model_validate(ok(call(server, "read_source", source_id="vaswani-2017"))).model_dump()
    assert entry["kind"] == "paper" and entry["year"] == 2017 and entry["annotation"].startswith("Vaswani et al. 2017")
    assert [(c["module_id"], c["anchor"]) for c in entry["cited_by"]] == [("attention", "overview")]


# -- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "tool", "arguments", "code"), [
    ("/search", "search_notes", {"query": "kv cache", "k": 0}, "invalid_request"),
    ("/search", "search_notes", {"query": "kv cache", "k": MAX_K + 1}, "invalid_request"),
    ("/search", "search_notes", {"query": "kv cache", "k": 2.5}, "invalid_request"),
    ("/search", "search_notes", {"query": ""}, "invalid_request"),
    ("/search", "search_notes", {"query": "   "}, "invalid_query"),
    ("/search", "search_notes", {"query": "kv", "categories": ["Cooking"]}, "invalid_request"),
    ("/ask", "ask_notes", {"question": ""}, "invalid_request"),
    ("/ask", "ask_notes", {"question": " \n "}, "invalid_query"),
    ("/ask", "ask_notes", {"question": "x" * (MAX_QUESTION_CHARS + 1)}, "invalid_request"),
    ("/ask", "ask_notes", {"question": "kv", "categories": ["Cooking", "Inference"]}, "invalid_request"),
])
def test_bad_arguments_are_the_http_apis_errors(server: NotesServer, http: TestClient, path: str, tool: str,
                                                arguments: dict, code: str) -> None:
    message = error(call(server, tool, **arguments), code)
    assert http.post(path, json=arguments).json() == {"error": {"code": code, "message": message}}


@pytest.mark.parametrize(("tool", "arguments", "code", "says"), [
    ("read_module", {"module_id": "nope"}, "not_found", "no module with id 'nope'"),
    ("read_module", {"module_id": "../etc/passwd"}, "invalid_request", "module_id: String should match pattern"),
    ("read_module", {"module_id": "attention", "anchor": "nope"}, "not_found", "its sections: overview, worked-numbers"),
    ("read_module", {}, "invalid_request", "module_id: Field required"),
    ("read_source", {"source_id": "nobody-1999"}, "not_found", "no source with id 'nobody-1999'"),
    ("ask_notes", {"question": "kv", "history": [{"question": "q", "answer": "a"}] * (MAX_TURNS + 1)},
     "invalid_request", "history: List should have at most 8 items"),
    ("ask_notes", {"question": "kv", "history": [{"question": "q", "answer": "a" * 5000}]}, "invalid_request",
     "history.0.answer: String should have at most 4000 characters"),
    ("ask_notes", {"question": "kv", "history": [{"question": "q"}]}, "invalid_request", "history.0.answer: Field required"),
    ("ask_notes", {"question": "kv", "history": [{"question": "", "answer": "a"}]}, "invalid_request", "history.0.question"),
    ("search_notes", {"query": "kv", "k": True}, "invalid_request", "k: Input should be a valid integer"),
    ("delete_notes", {}, "not_found", "no tool 'delete_notes'; tools: search_notes, ask_notes, read_module, read_source"),
])
def test_other_bad_arguments_are_error_results(server: NotesServer, tool: str, arguments: dict, code: str, says: str) -> None:
    assert says in error(call(server, tool, **arguments), code)


def test_without_an_engine_every_tool_and_the_resource_list_say_why(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=write_corpus(tmp_path / "corpus"), index_dir=tmp_path / "none")
    slot = EngineSlot(settings, lambda s: Engine.open(s, embedder=FakeEmbedder()))
    slot.load()
    server = NotesServer(slot.require)
    expected = str(IndexMissingError(f"no index in {tmp_path / 'none'}: run `tmrag index`"))
    for tool, arguments in (("search_notes", {"query": "kv"}), ("ask_notes", {"question": "kv"}),
                            ("read_module", {"module_id": "attention"}), ("read_source", {"source_id": "vaswani-2017"})):
        assert error(call(server, tool, **arguments), "index_missing") == expected
    # what `tmrag serve` says for the same index
    http = TestClient(create_app(settings, engine_factory=slot.factory, load_in_background=False))
    assert http.post("/ask", json={"question": "kv"}).json() == {"error": {"code": "index_missing", "message": expected}}
    refused = session(server, lambda c: c.list_resources())
    assert isinstance(refused, MCPError) and refused.error.message == expected
    assert refused.error.data == {"error": {"code": "index_missing", "message": expected}}


def test_a_failed_load_of_another_kind_is_load_failed() -> None:
    def broken(_: Settings) -> Engine:
        raise ValueError("weights unreadable")

    slot = EngineSlot(Settings(), broken)
    slot.load()
    with pytest.raises(NotReadyError) as raised:
        slot.require()
    assert (raised.value.code, str(raised.value)) == ("load_failed", "failed to load: ValueError: weights unreadable")
    assert error(call(NotesServer(slot.require), "search_notes", query="kv"), "load_failed") == str(raised.value)


def test_a_bug_is_internal_error_without_internals(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        corpus = engine.corpus

        def search(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("secret detail /home/user")

    message = error(call(NotesServer(lambda: Broken()), "search_notes", query="kv"), "internal_error")
    assert message == "internal error; see the server log" and "secret" not in message
    assert "secret detail" in caplog.text  # the traceback goes to the server's log


# -- resources ------------------------------------------------------------------------------------

def test_each_module_is_a_resource(server: NotesServer, settings: Settings) -> None:
    listed = session(server, lambda c: c.list_resources()).resources
    assert [(r.uri, r.name, r.mime_type) for r in listed] == [
        ("tmrag://module/attention", "attention", "text/markdown"), ("tmrag://module/kv-cache", "kv-cache", "text/markdown")]
    assert listed[0].title == "Attention" and listed[0].description == "The Transformer: A summary."
    read = session(server, lambda c: c.read_resource("tmrag://module/kv-cache")).contents
    assert read[0].text == (settings.corpus_dir / "modules" / "kv-cache.md").read_text(encoding="utf-8")
    templates = session(server, lambda c: c.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["tmrag://module/{module_id}"]
    missing = session(server, lambda c: c.read_resource("tmrag://module/nope"))
    assert isinstance(missing, MCPError)
    assert (missing.error.code, missing.error.message) == (INVALID_PARAMS, "no module with id 'nope'")
