"""The stemmed BM25 leg: a question's stems never re-weight it, surface forms count beside the
stems, and a follow-up's "(context: …)" marker is not a query word."""

from __future__ import annotations

from types import SimpleNamespace

from tmrag.build.lexical import LexicalIndex
from tmrag.config import Settings
from tmrag.query.analysis import QueryAnalyzer
from tmrag.query.followup import Turn, resolve
from tmrag.query.retrieval import Retriever
from tmrag.tokenize import stem_query, stem_tokens, tokenize

# Two documents with forms of "draft" among others without it, so the word is rare enough to score.
DOCS = ["the draft model drafts tokens", "a drafted token is verified", "verification of tokens by the target",
        "attention over long context", "rotary position embeddings", "mixture of experts routing"]


def _retriever(surface_weight: float) -> Retriever:
    surface = [tokenize(d) for d in DOCS]
    index = SimpleNamespace(lexical=LexicalIndex(surface, 1.5, 0.75),
                            bm25=LexicalIndex([stem_tokens(t) for t in surface], 1.5, 0.75))
    return Retriever(index, Settings(bm25_surface_weight=surface_weight, retrieve_min_docs=0))  # type: ignore[arg-type]


def test_stems_count_once_per_question_word() -> None:
    assert stem_query(tokenize("drafted the draft")) == ["draft"]  # two forms of one word: once
    assert stem_query(["draft", "draft", "drafted"]) == ["draft", "draft"]  # a word the question repeats: as often
    assert stem_query(tokenize("fp16 $2.50 scaling")) == ["fp16", "$2.50", "scale"]


def test_surface_forms_count_beside_the_stems() -> None:
    stems_only = dict(_retriever(0.0).lexical_leg(["drafted"], None))
    both = dict(_retriever(0.5).lexical_leg(["drafted"], None))
    assert stems_only[0] > 0 and stems_only[1] > 0  # "drafts" and "drafted" share the stem
    assert both[1] - stems_only[1] > 0 and both[0] == stems_only[0]  # only the written form gains
    assert set(both) == set(stems_only) == {0, 1}
    assert both[1] > both[0]  # the document with the form the question wrote leads


def test_context_marker_is_not_a_query_word() -> None:
    resolution = resolve("Why is that?", [Turn("How does GRPO compute the advantage?", "")], 0)
    assert "(context: " in resolution.question
    tokens = QueryAnalyzer([]).analyze(resolution.question).lexical_tokens
    assert "context" not in tokens and "grpo" in tokens
    assert "context" in QueryAnalyzer([]).analyze("Why does context length matter?").lexical_tokens
