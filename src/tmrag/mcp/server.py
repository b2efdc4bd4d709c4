"""The MCP server: four read-only tools and one resource per module, on the SDK's MCPServer.

Tools run in the SDK's worker threads (the engine is CPU-bound, as in the HTTP handlers).
Every failure is an error result (``isError``) whose structured content and text are the
HTTP error body ``{"error": {"code", "message"}}`` with the same code and message the HTTP
API gives: ``invalid_request`` for arguments outside the schema, ``invalid_query``,
``not_found``, the load error's code (``index_missing``, ``index_stale``, ...) when there is
no engine, ``internal_error`` for a bug (logged to stderr with its traceback)."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR, CallToolResult, TextContent, ToolAnnotations
from mcp.types import Resource as MCPResource
from mcp.types import Tool as MCPTool
from pydantic import ValidationError

from .. import __version__
from ..answer.types import Answer
from ..config import CATEGORIES, Settings
from ..corpus.categories import served_categories
from ..engine import Engine
from ..errors import NotFoundError, TmragError
from ..insights.log import QuestionLog
from ..insights.store import InsightsStore
from ..query.analysis import validate_question
from ..query.followup import Turn as FollowupTurn
from ..query.results import SearchResults
from .documents import find_module, module_document, source_entry
from .loading import EngineSlot
from .schemas import (
    Anchor,
    Categories,
    ErrorBody,
    ErrorDetail,
    History,
    K,
    ModuleDocument,
    ModuleId,
    Query,
    Question,
    SourceEntry,
    SourceId,
    set_category_enum,
    unknown_categories,
)

log = logging.getLogger("tmrag.mcp")
MODULE_URI = "tmrag://module/{module_id}"
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
INSTRUCTIONS = """\
tmrag answers from the Transformer Math study notes (ML interview prep) with exact citations.
ask_notes answers a question: every sentence ends with a [n] marker whose citation holds the
verbatim quote, its character spans in the module file and a wiki URL. Keep the markers and
URLs when you relay an answer. `coverage` says whether the notes state what was asked
(answered), only part of it (partial; `missing` names what they don't state) or nothing
(not_covered: the answer abstains; say so rather than answering from memory).
search_notes ranks passages; read_module and read_source read a module, a section or a
bibliography entry in full. Resources tmrag://module/<id> attach a whole module."""


def error_result(code: str, message: str) -> CallToolResult:
    body = ErrorBody(error=ErrorDetail(code=code, message=message)).model_dump()
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(body, ensure_ascii=False))],
                          structured_content=body, is_error=True)


def validation_message(exc: ValidationError) -> str:
    """``k: Input should be greater than or equal to 1``: the HTTP API's wording for the same mistake."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts) or "invalid arguments"


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    while exc is not None:
        if isinstance(exc, kind):
            return exc
        exc = exc.__cause__
    return None


class NotesServer(MCPServer):
    """``engine`` returns the engine to answer with, or raises NotReadyError saying why there is none."""

    def __init__(self, engine: Callable[[], Engine], categories: tuple[str, ...] = CATEGORIES,
                 question_log: QuestionLog | None = None, **kwargs: Any) -> None:
        """``question_log``: where ask_notes hands its answers when TMRAG_LOG_QUESTIONS is on."""
        super().__init__("tmrag", title="tmrag: Transformer Math notes", version=__version__,
                         instructions=INSTRUCTIONS, website_url="https://personal-wiki.pages.dev",
                         log_level="WARNING", **kwargs)
        self.engine, self.categories, self.question_log = engine, categories, question_log
        self.tool_names = ("search_notes", "ask_notes", "read_module", "read_source")
        titles = ("Search the notes", "Ask the notes", "Read a module", "Read a bibliography entry")
        for name, title in zip(self.tool_names, titles, strict=True):
            self.add_tool(getattr(self, name), title=title, annotations=READ_ONLY)
        self.resource(MODULE_URI, name="module", title="A notes module", mime_type="text/markdown",
                      description="A module's Markdown file, front matter included")(self.module_resource)

    # -- tools ------------------------------------------------------------------------------------

    def search_notes(self, query: Query, k: K = 10, categories: Categories = None) -> Annotated[CallToolResult, SearchResults]:
        """Rank passages of the notes (hybrid dense + BM25 retrieval, reranked) for a query.

        Returns {results: [{kind (module | source | glossary), module_id, source_id, title, section,
        anchor, url, text, score}], timings_ms, index}: the HTTP API's /search body, best first."""
        validate_question(query, categories, what="query", allowed=self.categories)
        return self.engine().search(query, k=k, categories=categories)

    def ask_notes(self, question: Question, history: History = None,
                  categories: Categories = None) -> Annotated[CallToolResult, Answer]:
        """Answer a question from the notes with exact citations, or abstain when they don't cover it.

        Returns the HTTP API's /ask body: answer (2-5 sentences, each ending with its [n] marker),
        coverage (answered | partial | not_covered), abstained, missing (what the notes don't
        state), citations ([n] -> kind, module_id, section, anchor, url, the verbatim quote and its
        [start, end] spans in the module file), sources (bibliography entries), suggestions
        (nearest sections when it abstains), mode, evidence, index, timings_ms.
        With `history`, a follow-up that leans on it ("And for the 70B model?") is answered in its
        context; `resolved_question` says what was searched."""
        validate_question(question, categories, allowed=self.categories)
        engine = self.engine()
        turns = [FollowupTurn(t.question, t.answer) for t in history or []]
        result = engine.ask(question, categories=categories, history=turns)
        if engine.last_generation_error:
            log.warning("tmrag: LLM unavailable, extractive answer instead (%s)", engine.last_generation_error)
        if self.question_log is not None:
            self.question_log.submit(question, result, engine.embed_query)
        return result

    def read_module(self, module_id: ModuleId, anchor: Anchor = None) -> Annotated[CallToolResult, ModuleDocument]:
        """Read a module of the notes, or one section of it, as Markdown with its front matter fields.

        Returns {id, number, title, category, summary, hook, sources, related, url, section, anchor,
        sections: [{anchor, title, level, url}], start, end, markdown}. Without an anchor, markdown
        is the whole module file, so a citation's spans index straight into it; with one, it is the
        front matter fields, then the section's heading and text (subsections included), which
        start..end locate in the file."""
        return module_document(self.engine().corpus, module_id, anchor)

    def read_source(self, source_id: SourceId) -> Annotated[CallToolResult, SourceEntry]:
        """Read a bibliography entry of the notes.

        Returns {id, kind, citation, title, year, url, annotation, cited_by: [{module_id, title,
        section, anchor, url}]}."""
        return source_entry(self.engine().corpus, source_id)

    # -- resources --------------------------------------------------------------------------------

    def module_resource(self, module_id: str) -> str:
        try:
            return find_module(self.engine().corpus, module_id).text
        except NotFoundError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        except TmragError as exc:
            raise MCPError(code=INTERNAL_ERROR, message=str(exc),
                           data={"error": {"code": exc.code, "message": str(exc)}}) from None

    async def list_resources(self) -> list[MCPResource]:
        """One resource per module, so clients can attach a module to a conversation."""
        try:
            corpus = (await anyio.to_thread.run_sync(self.engine)).corpus
        except TmragError as exc:
            raise MCPError(code=INTERNAL_ERROR, message=str(exc),
                           data={"error": {"code": exc.code, "message": str(exc)}}) from None
        return [MCPResource(uri=MODULE_URI.format(module_id=m.id), name=m.id, title=m.title,
                            description=f"{m.category}: {m.summary}", mime_type="text/markdown")
                for m in sorted(corpus.modules.values(), key=lambda m: (m.category, m.number or 0, m.id))]

    # -- errors -----------------------------------------------------------------------------------

    async def list_tools(self) -> list[MCPTool]:
        tools = await super().list_tools()
        for tool in tools:
            set_category_enum(tool.input_schema, self.categories)
        return tools

    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Context | None = None) -> CallToolResult:
        if name in self.tool_names and (message := unknown_categories(arguments, self.categories)):
            return error_result("invalid_request", message)
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            return self.tool_error(name, exc)

    def tool_error(self, name: str, exc: ToolError) -> CallToolResult:
        domain = _cause(exc, TmragError)
        if isinstance(domain, TmragError):
            return error_result(domain.code, str(domain))
        if not isinstance(exc, UnexpectedToolError):
            invalid = _cause(exc, ValidationError)
            if isinstance(invalid, ValidationError):
                return error_result("invalid_request", validation_message(invalid))
            if name not in self.tool_names:
                return error_result("not_found", f"no tool {name!r}; tools: {', '.join(self.tool_names)}")
            return error_result("invalid_request", str(exc))
        log.error("tool %s failed", name, exc_info=exc.__cause__ or exc)
        return error_result("internal_error", "internal error; see the server log")


def run_stdio(settings: Settings, factory: Callable[[Settings], Engine] = Engine.open) -> None:
    """Serve over stdin/stdout until the client closes them. The engine loads once, in a thread
    started after the transport has claimed stdout (anything the load prints goes to stderr), so
    the handshake is answered at once and the first tool call waits for the load."""
    slot = EngineSlot(settings, factory)
    # Plain "tmrag: ..." lines on stderr, which clients keep as the server's log (the SDK's own
    # set-up, which this makes a no-op, would draw a rich table).
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)

    @asynccontextmanager
    async def load_once(_: MCPServer) -> AsyncIterator[dict]:
        threading.Thread(target=slot.load, name="tmrag-load", daemon=True).start()
        yield {}

    question_log = QuestionLog(InsightsStore(settings.data_dir, settings.log_retention_days),
                               settings.log_queue_size) if settings.log_questions else None
    NotesServer(slot.require, served_categories(settings.corpus_dir), question_log, lifespan=load_once).run("stdio")
