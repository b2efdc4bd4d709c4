"""The fake embedder and the real one both implement TextEmbedder, member for member.

Unit tests run on the fake; if its interface drifted from the real model's, they would test code
paths production never takes. The class-level checks of the real Embedder load no model (fast);
only the last test builds one."""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import cached_property

import numpy as np
import pytest

from tmrag.build.embedding import Embedder
from tmrag.build.protocol import TextEmbedder

from ..fakes import FakeEmbedder

DATA = sorted(n for n in TextEmbedder.__annotations__ if not n.startswith("_"))
PROPERTIES = sorted(n for n, v in vars(TextEmbedder).items() if not n.startswith("_") and isinstance(v, property))
METHODS = sorted(n for n, v in vars(TextEmbedder).items() if not n.startswith("_") and inspect.isfunction(v))
MEMBERS = set(DATA) | set(PROPERTIES) | set(METHODS)


def _parameters(function: object) -> list[tuple[str, object]]:
    """Parameter names and defaults, the part of a signature a caller depends on."""
    return [(p.name, p.default) for p in inspect.signature(function).parameters.values()]


def _assigned_in_init(cls: type) -> set[str]:
    """Attributes ``__init__`` sets on ``self`` (read from the source: nothing runs)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.__init__)))
    return {t.attr for node in ast.walk(tree) if isinstance(node, ast.Assign) for t in node.targets
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"}


def test_the_protocol_has_the_members_this_test_checks() -> None:
    assert DATA == ["name", "sha256"]
    assert PROPERTIES == ["dimension", "fingerprint", "max_seq_length"]
    assert set(METHODS) >= {"encode_query", "encode_in_context", "wordpieces", "wordpieces_many"}


# -- the fake ---------------------------------------------------------------------------------

def test_fake_is_a_text_embedder_and_nothing_more() -> None:
    assert isinstance(FakeEmbedder(), TextEmbedder)
    own = {n for n in vars(FakeEmbedder) if not n.startswith("_")}
    assert own == MEMBERS  # every member implemented here (not the protocol's stub), and no extras


@pytest.mark.parametrize("method", METHODS)
def test_fake_method_signatures_match_the_protocol(method: str) -> None:
    assert _parameters(getattr(FakeEmbedder, method)) == _parameters(getattr(TextEmbedder, method))


@pytest.mark.parametrize("prop", PROPERTIES)
def test_fake_properties_are_properties(prop: str) -> None:
    assert isinstance(inspect.getattr_static(FakeEmbedder, prop), property)


def test_fake_values_have_the_protocol_types_and_shapes() -> None:
    fake = FakeEmbedder()
    assert isinstance(fake.name, str) and isinstance(fake.sha256, str) and isinstance(fake.fingerprint, str)
    assert isinstance(fake.dimension, int) and isinstance(fake.max_seq_length, int)
    texts = ["Attention › Scores\nQueries meet keys. The softmax turns scores into weights.", "One more."]
    assert fake.wordpieces_many(texts) == [fake.wordpieces(t) for t in texts]
    query = fake.encode_query("what does the KV cache store?")
    assert query.shape == (fake.dimension,) and np.isclose(np.linalg.norm(query), 1.0)
    docs, spans = fake.encode_in_context(texts, [[(19, 37), (38, len(texts[0]))], []])
    assert docs.shape == (2, fake.dimension) and [s.shape for s in spans] == [(2, fake.dimension), (0, fake.dimension)]


# -- the real Embedder, inspected as a class ----------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_embedder_method_signatures_match_the_protocol(method: str) -> None:
    assert inspect.isfunction(inspect.getattr_static(Embedder, method))
    assert _parameters(getattr(Embedder, method)) == _parameters(getattr(TextEmbedder, method))


@pytest.mark.parametrize("prop", PROPERTIES)
def test_embedder_properties_are_properties(prop: str) -> None:
    assert isinstance(inspect.getattr_static(Embedder, prop), property | cached_property)


@pytest.mark.parametrize("attr", DATA)
def test_embedder_sets_the_protocol_attributes(attr: str) -> None:
    assert attr in _assigned_in_init(Embedder)


@pytest.mark.slow
def test_a_real_embedder_is_a_text_embedder(real_settings) -> None:  # noqa: ANN001
    embedder = Embedder(real_settings)
    assert isinstance(embedder, TextEmbedder)
    assert isinstance(embedder.name, str) and isinstance(embedder.sha256, str) and isinstance(embedder.fingerprint, str)
    assert isinstance(embedder.dimension, int) and isinstance(embedder.max_seq_length, int)
    text = "Attention › Scores\nQueries meet keys. The softmax turns scores into weights."
    assert embedder.wordpieces_many([text]) == [embedder.wordpieces(text)]
    assert embedder.encode_query("what does the KV cache store?").shape == (embedder.dimension,)
    docs, spans = embedder.encode_in_context([text], [[(19, 37), (38, len(text))]])
    assert docs.shape == (1, embedder.dimension) and spans[0].shape == (2, embedder.dimension)
