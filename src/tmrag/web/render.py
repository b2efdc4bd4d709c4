"""Module viewer rendering: markdown → HTML with heading anchors identical to citation
anchors, ``[@id]`` citations linked to /sources/{id}, math kept verbatim, and cited spans
(character offsets into the module file) wrapped in <mark>."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from ..corpus.markdown import CITATION_RE, slugify
from ..corpus.model import Module

BLOCK_MARKER = re.compile(r"[ \t]*(?:(?:[-*+]|\d+[.)]|#{1,6}|>)[ \t]+)+")
OPEN, CLOSE = "\ue000", "\ue001"  # private-use sentinels: never in corpus text, survive markdown


def _math(content: str, _: dict | None = None) -> str:
    return html.escape(content)  # the plugin wraps it in <span class="math inline">


def _math_block(content: str, _: dict | None = None) -> str:
    return f'<div class="math">{html.escape(content.strip())}</div>'  # "$$\n…\n$$" adds no blank lines


def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    md.use(anchors_plugin, min_level=2, max_level=6, slug_func=slugify, permalinkSymbol="#", permalink=True)
    md.use(dollarmath_plugin, renderer=_math, allow_space=True, allow_digits=False, double_inline=True)
    md.add_render_rule("math_block", lambda self, tokens, idx, opts, env: _math_block(tokens[idx].content))
    return md


MD = _md()


def render_module(module: Module, spans: list[tuple[int, int]]) -> str:
    text = module.text
    for start, end in sorted(spans, reverse=True):  # insert from the back so offsets stay valid
        lead = BLOCK_MARKER.match(text, start)
        start = lead.end() if lead and lead.end() < end else start  # keep "- ", "1. ", "> " as markdown
        if module.body_start <= start < end <= len(text):
            text = text[:start] + OPEN + text[start:end] + CLOSE + text[end:]
    body = text[module.body_start :]
    rendered = MD.render(body)
    rendered = CITATION_RE.sub(lambda m: f'<a class="cite" href="/sources/{m.group(1)}">[{m.group(1)}]</a>', rendered)
    first = [True]

    def open_mark(_: re.Match) -> str:
        attr = ' id="cited"' if first[0] else ""
        first[0] = False
        return f'<mark class="cited"{attr}>'

    rendered = re.sub(OPEN, open_mark, rendered)
    return rendered.replace(CLOSE, "</mark>")
