"""Which sentences an answer may quote, and how a quoted one reads: citation tags, list
bullets and emphasis removed, inline TeX as plain text, one line. The citation itself keeps
the exact quote."""

from __future__ import annotations

import re

from .corpus import CITATION_RE

# Inline TeX in the notes, as plain text for a terminal or chat bubble ($2 \times 10^{4}$ → 2 × 10^4).
TEX_SYMBOLS = {"times": "×", "approx": "≈", "cdot": "·", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
               "to": "→", "rightarrow": "→", "sim": "~", "ll": "≪", "gg": "≫", "neq": "≠", "infty": "∞",
               "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "theta": "θ",
               "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "phi": "φ", "Delta": "Δ", "sum": "Σ",
               "sqrt": "√", "top": "ᵀ", "log": "log", "exp": "exp", "quad": " ", ",": " ", ";": " ", "%": "%", "_": "_"}
TEX_COMMAND = re.compile(r"\\([A-Za-z]+|[,;%_])")
MIN_SENTENCE_WORDS = 6  # shorter fragments ("See below.") are not answers


def quotable(sentence: str) -> bool:
    """Whether a sentence can stand alone in an answer. Not: short fragments, questions (the
    notes' interview prompts), table rows, headings, display math, and lead-ins ending in ":"
    whose list, formula or code block the quote would leave out (dev: cites-relevant +0.007)."""
    s = sentence.strip().rstrip("*_ ")
    return (len(s.split()) >= MIN_SENTENCE_WORDS and not s.endswith(("?", ":"))
            and not s.startswith(("**Q", "|", "#", "$$")))


def plain_math(tex: str) -> str:
    tex = tex.replace("{,}", ",")
    for _ in range(3):  # innermost braces first: \frac{QK^\top}{\sqrt{d_k}}
        tex = re.sub(r"\\(?:text|mathrm|mathbf|operatorname)\{([^{}]*)\}", r"\1", tex)
        tex = re.sub(r"\\sqrt\{([^{}]*)\}", lambda m: "√" + _group(m.group(1)), tex)
        tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: "/".join(_group(g) for g in m.groups()), tex)
    tex = re.sub(r"\\(?:left|right|big|Big)\b", "", tex)
    tex = TEX_COMMAND.sub(lambda m: TEX_SYMBOLS.get(m.group(1), m.group(0)), tex)
    tex = re.sub(r"([\^_])\{([^{}]*)\}", r"\1\2", tex).replace("^ᵀ", "ᵀ")  # 10^{4} → 10^4, d_{head} → d_head
    return re.sub(r"\s+", " ", tex).strip()


def _group(part: str) -> str:
    return part if re.fullmatch(r"[\w.]+", part) else f"({part})"


def display_sentence(text: str) -> str:
    """Answer text for a quoted sentence: citation tags and emphasis removed, inline math as
    plain text, one line. The citation keeps the exact quote."""
    text = CITATION_RE.sub("", text)
    # Pandoc's rule for inline math: no space inside either dollar, no digit right after the
    # closing one, so "$2.50 per run, not $3" stays money.
    text = re.sub(r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\d$])", lambda m: plain_math(m.group(1)), text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text)
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", text))
    return text.strip().rstrip(" ,;:")
