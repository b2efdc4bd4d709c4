"""Quick self-check for module writers: ``python scripts/check_module.py ID [ID ...]``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIB = {json.loads(x)["id"] for x in (ROOT / "corpus/bibliography.jsonl").read_text().splitlines()}
MODULES = {p.stem for p in (ROOT / "corpus/modules").glob("*.md")}


def check(mid: str) -> list[str]:
    text = (ROOT / f"corpus/modules/{mid}.md").read_text(encoding="utf-8")
    _, fm_text, body = text.split("---\n", 2)
    fm = yaml.safe_load(fm_text)
    problems = []
    words = len(re.findall(r"\S+", body))
    cited = set(re.findall(r"\[@([A-Za-z0-9_.:-]+)\]", body))
    headings = re.findall(r"^(#{2,3}) (.+)$", body, re.M)
    if words < 1000:
        problems.append(f"only {words} words")
    if len(cited) < 3:
        problems.append(f"only {len(cited)} distinct citations")
    problems += [f"unknown citation [@{c}]" for c in sorted(cited - BIB)]
    if set(fm.get("sources") or []) != cited:
        problems.append(f"sources front matter != cited ids: {sorted(set(fm.get('sources') or []) ^ cited)}")
    rel = fm.get("related") or []
    if not 2 <= len(rel) <= 5 or any(r not in MODULES or r == mid for r in rel):
        problems.append(f"related must be 2-5 other module ids: {rel}")
    titles = [h[1].strip() for h in headings]
    if not any("worked numbers" in t.lower() for t in titles):
        problems.append("no 'Worked numbers' section")
    if not any("interview questions" in t.lower() for t in titles):
        problems.append("no 'Interview questions' section")
    if len(titles) != len(set(titles)):
        problems.append("duplicate heading text")
    if re.search(r"^# ", body, re.M):
        problems.append("H1 heading in body (use ## and ###)")
    fences = len(re.findall(r"^\s*```", body, re.M))
    if fences % 2:
        problems.append("unclosed ``` fence")
    no_code = re.sub(r"```.*?```", "", body, flags=re.S)
    if no_code.count("$$") % 2:
        problems.append("unbalanced $$")
    return [f"{mid}: {p}" for p in problems] or [f"{mid}: OK ({words} words, {len(cited)} citations)"]


if __name__ == "__main__":
    for mid in sys.argv[1:]:
        print("\n".join(check(mid)))
