"""Real sentence-transformers model (slow): loading offline, fingerprints, both runtimes, known
neighbours, and a query path that never imports torch."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tmrag.build.embedding import BULK_TEXTS, Embedder, default_model_path
from tmrag.build.encoders import verified_onnx
from tmrag.build.indexer import build_index
from tmrag.config import DEFAULT_MODEL_SHA256, Settings
from tmrag.engine import Engine
from tmrag.errors import ModelError

from ..fakes import write_corpus

pytestmark = pytest.mark.slow

NEIGHBOURS = {
    "cooking": "\n## Bread\n\nKnead the dough, let it rise overnight, and bake the loaf in a hot oven.\n",
    "attention": "\n## Scores\n\nQueries are compared with keys by dot products, scaled, and turned into weights "
                 "by a softmax over the sequence.\n",
    "gpu-memory": "\n## Memory\n\nHigh-bandwidth memory on the accelerator limits how fast weights can be "
                  "streamed for each decoding step.\n",
}


@pytest.fixture(scope="module")
def embedder(real_settings: Settings) -> Embedder:
    return Embedder(real_settings)  # shares the test index's ONNX export


def test_default_model_is_offline_and_fingerprinted(embedder: Embedder) -> None:
    assert embedder.sha256 == DEFAULT_MODEL_SHA256 and embedder.dimension == 384
    assert embedder.max_seq_length == 256
    assert embedder.wordpieces("hello world") == 4  # [CLS] hello world [SEP]; no 128 padding/truncation


def test_tampered_weights_are_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(default_model_path(), copy)
    with (copy / "model.safetensors").open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelError, match="weights of"):
        Embedder(Settings(embedding_model=str(copy), embedding_sha256=DEFAULT_MODEL_SHA256))


def test_contextual_vectors_match_sentence_transformers(embedder: Embedder) -> None:
    text = "Attention › Scores\nQueries meet keys. The softmax turns scores into weights."
    docs, spans = embedder.encode_in_context([text], [[(19, 37), (38, len(text))]])
    reference = embedder.model.encode([text], normalize_embeddings=True)
    assert float(docs[0] @ reference[0]) > 0.999
    assert spans[0].shape == (2, 384) and np.allclose(np.linalg.norm(spans[0], axis=1), 1.0, atol=1e-4)


def test_a_span_past_the_window_is_encoded_on_its_own(embedder: Embedder) -> None:
    """The last rows of a table longer than the window get their own vectors, not the text's."""
    filler = " ".join(["tokens"] * 400)
    text = f"{filler}\n| Int8 kernel bug | perplexity canary |"
    row = (text.index("| Int8"), len(text))
    docs, spans = embedder.encode_in_context([text], [[(0, 6), row]])
    alone = embedder.model.encode([text[slice(*row)]], normalize_embeddings=True)[0]
    assert float(spans[0][1] @ alone) > 0.999 and float(spans[0][1] @ docs[0]) < 0.99


def test_query_vectors_match_sentence_transformers(embedder: Embedder) -> None:
    q = "How much memory does grouped-query attention save?"
    assert embedder.runtime(1) == "onnx"
    assert float(embedder.encode_query(q) @ embedder.model.encode([q], normalize_embeddings=True)[0]) > 0.9999


def test_onnx_and_torch_runtimes_agree_on_padded_batches(embedder: Embedder, real_settings: Settings) -> None:
    texts = ["A › B\nShort one.", "Attention › Scores\nQueries meet keys. The softmax turns scores into weights, "
             "and the weights mix the values into one output per position."]
    spans = [[(6, 16)], [(19, 37), (38, len(texts[1]))]]
    assert embedder.runtime(len(texts)) == "onnx" and embedder.runtime(BULK_TEXTS) == "torch"
    forced = Embedder(real_settings.model_copy(update={"embed_backend": "torch", "embed_precision": "fp32"}))
    assert forced.runtime(1) == "torch"
    (docs, sents), (ref_docs, ref_sents) = embedder.encode_in_context(texts, spans), forced.encode_in_context(texts, spans)
    assert np.all(np.sum(docs * ref_docs, axis=1) > 0.9999)
    assert all(np.all(np.sum(a * b, axis=1) > 0.9999) for a, b in zip(sents, ref_sents, strict=True))


def test_a_tampered_onnx_export_is_rebuilt(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx")
    first = Embedder(settings)
    path = first.ensure_onnx()
    assert verified_onnx(path, first.sha256)
    with path.open("ab") as f:
        f.write(b"\0")
    assert not verified_onnx(path, first.sha256)
    second = Embedder(settings)
    assert second.ensure_onnx() == path and verified_onnx(path, second.sha256)
    q = "What does the KV cache store?"
    assert float(second.encode_query(q) @ first.model.encode([q], normalize_embeddings=True)[0]) > 0.9999


def test_known_nearest_neighbour_on_a_tiny_corpus(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", NEIGHBOURS, glossary=[])
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "idx")
    build_index(settings)
    engine = Engine.open(settings)
    top = engine.search("why is token generation limited by memory bandwidth?", k=3).model_dump(mode="json")["results"][0]
    assert top["module_id"] == "gpu-memory"
    top = engine.search("how do I make sourdough", k=3).model_dump(mode="json")["results"][0]
    assert top["module_id"] == "cooking"


def test_query_path_never_imports_torch(real_settings: Settings) -> None:
    """Queries run on ONNX Runtime: opening the engine and answering must not pull in torch
    (10+ s of imports and ~700 MiB per server process)."""
    import subprocess
    import sys

    script = ("import sys\nfrom tmrag.engine import Engine\nfrom tmrag.config import Settings\n"
              f"e = Engine.open(Settings(corpus_dir={str(real_settings.corpus_dir)!r}, "
              f"index_dir={str(real_settings.index_dir)!r}))\n"
              "assert e.ask('What does the KV cache store?').citations\n"
              "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
