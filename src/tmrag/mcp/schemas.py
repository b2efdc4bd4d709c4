"""The tools' argument types and the result models that are not the core's own.

Arguments carry the HTTP contract's limits (query length, k, known categories), so the JSON
schema a client sees is the one the server enforces. search_notes and ask_notes return the
core's SearchResults and Answer unchanged; read_module and read_source return the models here.
The HTTP edge has its own copies of the request limits (web/schemas.py): edges do not import
each other."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema

from ..config import CATEGORIES
from ..query.analysis import MAX_K, MAX_QUESTION_CHARS
from ..query.followup import MAX_TURN_CHARS, MAX_TURNS
from ..query.results import Strict

ID_PATTERN = r"^[a-z0-9][a-z0-9.-]{0,99}$"  # module and source ids, as the web pages accept them


def unknown_categories(arguments: dict, allowed: tuple[str, ...]) -> str | None:
    """The HTTP API's message for categories the served corpus does not have, or None."""
    given = arguments.get("categories")
    unknown = [c for c in given if c not in allowed] if isinstance(given, list) else []
    return f"categories: unknown categories {unknown}" if unknown else None


def set_category_enum(schema: dict, names: tuple[str, ...]) -> None:
    """A tool's input schema lists the served corpus's names (the wiki's nine are the placeholder)."""
    node = schema.get("properties", {}).get("categories")
    for option in (node or {}).get("anyOf", []):
        if "enum" in option.get("items", {}):
            option["items"]["enum"] = list(names)


# Checked against the served corpus's names in NotesServer.call_tool.
Category = Annotated[str, WithJsonSchema({"type": "string", "enum": list(CATEGORIES)})]
Categories = Annotated[list[Category] | None, Field(description="restrict to these categories (default: all)")]
Query = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="what to look for")]
Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS,
                                description="a self-contained question about the notes")]
K = Annotated[int, Field(ge=1, le=MAX_K, strict=True, description="number of passages to return")]
ModuleId = Annotated[str, Field(pattern=ID_PATTERN, description="a module id, e.g. kv-cache (the URLs' last part)")]
SourceId = Annotated[str, Field(pattern=ID_PATTERN, description="a bibliography id, e.g. vaswani-2017")]
Anchor = Annotated[str | None, Field(max_length=200, description="a section anchor from the module's `sections` "
                                                                 "or a citation's `anchor` (default: the whole module)")]


class Turn(BaseModel):  # like the HTTP request models, other keys are ignored
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    answer: str = Field(max_length=MAX_TURN_CHARS)


History = Annotated[list[Turn] | None, Field(
    max_length=MAX_TURNS,
    description=f"earlier turns of this conversation, oldest first (at most {MAX_TURNS}): a follow-up "
                "that leans on them is answered in their context")]


class SectionInfo(Strict):
    anchor: str
    title: str
    level: int = Field(description="2 for ##, 3 for ###")
    url: str | None


class ModuleDocument(Strict):
    id: str
    number: int | None
    title: str
    category: str
    summary: str
    hook: str | None
    sources: list[str] = Field(description="bibliography ids the module cites (read_source gives each entry)")
    related: list[str] = Field(description="ids of related modules")
    url: str | None = Field(description="the module (or section) on the live wiki; null for notes published nowhere")
    section: str | None = Field(description="the section's title when an anchor was given")
    anchor: str | None
    sections: list[SectionInfo] = Field(description="every section of the module, in order")
    start: int = Field(description="character offset in the module file where the returned text starts; "
                                   "citation spans index the same file")
    end: int = Field(description="character offset where the returned text ends")
    markdown: str = Field(description="the whole module file (front matter included), or the section's front "
                                      "matter fields followed by its heading and text, subsections included")


class CitingSection(Strict):
    module_id: str
    title: str
    section: str | None
    anchor: str | None
    url: str | None


class SourceEntry(Strict):
    id: str
    kind: str = Field(description="paper, blog, video, code, industry or other")
    citation: str | None
    title: str | None
    year: int | None
    url: str | None
    annotation: str
    cited_by: list[CitingSection] = Field(description="each module section that cites the source, once")


class ErrorDetail(Strict):
    code: str
    message: str


class ErrorBody(Strict):
    """A failed call's structured content: the HTTP API's error body."""

    error: ErrorDetail
