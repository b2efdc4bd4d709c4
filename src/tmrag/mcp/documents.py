"""Modules and bibliography entries as the read tools and resources return them."""

from __future__ import annotations

import yaml

from ..corpus.markdown import Section
from ..corpus.model import Corpus, Module
from ..corpus.site import module_page
from ..errors import NotFoundError
from .schemas import CitingSection, ModuleDocument, SectionInfo, SourceEntry

FRONT_MATTER_FIELDS = ("id", "number", "title", "category", "summary", "hook", "sources", "related")


def module_url(corpus: Corpus, module_id: str, anchor: str | None = None) -> str | None:
    return module_page(corpus.module_url, module_id, anchor)


def find_module(corpus: Corpus, module_id: str) -> Module:
    module = corpus.modules.get(module_id)
    if module is None:
        raise NotFoundError(f"no module with id {module_id!r}")
    return module


def section_span(module: Module, section: Section) -> tuple[int, int]:
    """From the heading line to the next heading of the same or a higher level: subsections included."""
    start = module.text.rfind("\n", 0, section.start - 1) + 1
    later = [s for s in module.sections if s.start > section.start and s.level <= section.level]
    end = module.text.rfind("\n", 0, later[0].start - 1) + 1 if later else len(module.text)
    return start, end


def module_document(corpus: Corpus, module_id: str, anchor: str | None = None) -> ModuleDocument:
    module = find_module(corpus, module_id)
    fields = {name: getattr(module, name) for name in FRONT_MATTER_FIELDS}
    sections = [SectionInfo(anchor=s.anchor, title=s.title, level=s.level, url=module_url(corpus, module.id, s.anchor))
                for s in module.sections]
    if not anchor:
        return ModuleDocument(**fields, url=module_url(corpus, module.id), section=None, anchor=None, sections=sections,
                              start=0, end=len(module.text), markdown=module.text)
    section = module.section_by_anchor(anchor.lstrip("#"))
    if section is None:
        known = ", ".join(s.anchor for s in module.sections)
        raise NotFoundError(f"module {module.id!r} has no section {anchor!r}; its sections: {known}")
    start, end = section_span(module, section)
    header = yaml.safe_dump({**fields, "section": section.title, "anchor": section.anchor},
                            sort_keys=False, allow_unicode=True, width=1000)
    markdown = f"---\n{header}---\n\n{module.text[start:end].rstrip()}\n"
    return ModuleDocument(**fields, url=module_url(corpus, module.id, section.anchor), section=section.title,
                          anchor=section.anchor, sections=sections, start=start, end=end, markdown=markdown)


def source_entry(corpus: Corpus, source_id: str) -> SourceEntry:
    source = corpus.sources.get(source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id!r}")
    return SourceEntry(**source.to_dict(), cited_by=citing_sections(corpus, source_id))


def citing_sections(corpus: Corpus, source_id: str) -> list[CitingSection]:
    out = []
    for module in corpus.modules.values():
        seen: set[str] = set()
        for cited, offset in module.citations:
            if cited != source_id:
                continue
            section = next((s for s in reversed(module.sections) if s.start <= offset), None)
            anchor = section.anchor if section else None
            if (anchor or "") not in seen:
                seen.add(anchor or "")
                out.append(CitingSection(module_id=module.id, title=module.title,
                                         section=section.title if section else None, anchor=anchor,
                                         url=module_url(corpus, module.id, anchor)))
    return out
