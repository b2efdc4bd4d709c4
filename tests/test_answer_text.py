"""How quoted sentences read in an answer (the citation keeps the exact quote)."""

from tmrag.answer_text import display_sentence


def test_answer_text_renders_inline_math_and_keeps_money() -> None:
    raw = (r"Total: $30 \times 20{,}000 = 600{,}000$ tokens at \$3 [@claude-pricing], so **$\frac{a}{b} \approx 0.5$** "
           r"for $\mathrm{softmax}(QK^\top/\sqrt{d_k})$.")
    assert display_sentence(raw) == "Total: 30 × 20,000 = 600,000 tokens at \\$3, so a/b ≈ 0.5 for softmax(QKᵀ/√d_k)."
    assert display_sentence("It costs $2.50 per run, not $3, and $$x^2$$ stays.") == (
        "It costs $2.50 per run, not $3, and $$x^2$$ stays.")
