"""Train the answerability reader: a cross-encoder that reads a question together with the
sentences an answer quotes and scores whether they state what was asked.

Data (evaluation-only sources are never used): SQuAD 2.0 samples in their public JSON format
(questions written adversarially to look answerable from the paragraph; see docs/decisions.md for
where the samples came from), plus the golden set's dev split (eval/golden.jsonl, tag "dev"): its
unanswerable questions paired with the sentences the extractive answerer quotes for them, and its
answerable questions paired with the quoted sentences when they cite a relevant module, and
(``--review``, as shipped) the review set's dev split (eval/review.jsonl) less the held-out tags
(``--held-out``: dev45 and dev46 choose the thresholds, dev47 checks them); the review test split is
never read. The shipped reader (docs/decisions.md, session 43):

    .venv/bin/python scripts/train_reader.py data/squad2/*.json --review --out src/tmrag/answer/models/reader

Writes plain files: model.onnx (int8, dynamic quantisation), tokenizer.json, reader.json (max
length, the training summary, the sha256 of model.onnx). No pickle."""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from pathlib import Path

import numpy as np
import torch

SEED = 13  # any fixed seed: the run is reproducible to the last digit on the same machine
MAX_LENGTH = 256  # question + 2-5 quoted sentences fit; SQuAD paragraphs are cut at the end
CONTEXT_WORDS = 180  # SQuAD paragraphs are cut to about what an answer quotes
EPOCHS = 2
BATCH = 16
LR = 3e-5  # the usual BERT fine-tuning rate for a small model
ROOT = Path(__file__).resolve().parent.parent


def squad_pairs(paths: list[Path]) -> list[tuple[str, str, int]]:
    pairs = []
    for path in paths:
        for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for para in article["paragraphs"]:
                context = " ".join(para["context"].split()[:CONTEXT_WORDS])
                for qa in para["qas"]:
                    pairs.append((qa["question"], context, 0 if qa.get("is_impossible") else 1))
    rng = random.Random(SEED)
    negatives = [p for p in pairs if p[2] == 0]
    positives = rng.sample([p for p in pairs if p[2] == 1], min(len(negatives), sum(p[2] for p in pairs)))
    return negatives + positives


def golden_pairs() -> list[tuple[str, str, int]]:
    from tmrag.config import Settings
    from tmrag.engine import Engine

    engine = Engine.open(Settings(corpus_dir=ROOT / "corpus", index_dir=ROOT / "indexes"))
    pairs = []
    for line in (ROOT / "eval" / "golden.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if "dev" not in q["tags"]:
            continue
        ranking = engine.rank(q["question"])
        quotes = engine.quotes(ranking)
        text = " ".join(engine.index.chunks[x.row].text[a:b] for x in quotes for a, b in x.spans)
        cited = {engine.index.chunks[x.row].module_id for x in quotes}
        if not text:
            continue
        if not q["answerable"]:
            pairs.append((q["question"], text, 0))
        elif cited & set(q["relevant_modules"]):
            pairs.append((q["question"], text, 1))
    return pairs


def review_pairs(held_out: set[str]) -> list[tuple[str, str, int]]:
    """The review set's dev questions but those tagged ``held_out`` (which choose and check the
    thresholds), each read as the answer shows its quotes: an unanswerable one with the sentences
    the answerer quotes for it is 0; an answerable one is 1 when those sentences hold every
    must-contain string, 0 when they hold none (the quotes do not state what was asked); every
    answerable one not labelled 1 that way (quotes missing a string, or no strings to check) also
    gives its writer's evidence quotes as a 1 (they state the answer, wherever in them it sits)."""
    from tmrag.answer.quotes import shown_sentences
    from tmrag.answer.text import display_sentence
    from tmrag.config import Settings
    from tmrag.engine import Engine

    engine = Engine.open(Settings(corpus_dir=ROOT / "corpus", index_dir=ROOT / "indexes"))
    pairs = []
    for line in (ROOT / "eval" / "review.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if "dev" not in q["tags"] or held_out & set(q["tags"]):
            continue
        quotes = engine.quotes(engine.rank(q["question"]))
        text = " ".join(display_sentence(s) for s in shown_sentences(quotes, engine.index, engine.corpus))
        found = [m.lower() in text.lower() for m in q.get("must_contain") or []]
        if not q["answerable"]:
            pairs += [(q["question"], text, 0)] if text else []
        elif found and all(found):
            pairs.append((q["question"], text, 1))
        else:
            pairs += [(q["question"], text, 0)] if text and found and not any(found) else []
            evidence = " ".join(display_sentence(e["quote"]) for e in q.get("evidence") or [])
            pairs += [(q["question"], evidence, 1)] if evidence else []
    return pairs


def train(pairs: list[tuple[str, str, int]], out: Path) -> dict:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from tmrag.build.embedding import default_model_path

    torch.manual_seed(SEED)
    base = default_model_path()
    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    rng = random.Random(SEED)
    t0 = time.time()
    for epoch in range(EPOCHS):
        rng.shuffle(pairs)
        model.train()
        losses = []
        for i in range(0, len(pairs), BATCH):
            batch = pairs[i : i + BATCH]
            enc = tok([q for q, _, _ in batch], [c for _, c, _ in batch], truncation="only_second",
                      max_length=MAX_LENGTH, padding=True, return_tensors="pt")
            labels = torch.tensor([float(y) for _, _, y in batch])
            logits = model(**enc).logits.squeeze(-1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
        print(f"epoch {epoch + 1}: loss {np.mean(losses):.4f} ({time.time() - t0:.0f} s)", flush=True)
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    export(model, tok, out)
    return {"pairs": len(pairs), "positives": sum(y for _, _, y in pairs), "epochs": EPOCHS,
            "seconds": round(time.time() - t0), "final_loss": round(float(np.mean(losses)), 4)}


def export(model, tok, out: Path) -> None:  # noqa: ANN001
    from onnxruntime.quantization import QuantType, quantize_dynamic

    enc = tok(["a question?"], ["a passage."], return_tensors="pt")
    fp32 = out / "model.fp32.onnx"
    torch.onnx.export(model, (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]), str(fp32),
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes={n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "token_type_ids")},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8)
    fp32.unlink()
    tok.backend_tokenizer.save(str(out / "tokenizer.json"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("squad", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "tmrag" / "answer" / "models" / "reader")
    ap.add_argument("--no-golden", action="store_true", help="train on SQuAD only")
    ap.add_argument("--review", action="store_true", help="also train on the review set's dev split (see review_pairs)")
    ap.add_argument("--held-out", nargs="+", default=["dev45", "dev46", "dev47"],
                    help="review dev tags kept out of training")
    args = ap.parse_args()
    random.seed(SEED)
    pairs = squad_pairs(args.squad)
    in_domain = [] if args.no_golden else golden_pairs()
    review = review_pairs(set(args.held_out)) if args.review else []
    summary = train(pairs + in_domain + review, args.out)
    summary |= {"squad_pairs": len(pairs), "golden_dev_pairs": len(in_domain), "review_dev_pairs": len(review),
                "max_length": MAX_LENGTH,
                "sha256": hashlib.sha256((args.out / "model.onnx").read_bytes()).hexdigest()}
    (args.out / "reader.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
