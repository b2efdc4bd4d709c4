"""HTML pages: the chat page, a module with the cited passage highlighted, a bibliography entry."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse

from ...corpus.model import Corpus
from ...engine import Engine
from ...errors import NotFoundError
from ..deps import engine_state, get_engine, templates
from ..render import render_module
from ..schemas import error_docs

router = APIRouter()
EngineDep = Annotated[Engine, Depends(get_engine)]
ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,99}$")  # module and source ids; rejects ../ and friends
MAX_HIGHLIGHTS = 20  # a citation has at most 5 sentences; 20 spans is generous, and bounds the work
SPAN_RE = re.compile(r"(\d{1,7})-(\d{1,7})")  # 7 digits: module files are well under 10 MB


def _check_id(value: str, what: str) -> None:
    if not ID_RE.fullmatch(value):
        raise NotFoundError(f"no {what} with id {value!r}")


def parse_spans(hl: str | None, limit: int) -> list[tuple[int, int]]:
    """``hl=start-end,start-end`` (character offsets into the module file), validated and merged."""
    if not hl:
        return []
    spans = []
    for part in hl.split(",")[:MAX_HIGHLIGHTS]:
        m = SPAN_RE.fullmatch(part.strip())
        if not m or not int(m.group(1)) < int(m.group(2)) <= limit:
            raise RequestValidationError([{"loc": ["query", "hl"], "msg": f"bad span {part!r}", "type": "value_error"}])
        spans.append((int(m.group(1)), int(m.group(2))))
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):  # overlapping spans would shift each other's insert positions
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def citing_sections(corpus: Corpus, source_id: str) -> list[dict]:
    """Each module section that cites the source, once."""
    out = []
    for module in corpus.modules.values():
        seen = set()
        for sid, offset in module.citations:
            if sid != source_id:
                continue
            section = next((s for s in reversed(module.sections) if s.start <= offset or s.level == 1), None)
            key = section.anchor if section else ""
            if key not in seen:
                seen.add(key)
                out.append({"module": module, "section": section.title if section else None, "anchor": key})
    return out


@router.get("/modules/{module_id}", response_class=HTMLResponse, responses=error_docs(404, 422, 503, page=True))
def module_page(request: Request, module_id: str, engine: EngineDep, hl: str | None = None) -> HTMLResponse:
    _check_id(module_id, "module")
    module = engine.corpus.modules.get(module_id)
    if module is None:
        raise NotFoundError(f"no module with id {module_id!r}")
    spans = [(a, b) for a, b in parse_spans(hl, len(module.text)) if a >= module.body_start]
    return templates.TemplateResponse(request, "module.html", {
        "module": module, "html": render_module(module, spans), "highlighted": bool(spans),
        "sources": [engine.corpus.sources[s] for s in module.sources if s in engine.corpus.sources],
        "related": [engine.corpus.modules[r] for r in module.related if r in engine.corpus.modules]})


@router.get("/sources/{source_id}", response_class=HTMLResponse, responses=error_docs(404, 422, 503, page=True))
def source_page(request: Request, source_id: str, engine: EngineDep) -> HTMLResponse:
    _check_id(source_id, "source")
    source = engine.corpus.sources.get(source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id!r}")
    return templates.TemplateResponse(request, "source.html", {"source": source,
                                                               "citing": citing_sections(engine.corpus, source_id)})


@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "chat.html", {"categories": engine_state(request).categories})
