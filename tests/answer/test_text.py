"""How quoted sentences read in an answer (the citation keeps the exact quote)."""

import pytest

from tmrag.answer.text import display_sentence, plain_math, quotable, span_text


def test_answer_text_renders_inline_math_and_keeps_money() -> None:
    raw = (r"Total: $30 \times 20{,}000 = 600{,}000$ tokens at \$3 [@claude-pricing], so **$\frac{a}{b} \approx 0.5$** "
           r"for $\mathrm{softmax}(QK^\top/\sqrt{d_k})$.")
    assert display_sentence(raw) == "Total: 30 × 20,000 = 600,000 tokens at \\$3, so a/b ≈ 0.5 for softmax(QKᵀ/√d_k)."
    assert display_sentence("It costs $2.50 per run, not $3, and $x^2$ stays.") == (
        "It costs $2.50 per run, not $3, and x^2 stays.")


def test_a_lead_in_reads_with_its_display_formula_and_alone_is_not_quotable() -> None:
    lead_in = "The probability that a pair with Jaccard similarity $s$ is flagged is"
    assert not quotable(lead_in)
    quoted = lead_in + "\n\n$$\nP(\\text{flag}) = 1 - (1 - s^{r})^{b}.\n$$"
    assert quotable(quoted)
    assert display_sentence(quoted) == (
        "The probability that a pair with Jaccard similarity s is flagged is P(flag) = 1 - (1 - s^r)^b.")


@pytest.mark.parametrize(("sentence", "ok"), [
    ("Dividing by the square root of d_k keeps the score variance near one.", True),
    ("- **GQA** shares each key/value head across a group of query heads.", True),
    ("Reciprocal rank fusion ignores raw scores and sums reciprocal ranks:", False),  # formula follows
    ("**With GPT-2's vocabulary of 50,257 tokens and width 768:**", False),
    ("Why does the KV cache grow linearly with context length?", False),
    ("**Q1. Why is decode memory-bound at small batch?**", False),
    ("| GQA | 8 KV heads | 320 KiB per token | fp16 |", False),
    ("See the table below.", False),
    ("Tool definitions — Tokens: 15,000.", True),  # a table row's figure, said in few words
    ("**Total** — Tokens: **200,000**.", False),
    ("Serve Llama-2-7B in fp16 on an A100 80GB.", False),  # a worked example's premise, not an answer
    ("- Assume 20 turns, each with 30,000 input tokens of context.", False),
    ("Assume a 4,096-token context, so the cache is 4,096 × 0.5 MiB = 2 GiB.", True),  # it computes something
    ("Taken together, the two changes halve the memory traffic.", True),
    ("Reusing the cache is the basis of prompt caching, which the prompt-cache module covers.", False),  # about the notes
    # the module's opening question said again, not its answer; one long enough to carry the answer stays
    ("The hook says a 1M-token context is cheap to promise and expensive to serve.", False),
    ("The hook says that at 16K GPUs a GPU fails every 3 hours, and the public record supports the order of "
     "magnitude: Meta's Llama 3 report describes frequent interruptions.", True),
    ("The hook receives a JSON object with fields such as the session id and the working directory.", True),
    ("This design review asks for a Gemini-class service that accepts text, images, audio and video.", False),
])
def test_quotable_sentences_stand_alone(sentence: str, ok: bool) -> None:
    assert quotable(sentence) is ok


@pytest.mark.parametrize(("tex", "plain"), [
    (r"e^{m - m'}", "e^(m - m')"),  # not e^m - m', a different formula
    (r"e^{20 \ln 0.95}", "e^(20 ln 0.95)"),
    (r"10^{-100/400}", "10^(-100/400)"),
    (r"10^{-4}", "10^-4"),
    (r"x_{t-1}", "x_(t-1)"),
    (r"\mathbb{R}^{n \times d}", "ℝ^(n × d)"),
    (r"\sqrt{d_{model}}", "√d_model"),
    (r"p_{res} = \frac{1 - \alpha}{1 + \beta}", "p_res = (1 - α)/(1 + β)"),
    (r"L = \tfrac12 (y - t)^2", "L = 1/2 (y - t)^2"),
    (r"1 - \binom{7}{5}/\binom{10}{5}", "1 - C(7, 5)/C(10, 5)"),
    (r"\sqrt{1 - \bar{\alpha}_t}", "√(1 - α\u0304_t)"),  # combining macron
    (r"\hat r(x,y) = \arg\max_i z_i", "r̂(x,y) = argmax_i z_i"),
    (r"\lVert t \rVert \ell", "‖ t ‖ ℓ"),
])
def test_plain_math_keeps_grouping_and_leaves_no_tex(tex: str, plain: str) -> None:
    assert plain_math(tex) == plain


def test_removed_citation_tags_leave_no_stray_space_or_empty_parentheses() -> None:
    assert display_sentence("Filters (for example top-p [@nucleus-sampling]) apply first ([@a]).") == (
        "Filters (for example top-p) apply first.")
    assert display_sentence(r"Cost $= 40{,}000 \times 3/10^6 = \$0.12$ per call, about right.") == (
        "Cost = 40,000 × 3/10^6 = $0.12 per call, about right.")


def test_a_bold_label_that_states_nothing_is_not_quoted_alone() -> None:
    from tmrag.answer.text import bare_label

    assert not quotable("**LLaVA-1.5 projector size (7B LLM, d_model 4,096).**")
    assert not quotable("- **Cache affinity versus load balance of the router.**")
    # a label that says something is a claim; bold inside a sentence is no label
    assert quotable("**FlashAttention does not shrink the KV cache at all.**")
    assert not bare_label("A two-layer MLP is **tiny** next to the 7B model.")


def test_a_table_row_is_read_with_its_header_and_quotable() -> None:
    text = "Formats:\n\n| Format | Max value | Typical use |\n|---|---|---|\n| fp16 | 65,504 | V100-era training |"
    row = (text.index("| fp16"), len(text))
    assert span_text(text, row) == "fp16 — Max value: 65,504; Typical use: V100-era training."
    assert quotable(span_text(text, row)) and not quotable(text[slice(*row)])
    assert span_text(text, (0, 8)) == "Formats:"  # any other sentence as written
