"""Server-sent events for /ask/stream: citations first, then the answer sentence by sentence,
then timings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from ..answer.types import Answer

# A sentence with the run of markers that ends it ("… text. [2] [3] "), or the tail.
PIECE_RE = re.compile(r".+?(?:\[\d+\](?:\s*\[\d+\])*\s*|$)", re.S)


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_events(result: Answer) -> Iterator[str]:
    keys = ("citations", "sources", "abstained", "coverage", "missing", "suggestions", "unmentioned_terms",
            "resolved_question")
    first = result.model_dump(mode="json", include=set(keys))
    yield _event("citations", {k: first[k] for k in keys})
    for piece in PIECE_RE.findall(result.answer):
        if piece:
            yield _event("answer", {"text": piece})
    yield _event("done", {"timings_ms": result.timings_ms, "index": result.index.model_dump(mode="json"),
                          "abstained": result.abstained, "coverage": result.coverage, "missing": result.missing})
