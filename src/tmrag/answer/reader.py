"""The answerability reader: a small cross-encoder (MiniLM-L6, fine-tuned by
scripts/train_reader.py, int8 ONNX) that reads the question together with the sentences an answer
quotes and scores whether they state what was asked. Coverage consults it only for answers the
cheap checks would pass but whose evidence is middling (answer/coverage.py)."""

from __future__ import annotations

import hashlib
import json
import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import ModelError

READER_DIR = Path(__file__).parent / "models" / "reader"


class AnswerReader:
    def __init__(self, path: Path = READER_DIR) -> None:
        self.path = path
        self._lock = threading.Lock()  # the tokenizer's truncation settings are per instance

    @cached_property
    def meta(self) -> dict:
        try:
            meta = json.loads((self.path / "reader.json").read_text(encoding="utf-8"))
            digest = hashlib.sha256((self.path / "model.onnx").read_bytes()).hexdigest()
        except (OSError, ValueError) as exc:
            raise ModelError(f"answer reader in {self.path} is unreadable: {exc}") from exc
        if digest != meta.get("sha256"):
            raise ModelError(f"answer reader {self.path / 'model.onnx'} has sha256 {digest[:12]}…, "
                             f"expected {str(meta.get('sha256'))[:12]}…")
        return meta

    @cached_property
    def _session(self):  # noqa: ANN202 - onnxruntime.InferenceSession
        import onnxruntime as ort

        self.meta  # noqa: B018 - verify the weights before loading them
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one short pair per answer: threads cost more than they save
        return ort.InferenceSession(str(self.path / "model.onnx"), options, providers=["CPUExecutionProvider"])

    @cached_property
    def _tokenizer(self):  # noqa: ANN202 - tokenizers.Tokenizer
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.enable_truncation(self.meta["max_length"], strategy="only_second")
        tok.no_padding()
        return tok

    def score(self, question: str, quoted: str) -> float:
        """A logit: above 0, the quoted text likely states the answer; below, likely not."""
        with self._lock:
            enc = self._tokenizer.encode(question, quoted)
        feed = {"input_ids": np.array([enc.ids], dtype=np.int64),
                "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([enc.type_ids], dtype=np.int64)}
        return float(self._session.run(None, feed)[0][0][0])
