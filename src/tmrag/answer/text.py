"""Which sentences an answer may quote, and how a quoted one reads: citation tags, list
bullets and emphasis removed, inline TeX as plain text, one line. The citation itself keeps
the exact quote."""

from __future__ import annotations

import re

from ..corpus.markdown import CITATION_RE
from ..corpus.tables import row_statement

MAX_SENTENCES = 5  # the contract's "2-5 sentences" per answer (README), antecedents included

# Inline TeX in the notes, as plain text for a terminal or chat bubble ($2 \times 10^{4}$ → 2 × 10^4).
TEX_SYMBOLS = {"times": "×", "approx": "≈", "cdot": "·", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
               "to": "→", "rightarrow": "→", "sim": "~", "ll": "≪", "gg": "≫", "neq": "≠", "infty": "∞",
               "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "theta": "θ",
               "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "phi": "φ", "Delta": "Δ", "sum": "Σ",
               "sqrt": "√", "top": "ᵀ", "log": "log", "exp": "exp", "quad": " ", ",": " ", ";": " ", "%": "%", "_": "_",
               "ln": "ln", "ell": "ℓ", "in": "∈", "pm": "±", "ldots": "…", "cdots": "⋯", "dots": "…", "partial": "∂",
               "nabla": "∇", "prod": "Π", "odot": "⊙", "otimes": "⊗", "propto": "∝", "equiv": "≡", "mid": "|",
               "leftarrow": "←", "Rightarrow": "⇒", "max": "max", "min": "min", "sin": "sin", "cos": "cos",
               "omega": "ω", "rho": "ρ", "kappa": "κ", "xi": "ξ", "psi": "ψ", "nu": "ν", "zeta": "ζ", "chi": "χ",
               "Sigma": "Σ", "Pi": "Π", "Theta": "Θ", "Omega": "Ω", "Lambda": "Λ", "Phi": "Φ", "lfloor": "⌊",
               "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨", "rangle": "⟩", "{": "{", "}": "}", "$": "$",
               "Psi": "Ψ", "lVert": "‖", "rVert": "‖", "Vert": "‖", "vert": "|", "lvert": "|", "rvert": "|", "cap": "∩",
               "cup": "∪", "varnothing": "∅", "emptyset": "∅", "argmax": "argmax", "argmin": "argmin", "arg": "arg",
               "varepsilon": "ε", "forall": "∀", "exists": "∃", "int": "∫", "circ": "∘", "dagger": "†", "star": "⋆",
               "qquad": "  ", "!": ""}
DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼"}
ACCENTS = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304"}  # combining marks over one letter
TEX_COMMAND = re.compile(r"\\([A-Za-z]+|[,;%_{}$!])")
NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
MIN_SENTENCE_WORDS = 6  # shorter fragments ("See below.") are not answers
# A table row read as a statement ("Tool definitions — Tokens: 15,000.") says a figure of its row in
# fewer words; five, counting the dash, keep a lone total ("Total — Tokens: 200,000.") out.
ROW_SAID = re.compile(r"[^—]+ — [^:]+: [^;]*\d")
MIN_ROW_WORDS = 5


# A worked example's premise ("Assume 20 turns of 30,000 tokens.", "Serve Llama-2-7B on an A100."):
# it states the question's setting, not an answer, and quoted alone it reads as one.
SETUP_RE = re.compile(r"(?:(?:[-*+]|\d+[.)])\s+)?[*_]*(?:Assume|Suppose|Consider|Take|Serve|Imagine|Let)\b(?!.*=)")


# Text about the notes rather than the topic ("This module lays the three side by side", "see
# below"): true, but never an answer. Sentences about "the hook" stay (many answer it directly), but
# not those that only restate it ("The hook asks why…", "the hook has several answers").
META_RE = re.compile(r"\b(?:this|the (?:next|previous)|that) (?:module|section|page|chapter)\b"
                     r"|\b(?:see|covered) (?:above|below)\b|\bmodule covers\b"  # "which the prompt-cache module covers"
                     r"|,\s*(?:described|discussed|detailed|explained) (?:above|below)\W*$"  # a label: "X, described below."
                     r"|\bthe hook (?:asks|has\b[^.]*\banswers)\b"  # "The hook asks why…": the question, restated
                     r"|^this (?:design )?review asks\b", re.I)  # the case's brief, said before any of it is worked


# "The hook says a 1M-token context is cheap to promise and expensive to serve.": the module's
# opening question said again, too short to carry its answer as well.
HOOK_RESTATED = re.compile(r"the hook(?:'s \w+)? (?:says|claims|gives|is)\b", re.I)
HOOK_RESTATED_WORDS = 16  # "The hook says" plus a hook of typical length (median 13 words); longer goes on to answer


# A bold label that opens a paragraph or an item ("**LLaVA-1.5 projector size (7B LLM, d_model 4,096).**",
# "- **Cache affinity versus load balance.**"): a heading for what follows, not a claim, unless it
# says something ("**FlashAttention does not shrink the KV cache.**").
LABEL_RE = re.compile(r"\s*(?:[-*+]\s+|\d+[.)]\s+)?\*\*[^*]+\*\*\s*")
CLAIM_WORD = re.compile(r"\b(?:is|are|was|were|be|been|isn't|aren't|does|do|did|doesn't|don't|has|have|had|can|cannot|"
                        r"can't|could|will|would|should|must|may|might|not|no|never)\b", re.I)


def bare_label(sentence: str) -> bool:
    """A bold label that states nothing: quoted, it comes with the sentence it labels."""
    return bool(LABEL_RE.fullmatch(sentence)) and not CLAIM_WORD.search(sentence)


# A lead-in whose formula or result follows it ("The probability … is flagged is", "… gives"):
# quoted without what follows, it states nothing.
DANGLING_RE = re.compile(r"(?:\b(?:is|are|was|were|be|gives?|becomes?|equals?|by|to|as|of|that|the|where|then|with|from|"
                         r"yields?|reads?|obtain|get)|=)\s*$", re.I)


def quotable(sentence: str) -> bool:
    """Whether a sentence can stand alone in an answer. Not: short fragments, questions (the
    notes' interview prompts), table rows, headings, bold labels, display math, and lead-ins ending
    in ":" whose list, formula or code block the quote would leave out (dev: cites-relevant +0.007)."""
    s = sentence.strip().rstrip("*_ ")
    least = MIN_ROW_WORDS if ROW_SAID.match(s) else MIN_SENTENCE_WORDS
    return (len(s.split()) >= least and not s.endswith(("?", ":")) and not DANGLING_RE.search(s)
            and not s.startswith(("**Q", "|", "#", "$$")) and not SETUP_RE.match(s) and not META_RE.search(s)
            and not (HOOK_RESTATED.match(s) and len(s.split()) <= HOOK_RESTATED_WORDS) and not bare_label(sentence))


def plain_math(tex: str) -> str:
    """Readable, never wrong: a group that is more than one token keeps parentheses, so
    e^{m - m'} is e^(m - m'), not e^m - m'. Anything not understood stays as TeX."""
    tex = re.sub(r"\^(?:\{\\top\}|\\top(?![A-Za-z]))", "ᵀ", tex.replace("{,}", ","))  # W^{\top} → Wᵀ
    for _ in range(4):  # innermost braces first: \frac{QK^\top}{\sqrt{d_{k}}}
        tex = re.sub(r"\\(?:text|mathrm|mathbf|mathit|mathcal|operatorname|boldsymbol)\{([^{}]*)\}", r"\1", tex)
        tex = re.sub(r"\\mathbb\{([A-Z])\}", lambda m: DOUBLE_STRUCK.get(m.group(1), m.group(1)), tex)
        tex = re.sub(r"\\(hat|tilde|bar)\{(\w|\\[A-Za-z]+)\}",
                     lambda m: TEX_SYMBOLS.get(m.group(2)[1:], m.group(2)) + ACCENTS[m.group(1)], tex)
        tex = re.sub(r"([\^_])\{([^{}]*)\}", lambda m: m.group(1) + _group(m.group(2), signed=True), tex)
        tex = re.sub(r"\\sqrt\{([^{}]*)\}", lambda m: "√" + _group(m.group(1)), tex)
        tex = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: "/".join(_group(g) for g in m.groups()), tex)
        tex = re.sub(r"\\binom\{([^{}]*)\}\{([^{}]*)\}", r"C(\1, \2)", tex)
    tex = re.sub(r"\\[dt]?frac\s*(\d)\s*(\d)", r"\1/\2", tex)  # \tfrac12
    tex = re.sub(r"\\(?:left|right|big|Big|bigl|bigr|bigg|Bigg)\b", "", tex)
    tex = TEX_COMMAND.sub(lambda m: TEX_SYMBOLS.get(m.group(1), m.group(0)), tex)
    tex = re.sub(r"\\(hat|tilde|bar)\s*(?:\{(\w)\}|(\w))",  # \hat r, \bar Y, \bar{\alpha}
                 lambda m: (m.group(2) or m.group(3)) + ACCENTS[m.group(1)], tex)
    return re.sub(r"\s+", " ", tex).strip()


def _group(part: str, signed: bool = False) -> str:
    """A single token stands alone (d_k, 10^-4, √2); anything longer is parenthesised."""
    simple = r"-?[\w.']+" if signed else r"√?[\w.']+"
    return part if re.fullmatch(simple, part.strip()) or re.fullmatch(r"\\[A-Za-z]+", part.strip()) else f"({part})"


def span_text(text: str, span: tuple[int, int] | list[int]) -> str:
    """A chunk's sentence as words: a table row is read with its header ("Int8 kernel numerical
    bug — Detect: perplexity canary …"), any other sentence as written."""
    a, b = span
    return (row_statement(text, a, b) if text.startswith("|", a) else None) or text[a:b]


def code_line(text: str) -> str:
    """A quoted line of code as written, on one line: display's prose clean-ups would change it
    ("kv_free()" is no empty citation parenthesis)."""
    return " ".join(text.split())


def display_sentence(text: str) -> str:
    """Answer text for a quoted sentence: citation tags and emphasis removed, inline math as
    plain text, one line. The citation keeps the exact quote."""
    text = CITATION_RE.sub("", text)
    # A lead-in quoted with its display formula ("… is flagged is $$P = 1 - (1 - s^r)^b.$$").
    text = DISPLAY_MATH.sub(lambda m: " " + plain_math(m.group(1)) + " ", text)
    # Pandoc's rule for inline math: no space inside either dollar, no digit right after the
    # closing one, so "$2.50 per run, not $3" stays money.
    # Escaped dollars (\$0.12) may sit inside the math.
    text = re.sub(r"(?<![\\$])\$(?=\S)((?:\\\$|[^$\n])+?)(?<=[^\s\\])\$(?![\d$])", lambda m: plain_math(m.group(1)), text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text)
    # Emphasis markers only: `x**2` and `__init__` keep their characters.
    text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"\1", text)
    text = re.sub(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)  # "(see [@a])" with its tag removed
    text = re.sub(r"\s+([.,;:!?)])", r"\1", re.sub(r"\s+", " ", text)).replace("( ", "(")
    return text.strip().rstrip(" ,;:")


MARKER_RE = re.compile(r"\s*\[(\d+)\]")
# A lead-in quoted with its list reads "lead-in: (1) item; (2) item." (answer/listing.py).
ENUMERATION = re.compile(r":\s\(1\)\s|;\s\(\d+\)\s")


def claim_pieces(sentence: str) -> list[str]:
    """The quoted pieces one answer sentence is made of: itself, or a lead-in and its items."""
    parts = ENUMERATION.split(sentence)
    if len(parts) == 1:
        return parts
    return [p.strip().rstrip(".;: …") for p in parts if p.strip().rstrip(".;: …")]


# A sentence is everything up to a run of markers that ends the sentence ("… text. [2]"), or
# that its full stop follows, as generated answers usually cite ("… text [2].").
SENTENCE_WITH_MARKERS = re.compile(r"(.+?)((?:\s*\[\d+\])+)([.!?]?)(?=\s|$)", re.S)


def answer_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Split an answer into (sentence text, markers it ends with)."""
    out, end = [], 0
    text = answer.strip()
    for m in SENTENCE_WITH_MARKERS.finditer(text):
        markers = [int(x) for x in MARKER_RE.findall(m.group(2))]
        out.append((m.group(1).strip() + m.group(3), markers))
        end = m.end()
    out.append((text[end:].strip(), []))  # trailing text without a marker is an uncited claim
    return [(t, m) for t, m in out if t]

