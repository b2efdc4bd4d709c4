"""How quoted sentences read in an answer (the citation keeps the exact quote)."""

import pytest

from tmrag.answer_text import display_sentence, quotable


def test_answer_text_renders_inline_math_and_keeps_money() -> None:
    raw = (r"Total: $30 \times 20{,}000 = 600{,}000$ tokens at \$3 [@claude-pricing], so **$\frac{a}{b} \approx 0.5$** "
           r"for $\mathrm{softmax}(QK^\top/\sqrt{d_k})$.")
    assert display_sentence(raw) == "Total: 30 × 20,000 = 600,000 tokens at \\$3, so a/b ≈ 0.5 for softmax(QKᵀ/√d_k)."
    assert display_sentence("It costs $2.50 per run, not $3, and $$x^2$$ stays.") == (
        "It costs $2.50 per run, not $3, and $$x^2$$ stays.")


@pytest.mark.parametrize(("sentence", "ok"), [
    ("Dividing by the square root of d_k keeps the score variance near one.", True),
    ("- **GQA** shares each key/value head across a group of query heads.", True),
    ("Reciprocal rank fusion ignores raw scores and sums reciprocal ranks:", False),  # formula follows
    ("**With GPT-2's vocabulary of 50,257 tokens and width 768:**", False),
    ("Why does the KV cache grow linearly with context length?", False),
    ("**Q1. Why is decode memory-bound at small batch?**", False),
    ("| GQA | 8 KV heads | 320 KiB per token | fp16 |", False),
    ("See the table below.", False),
])
def test_quotable_sentences_stand_alone(sentence: str, ok: bool) -> None:
    assert quotable(sentence) is ok
