"""Document evidence and the passages profile: a module's best two sentences and centroid, each
chunk's best sentence as the dense leg's score, the lexical leg's document share, and the profile
chosen by the corpus's shape with explicit settings kept."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tmrag.build.lexical import LexicalIndex
from tmrag.config import Settings
from tmrag.query.documents import DocumentEvidence
from tmrag.query.loaded_index import LoadedIndex
from tmrag.query.profile import PASSAGES, corpus_shape, profiled
from tmrag.query.retrieval import Retriever


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def _index() -> LoadedIndex:
    """Module a: rows 0-1 (2 + 1 sentences); module b: row 2 (no sentences: a table); source: row 3;
    four unrelated one-chunk modules (rows 4-7), so that BM25's idf of the question words is positive."""
    chunks = [SimpleNamespace(kind="module", doc_id="a", sentences=[0, 1]),
              SimpleNamespace(kind="module", doc_id="a", sentences=[0]),
              SimpleNamespace(kind="module", doc_id="b", sentences=[]),
              SimpleNamespace(kind="source", doc_id="s", sentences=[0]),
              *[SimpleNamespace(kind="module", doc_id=f"other-{i}", sentences=[]) for i in range(4)]]
    tokens = [["cache", "memory"], ["decode", "cache", "cache"], ["optimizer", "warmup"], ["cache", "heads"],
              *[["misc", f"word{i}"] for i in range(4)]]
    lexical = LexicalIndex(tokens, 1.5, 0.75)
    chunk_vectors = np.stack([_unit(1, 1, 0), _unit(0, 1, 0), _unit(0.9, 0, 1), _unit(1, 0, 0)] + [_unit(0, 0, 1)] * 4)
    sentence_vectors = np.stack([_unit(1, 0, 0), _unit(0.5, 1, 0), _unit(0, 1, 1), _unit(1, 0.1, 0)])
    return LoadedIndex(Path("."), {}, chunks, [0, 2, 3, 3, 4, 4, 4, 4], None, lexical,  # type: ignore[arg-type]
                       chunk_vectors, sentence_vectors, np.array([""] * len(chunks), dtype=object))


def test_each_chunk_scores_by_its_best_sentence_or_its_own_vector_without_any() -> None:
    index, q = _index(), _unit(1, 0, 0)
    best = index.best_sentences(q)
    assert best[0] == pytest.approx(1.0)  # sentence 0 points along the question
    assert best[1] == pytest.approx(float(index.sentence_vectors[2] @ q))  # its one sentence
    assert best[2] == pytest.approx(float(index.chunk_vectors[2] @ q))  # no sentences: the chunk vector
    assert best[3] == pytest.approx(float(index.sentence_vectors[3] @ q))
    assert best[4] == pytest.approx(float(index.chunk_vectors[4] @ q))  # no sentences at the end either


def test_document_evidence_covers_modules_only() -> None:
    index, q = _index(), _unit(1, 0, 0)
    docs = DocumentEvidence(index, 1.5, 0.75, stem=False)
    assert docs.count == 6 and list(docs.module_of) == [0, 0, 1, -1, 2, 3, 4, 5]
    sims = index.sentence_vectors[:3] @ q
    top = docs.top_sentences(q, [0, 1])
    assert top[0] == pytest.approx(float(np.sort(sims)[-2:].mean()))  # the mean of module a's best two
    assert top[1] == pytest.approx(float(index.chunk_vectors[2] @ q))  # module b has no sentences
    centroid = index.chunk_vectors[0] + index.chunk_vectors[1]
    assert docs.centroid(q)[0] == pytest.approx(float(centroid @ q / np.linalg.norm(centroid)))
    assert docs.lexical(["warmup"])[1] > 0 and docs.lexical(["warmup"])[0] == 0


def test_the_lexical_leg_adds_the_document_share_to_matching_chunks_only() -> None:
    index = _index()
    docs = DocumentEvidence(index, 1.5, 0.75, stem=False)
    plain = Retriever(index, Settings(bm25_stem=False), docs).lexical_leg(["cache", "memory"], None)
    shared = Retriever(index, Settings(bm25_stem=False, lexical_document_weight=1.0), docs).lexical_leg(
        ["cache", "memory"], None)
    assert {r for r, _ in plain} == {r for r, _ in shared} == {0, 1, 3}  # row 2 shares no word: still no hit
    scores = dict(shared)
    # Module a holds both words; the source's chunk has no module share, only its own score.
    assert scores[0] == pytest.approx(1.0 + 1.0) and scores[3] < scores[1] + 1.0


def test_the_sentence_dense_leg_ranks_by_best_sentence_and_respects_the_filter() -> None:
    index, q = _index(), _unit(0, 1, 0.2)
    retriever = Retriever(index, Settings(dense_unit="sentence", retrieve_top_n=10))
    rows = [r for r, _ in retriever.dense_leg(q, None)]
    expected = np.argsort(-index.best_sentences(q), kind="stable")
    assert rows == list(expected)
    assert [r for r, _ in retriever.dense_leg(q, np.array([True, False, True] + [False] * 5))] == \
        [r for r in expected if r in (0, 2)]


def test_the_corpus_shape_picks_the_profile_and_explicit_settings_win() -> None:
    short = SimpleNamespace(chunks=[SimpleNamespace(kind="module", doc_id=f"d{i // 3}") for i in range(30)])
    long_ = SimpleNamespace(chunks=[SimpleNamespace(kind="module", doc_id=f"m{i // 20}") for i in range(60)]
                            + [SimpleNamespace(kind="source", doc_id=f"s{i}") for i in range(100)])
    assert corpus_shape(short) == "passages" and corpus_shape(long_) == "modules"  # sources are no documents here
    assert profiled(Settings(), long_) == Settings()
    applied = profiled(Settings(), short)
    assert all(getattr(applied, k) == v for k, v in PASSAGES.items())
    kept = profiled(Settings(rerank_document_weight=0.2), short)
    assert kept.rerank_document_weight == 0.2 and kept.dense_unit == "sentence"
    assert profiled(Settings(retrieval_profile="modules"), short) == Settings(retrieval_profile="modules")
    assert profiled(Settings(retrieval_profile="passages"), long_).dense_unit == "sentence"


def test_the_reranker_lifts_a_passage_whose_module_has_two_matching_sentences() -> None:
    from tmrag.query.analysis import AnalyzedQuery
    from tmrag.query.reranking import DocumentLexicalReranker
    from tmrag.query.retrieval import Candidate

    index, q = _index(), _unit(1, 0.2, 0)
    fused = [Candidate(2, 0.033), Candidate(0, 0.031)]  # module b's table first, module a's passage second
    query = AnalyzedQuery("a question", ["zzz"])  # no word in common: only the dense evidence moves it
    plain = DocumentLexicalReranker(index, weight=0.0, k1=1.5, b=0.75).rerank(query, q, fused)
    lifted = DocumentLexicalReranker(index, weight=0.0, k1=1.5, b=0.75, sentence_weight=0.5).rerank(query, q, fused)
    assert [c.row for c in plain] == [2, 0] and [c.row for c in lifted] == [0, 2]
    assert lifted[0].features["module_sentences"] > lifted[1].features["module_sentences"]
    centred = DocumentLexicalReranker(index, weight=0.0, k1=1.5, b=0.75, centroid_weight=1.0).rerank(query, q, fused)
    centroids = DocumentEvidence(index, 1.5, 0.75, stem=False).centroid(q)
    module_of = {0: 0, 2: 1}  # row -> module (a, b)
    assert all(c.features["module_centroid"] == pytest.approx(float(centroids[module_of[c.row]])) for c in centred)


def test_a_name_said_just_before_a_chunk_boundary_in_the_same_paragraph_is_mentioned() -> None:
    from types import SimpleNamespace

    from tmrag.build.chunking import Chunk
    from tmrag.query.ranking import Ranker

    def chunk(n: int, text: str, start: int, section: str = "overview") -> Chunk:
        return Chunk(id=f"m#{section}:{n}", kind="module", doc_id="m", title="M", breadcrumb="M › Overview", text=text,
                     module_id="m", section=section, start=start, end=start + len(text), sentences=[(0, len(text))])

    first = chunk(0, "The hook makes this concrete for GPT-4V.", 0)
    ranker = Ranker.__new__(Ranker)
    second = chunk(1, "Low detail costs 85 tokens.", first.end + 1)
    ranker.index = SimpleNamespace(chunks=[first, second, chunk(2, "A new paragraph.", second.end + 2)])
    assert ranker.cut_lead(1) == "The hook makes this concrete for GPT-4V."
    assert ranker.cut_lead(2) is None  # "\n\n" between: another paragraph
    assert ranker.cut_lead(0) is None
