"""Two runtimes for the embedding model's transformer. Both map a padded batch of token ids to
token states; pooling, tokenisation and caching live in ``embedding``.

- ``TorchEncoder``: sentence-transformers on PyTorch, with bf16 autocast on CPUs that have
  native bf16. Fastest per text for bulk builds, but importing torch + sentence-transformers
  costs ~10 s.
- ``OnnxEncoder``: the same weights, exported once to ONNX and run by ONNX Runtime in fp32.
  It imports in 0.4 s and embeds one query in ~11 ms (PyTorch: ~25 ms), so queries and small
  incremental builds use it (measurements in docs/decisions.md).
"""

from __future__ import annotations

import json
import os
import warnings
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..files import atomic_write_text, sha256_file

ONNX_OPSET = 17  # runs on any onnxruntime >= 1.14; a BERT graph needs nothing newer
# ORT fp32 and PyTorch fp32 agree to ~1e-6 cosine; anything below this is a broken export.
EXPORT_MIN_COSINE = 0.9999
EXPORT_PROBES = ["Grouped-query attention shares key and value heads.", "KV cache memory grows with context length."]


class TorchEncoder:
    def __init__(self, path: Path, precision: str) -> None:
        self.path = path
        self._precision = precision

    @cached_property
    def model(self):  # noqa: ANN201 - SentenceTransformer, imported lazily (torch is slow to import)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every CLI run is noise
        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    @cached_property
    def precision(self) -> str:
        """bf16 autocast where the CPU has native bf16 (AMX/AVX512-BF16): 1.65x faster here,
        vectors within cosine 0.9999 of fp32. Forced with TMRAG_EMBED_PRECISION."""
        if self._precision != "auto":
            return self._precision
        import torch

        return "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"

    def hidden(self, ids: np.ndarray, mask: np.ndarray, precision: str | None = None) -> np.ndarray:
        import torch

        precision = precision or self.precision
        transformer = self.model[0].auto_model
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out = transformer(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                              token_type_ids=torch.zeros_like(torch.from_numpy(ids)))
        return out.last_hidden_state.float().numpy()

    def export_onnx(self, target: Path, source_sha256: str) -> None:
        """Write ``target`` (atomically) and ``target.json`` recording what it was made from.
        The caller (``Embedder.ensure_onnx``) then checks it against PyTorch fp32 and deletes it
        if they disagree."""
        import torch

        class LastHidden(torch.nn.Module):
            def __init__(self, inner: torch.nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        ids = torch.tensor([[101, 7592, 102]])
        names = ["input_ids", "attention_mask", "token_type_ids"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer chatter about shapes that are constant for an encoder
                # The TorchScript exporter: one self-contained file, 2 s for MiniLM (the dynamo
                # exporter takes ~20 s and writes external weight data).
                model = LastHidden(self.model[0].auto_model).eval()
                torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp),
                                  input_names=names, output_names=["last_hidden_state"], opset_version=ONNX_OPSET,
                                  dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                                  dynamo=False)
        except Exception as exc:
            tmp.unlink(missing_ok=True)
            raise ModelError(f"could not export {self.path} to ONNX ({exc}); set TMRAG_EMBED_BACKEND=torch") from exc
        os.replace(tmp, target)
        atomic_write_text(target.with_suffix(".json"), json.dumps(
            {"source_sha256": source_sha256, "onnx_sha256": sha256_file(target), "opset": ONNX_OPSET,
             "torch": torch.__version__}, indent=2))


def intra_op_threads(configured: int, workers: int) -> int:
    """ONNX Runtime threads per run: ``configured``, or (0) the cores shared out among the worker
    processes. A query is one short sequence, so threads beyond a process's share of the cores
    only contend with the requests running beside it."""
    return configured or max(1, (os.cpu_count() or 1) // workers)


class OnnxEncoder:
    """ONNX Runtime sessions are thread-safe: concurrent requests call ``hidden`` without a lock."""

    def __init__(self, path: Path, threads: int = 0) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # 0: ORT's default, one per physical core
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # ORT's warnings about unused initializers are noise
        # Idle ORT threads would spin for a while after each run and steal the cores FAISS and
        # BM25 need right after the embedding (dense p95 8 ms → 1 ms with spinning off).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]


def verified_onnx(target: Path, source_sha256: str) -> bool:
    """True when ``target`` is an export of these exact weights and has not changed since."""
    meta = target.with_suffix(".json")
    if not (target.exists() and meta.exists()):
        return False
    try:
        info = json.loads(meta.read_text())
    except ValueError:
        return False
    return info.get("source_sha256") == source_sha256 and info.get("onnx_sha256") == sha256_file(target)
