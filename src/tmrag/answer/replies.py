"""What a model's reply says, read in the form LLM mode's system prompt asks for (markers "[1]" at
each sentence's end, `NOT_COVERED` to abstain, a last `NOT_STATED:` line) whatever the model's own
habits: markers written "[1, 2]" or "(see [2])", bullets, bold, a reasoning model's thoughts."""

from __future__ import annotations

import re

NOT_COVERED = "NOT_COVERED"
NOT_STATED = "NOT_STATED:"  # opens the line that names what the passages leave out of a partly answered question

# How models cite when they stray from "[1]": "[1, 2]", "[1-3]", "【1】", "[passage 2]", "(see [2])".
# Only where a citation sits, at a sentence's end: "rewards [1, 0, 0, 1]," is data.
CITED_AT = r"(?=\[|[.!?]\s|[.!?]?\s*(?:\n|$))"
MARKER_LIST = re.compile(r"\[([1-9]\d*(?:\s*[,;]\s*[1-9]\d*)+)\]" + CITED_AT)
MARKER_RANGE = re.compile(r"\[([1-9]\d*)\s*[-–]\s*([1-9]\d*)\]" + CITED_AT)
MARKER_WORDED = re.compile(r"【(\d+)】|\[(?:passage|source|ref)\s*(\d+)\]", re.I)
MARKER_ASIDE = re.compile(r"\s*\(\s*(?:see\s+)?((?:\[\d+\]\s*)+)\)", re.I)
RANGE_MAX = 8  # "[1-3]" is three passages; a wider span is no citation anyone meant
BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+", re.M)
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
THINKING = re.compile(r"^.*?</think>|<think>.*?(?:</think>|$)", re.S)  # closed, or opened by the server


def tidy_reply(text: str) -> str:
    """A reply in the form the system prompt asks for, whatever the model's habits: its markers as
    "[1][2]", and no list bullets or bold marks (an answer is prose; `**NOT_STATED:**` is a line)."""
    text = THINKING.sub("", text)  # a reasoning model's thoughts are not its answer
    text = MARKER_WORDED.sub(lambda m: f"[{m.group(1) or m.group(2)}]", text)
    text = MARKER_LIST.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,;]\s*", m.group(1))), text)

    def spanned(m: re.Match[str]) -> str:
        a, b = int(m.group(1)), int(m.group(2))
        return "".join(f"[{n}]" for n in range(a, b + 1)) if 0 < b - a < RANGE_MAX else m.group(0)

    text = MARKER_ASIDE.sub(lambda m: " " + m.group(1).strip(), MARKER_RANGE.sub(spanned, text))
    text = re.sub(r"(?im)^\s*not[ _]stated\s*:", NOT_STATED, BOLD.sub(r"\1", BULLET.sub("", text)))
    return re.sub(rf"(?<=\S)[ \t]*{NOT_STATED}", "\n" + NOT_STATED, text)  # its own line, even when written inline


def not_covered(text: str) -> bool:
    """The model's abstention, however it dresses it: "NOT_COVERED — …", or a first line that is only
    "Not covered." ("Not covered in detail, but [1] …" is an answer)."""
    first = text.strip().split("\n", 1)[0]
    return (re.match(rf"[\W_]*{NOT_COVERED}\b", first) is not None
            or re.fullmatch(r"[\W_]*not[ _]covered[\W_]*", first, re.I) is not None)


def not_stated(text: str) -> tuple[str, list[str]]:
    """The answer without its NOT_STATED line, and what that line names as not stated."""
    kept, missing = [], []
    for line in text.splitlines():
        if line.strip().upper().startswith(NOT_STATED):
            missing += [m.strip().rstrip(".") for m in line.strip()[len(NOT_STATED):].split(";") if m.strip()]
        else:
            kept.append(line)
    return "\n".join(kept).strip(), missing
