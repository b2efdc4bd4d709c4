"""Shorthand a user types that the notes spell out: "std at d=4096?" asks the standard deviation,
"attn params?" the attention parameters. Neither the lexical leg nor the embedder can match
"std" to notes that never write it, and a follow-up that short has nothing else to go on.

A shorthand is spelled out only where the notes rarely use it themselves: "eval" and "approx"
(LaTeX's \\approx) are the notes' own words and stay."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..tokenize import tokenize

SPELLED_OUT = {
    "std": "standard deviation", "stddev": "standard deviation", "avg": "average",
    "param": "parameter", "params": "parameters", "hparams": "hyperparameters",
    "attn": "attention", "emb": "embedding", "embs": "embeddings", "perf": "performance", "mem": "memory",
    "seq": "sequence", "seqs": "sequences", "ctx": "context", "lr": "learning rate", "bs": "batch size",
    "num": "number", "dim": "dimension", "dims": "dimensions", "prob": "probability", "probs": "probabilities",
    "tok": "token", "toks": "tokens", "grad": "gradient", "grads": "gradients", "impl": "implementation",
    "config": "configuration", "gen": "generation", "evals": "evaluations", "arch": "architecture",
    "bw": "bandwidth", "util": "utilization", "thru": "throughput", "tput": "throughput", "vocab": "vocabulary",
    "ft": "fine-tuning",
}
# Spelled out when the notes use the shorthand in under a tenth as many chunks as the spelled-out
# word ("std" 2 vs "standard" 90; "eval" 103 vs "evaluation" 85 stays).
RARITY = 10
# A lower-case word on its own: not part of "tok/s", "d_std", "seq2seq" or a file name.
SHORT_WORD = re.compile(r"(?<![\w.+/-])(" + "|".join(sorted(SPELLED_OUT, key=len, reverse=True)) + r")(?![\w.+/-])")


class Shorthand:
    def __init__(self, document_frequency: Callable[[str], int]) -> None:
        self.spelled = {short: long for short, long in SPELLED_OUT.items()
                        if document_frequency(short) * RARITY < document_frequency(tokenize(long)[0])}

    def expand(self, text: str) -> str:
        return SHORT_WORD.sub(lambda m: self.spelled.get(m.group(1), m.group(1)), text)
