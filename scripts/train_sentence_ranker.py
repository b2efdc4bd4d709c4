"""Train the sentence ranker: a cross-encoder that reads a question (or one side's or part's
query) with one candidate sentence and scores whether the sentence states what was asked.

Data: the review set's dev questions (eval/review.jsonl, tag "dev"; never "test"), whose evidence
quotes are verbatim sentences of the notes. For each answerable question, the extractive
answerer's retrieval for the whole question and, for a comparison or a multi-part question, for
each side or part, gives candidate sentences (``QuoteSelector.candidates``, the ranker off); a
candidate is positive when it is one of the evidence quotes. Each ranking with a positive is one
listwise example: its ``--depth`` best candidates by embedding similarity, a positive swapped in
when none is among them. A fifth of the dev questions (by a hash of the id) is held out to report
on, with the test split.

    .venv/bin/python scripts/train_sentence_ranker.py --out src/tmrag/answer/models/sentences

Writes plain files: model.onnx (int8, dynamic quantisation), tokenizer.json, reader.json (max
length, the training summary, the sha256 of model.onnx). No pickle."""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from train_reader import export

SEED = 13  # any fixed seed: the run is reproducible on the same machine
DEPTH = 8  # candidates per ranking: about what the answer's margin leaves in play
MAX_LENGTH = 128  # a query and one sentence with its breadcrumb
GROUPS = 4  # rankings per optimiser step
EPOCHS = 1  # one pass over ~3,200 rankings: the held-out P@1 stops improving after it (2 cores: ~40 min)
LR = 3e-5  # the usual BERT fine-tuning rate for a small model
HELD_OUT = 5  # one dev question in five is held out
MIN_QUOTE = 15  # characters: shorter evidence quotes ("fp32") match too many sentences
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Example:
    qid: str
    query: str
    texts: list[str]  # breadcrumb: sentence
    labels: list[int]
    held_out: bool


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def held_out(qid: str) -> bool:
    return int(hashlib.md5(qid.encode()).hexdigest(), 16) % HELD_OUT == 0


def examples(depth: int) -> list[Example]:
    from tmrag.config import Settings
    from tmrag.engine import Engine
    from tmrag.query.comparison import counted_clause, side_query
    from tmrag.query.intent import part_queries, sides_clause

    engine = Engine.open(Settings(corpus_dir=ROOT / "corpus", index_dir=ROOT / "indexes", sentence_ranker=False))
    out = []
    for line in (ROOT / "eval" / "review.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if "dev" not in q["tags"] or not q["answerable"] or not q.get("evidence"):
            continue
        quotes = [n for ev in q["evidence"] if len(n := norm(ev["quote"])) > MIN_QUOTE]
        ranking = engine.rank(q["question"])
        rankings = [ranking]
        sides = ranking.intent.sides or ranking.intent.parts
        if 1 < len(sides) <= 4:
            if ranking.intent.sides:
                clause = counted_clause(q["question"]) or sides_clause(q["question"], sides)
                queries = [side_query(clause, sides, n) for n in range(len(sides))]
            else:
                queries = part_queries(sides, ranking.intent.numeric)
            rankings += [engine.rank(query, k=8) for query in queries]
        for r in rankings:
            scored = sorted(engine.quoter.candidates(r), key=lambda s: -s.score)
            texts = [engine.quoter.sentence(s.row, s.j) for s in scored]
            labels = [int(any((len(n := norm(t)) > MIN_QUOTE and n in ev) or ev[:60] in n for ev in quotes))
                      for t in texts]
            if not any(labels):
                continue
            keep = list(range(min(depth, len(texts))))
            if not any(labels[i] for i in keep) and not held_out(q["id"]):  # held out: measured as served
                keep[-1] = labels.index(1)
            crumbs = [engine.index.chunks[s.row].breadcrumb for s in scored]
            out.append(Example(q["id"], r.query.text, [f"{crumbs[i]}: {texts[i]}" for i in keep],
                               [labels[i] for i in keep], held_out(q["id"])))
    return out


def train(data: list[Example], out: Path, epochs: int) -> dict:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from tmrag.build.embedding import default_model_path

    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    tok = AutoTokenizer.from_pretrained(default_model_path())
    model = AutoModelForSequenceClassification.from_pretrained(default_model_path(), num_labels=1)
    opt = torch.optim.AdamW(model.parameters(), lr=LR)

    def logits(ex: Example) -> torch.Tensor:
        enc = tok([ex.query] * len(ex.texts), ex.texts, truncation="longest_first", max_length=MAX_LENGTH,
                  padding=True, return_tensors="pt")
        return model(**enc).logits.squeeze(-1)

    train_set = [ex for ex in data if not ex.held_out]
    t0, losses = time.time(), []
    for epoch in range(epochs):
        rng.shuffle(train_set)
        model.train()
        for i in range(0, len(train_set), GROUPS):
            loss = torch.zeros(())
            for ex in train_set[i : i + GROUPS]:  # listwise: the positives' share of the ranking's softmax
                s, y = logits(ex), torch.tensor(ex.labels, dtype=torch.bool)
                loss = loss - (torch.logsumexp(s[y], 0) - torch.logsumexp(s, 0))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss) / GROUPS)
            if len(losses) % 100 == 0:
                print(f"step {len(losses)}: loss {np.mean(losses[-100:]):.4f} ({time.time() - t0:.0f} s)", flush=True)
        print(f"epoch {epoch + 1}: loss {np.mean(losses[-200:]):.4f} ({time.time() - t0:.0f} s)", flush=True)
    model.eval()
    with torch.no_grad():
        held = [ex for ex in data if ex.held_out]
        top = [ex.labels[int(torch.argmax(logits(ex)))] for ex in held]  # the positive among the depth best
    out.mkdir(parents=True, exist_ok=True)
    export(model, tok, out)
    return {"rankings": len(train_set), "held_out_rankings": len(held), "epochs": epochs,
            "seconds": round(time.time() - t0), "final_loss": round(float(np.mean(losses[-200:])), 4),
            "held_out_p_at_1": round(float(np.mean(top)), 3),
            "held_out_p_at_1_by_similarity": round(float(np.mean([ex.labels[0] for ex in held])), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "tmrag" / "answer" / "models" / "sentences")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--depth", type=int, default=DEPTH)
    args = ap.parse_args()
    summary = train(examples(args.depth), args.out, args.epochs)
    summary |= {"depth": args.depth, "max_length": MAX_LENGTH,
                "sha256": hashlib.sha256((args.out / "model.onnx").read_bytes()).hexdigest()}
    (args.out / "reader.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
