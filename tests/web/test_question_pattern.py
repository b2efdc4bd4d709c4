"""The OpenAPI document's pattern for questions and queries accepts exactly what the engine's
validate_question accepts (schemathesis found "\\u0085" schema-valid but answered 422 "question is
empty"), and the served document carries it."""

from __future__ import annotations

import re

import pytest

from tmrag.errors import InvalidQueryError
from tmrag.query.analysis import validate_question
from tmrag.web.schemas import QUESTION_PATTERN

from .edge import client, tiny_settings

# Every whitespace code point, and everything below U+3100 (controls, Latin, the
# spaces' neighbourhoods); the rest of Unicode is ordinary letters and symbols.
CANDIDATES = [chr(cp) for cp in range(0x110000) if cp < 0x3100 or chr(cp).isspace() or 0xD800 <= cp <= 0xDFFF]


def _accepted(question: str) -> bool:
    try:
        validate_question(question, None)
    except InvalidQueryError:
        return False
    return True


def test_the_pattern_accepts_exactly_what_the_engine_accepts() -> None:
    pattern = re.compile(QUESTION_PATTERN)
    for ch in CANDIDATES:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            continue  # a lone surrogate is not text: no JSON generator makes one, and the engine refuses it
        for question in (ch, f" {ch} ", f"kv cache {ch}"):
            assert bool(pattern.search(question)) == _accepted(question), (hex(ord(ch)), question)


def test_the_pattern_is_one_ecma_validators_accept() -> None:
    import jsonschema_rs  # schemathesis' validator: a pattern it cannot compile is dropped, not enforced

    validator = jsonschema_rs.validator_for({"type": "string", "pattern": QUESTION_PATTERN})
    assert [validator.is_valid(q) for q in (" ", "\u0085", "\u3000 \t", "a", " kv ")] == [False, False, False, True, True]


@pytest.mark.parametrize(("path", "field"), [("/ask", "AskRequest"), ("/search", "SearchRequest")])
def test_the_served_document_carries_it(tmp_path, path: str, field: str) -> None:  # noqa: ANN001
    with client(tiny_settings(tmp_path)) as c:
        schemas = c.get("/openapi.json").json()["components"]["schemas"]
    name = "question" if field == "AskRequest" else "query"
    assert schemas[field]["properties"][name]["pattern"] == QUESTION_PATTERN
