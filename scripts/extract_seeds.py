"""Extract module front matter and the bibliography from the wiki's seed captures.

Run once when the seeds change: ``python scripts/extract_seeds.py SEEDS_DIR``.
Existing module files keep their bodies, ``sources`` and ``related``; only the
seed-derived fields (number, title, category, summary, hook) are refreshed.
Bibliography ids are stable: an id already present in ``corpus/bibliography.jsonl``
for the same annotation is never changed.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

KIND_HEADERS = {
    "📄 Papers": "paper",
    "✍️ Blogs": "blog",
    "🎬 Videos": "video",
    "💻 Code": "code",
    "🏢 Industry": "industry",
    "🔗 Other": "other",
}
STOP = set(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "with",
        "by",
        "from",
        "as",
        "at",
        "is",
        "are",
        "be",
        "that",
        "this",
        "which",
        "how",
        "why",
        "what",
        "its",
        "it",
        "their",
        "into",
        "via",
        "using",
        "used",
        "use",
        "shows",
        "show",
        "showing",
        "paper",
        "original",
        "official",
        "introduces",
        "introduced",
        "introducing",
        "foundational",
        "first",
        "standard",
        "canonical",
        "definitive",
        "practical",
        "guide",
        "docs",
        "documentation",
        "reference",
        "blog",
        "post",
        "video",
        "walkthrough",
        "explains",
        "explained",
        "explaining",
        "overview",
        "approach",
        "method",
        "technique",
        "framework",
        "study",
        "analysis",
        "argues",
        "demonstrates",
        "proposes",
        "describes",
        "covers",
        "covering",
        "classic",
        "seminal",
    ]
)
CITATION_RE = re.compile(
    r"^\(?(?P<cite>(?P<name>[A-Z][A-Za-z'’\-]+(?: [A-Z][A-Za-z'’\-]+)?)"
    r"(?: et al\.?| (?:&|and) [A-Z][A-Za-z'’\-]+)?,? \(?(?P<year>(?:19|20)\d\d)\)?)"
)


def seed(seeds: Path, prefix: str) -> str:
    return next(seeds.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def parse_index(text: str) -> list[dict]:
    modules = []
    for block in text.split(" ## ")[1:]:
        category = block.split(" - ")[0].strip()
        pattern = r"\[([^\]]+)\]\(https://personal-wiki\.pages\.dev/raw/([a-z0-9-]+)\.md\): (.*?)(?= - \[|$)"
        for title, slug, summary in re.findall(pattern, block):
            modules.append({"id": slug, "title": title, "category": category, "summary": summary.strip()})
    return modules


def parse_landing(text: str) -> dict[str, dict]:
    """Map title -> {number, summary, hook} from a landing-page capture."""
    lines = [html.unescape(x).strip() for x in text.splitlines()]
    lines = [x for x in lines if x]
    found: dict[str, dict] = {}
    for i, line in enumerate(lines):
        m = re.search(r"#(\d+)$", line)
        if m and i + 3 < len(lines):
            found[lines[i + 1]] = {"number": int(m.group(1)), "summary": lines[i + 2], "hook": lines[i + 3]}
    return found


def parse_landing_plain(text: str, titles: set[str]) -> dict[str, dict]:
    lines = [html.unescape(x).strip() for x in text.splitlines() if x.strip()]
    return {line: {"summary": lines[i + 1], "hook": lines[i + 2]} for i, line in enumerate(lines[:-2]) if line in titles}


def citation_of(annotation: str) -> tuple[str | None, int | None, str | None]:
    m = CITATION_RE.match(annotation)
    if not m:
        return None, None, None
    cite = m.group("cite").replace(",", "").replace("(", "").replace(")", "")
    return cite, int(m.group("year")), m.group("name").split()[-1]


def keywords(annotation: str, skip: str | None) -> list[str]:
    body = annotation.split(" — ", 1)[1] if " — " in annotation[:60] else annotation
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-\.]*[A-Za-z0-9]|[A-Za-z]", body)
    special = [w for w in words if re.search(r"[A-Z].*[A-Z0-9]|\d", w) and w.lower() not in STOP]
    plain = [w for w in words if w.lower() not in STOP and len(w) > 3]
    out = special[:2] if special else plain[:3]
    return [re.sub(r"[^a-z0-9]+", "-", w.lower()).strip("-") for w in out if w.lower() != (skip or "").lower()]


def make_id(annotation: str, taken: set[str]) -> tuple[str, str | None, int | None]:
    cite, year, surname = citation_of(annotation)
    parts = [surname.lower().replace("’", "").replace("'", ""), str(year)] if surname else []
    kw = keywords(annotation, surname)
    base = "-".join(parts + kw[: 1 if parts else 3]) or "source"
    base = re.sub(r"-+", "-", base).strip("-")[:48].strip("-")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate, cite, year


def parse_bibliography(text: str, previous: dict[str, str]) -> list[dict]:
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    entries, kind, taken = [], None, set(previous.values())
    for line in lines:
        header = next((k for h, k in KIND_HEADERS.items() if line.startswith(h)), None)
        if header:
            kind = header
            continue
        if kind is None:
            continue
        cite, year, _ = citation_of(line)
        sid = previous.get(line)
        if sid is None:
            sid, cite, year = make_id(line, taken)
            taken.add(sid)
        entries.append({"id": sid, "kind": kind, "citation": cite, "title": None, "year": year, "url": None, "annotation": line})
    return entries


def declared_counts(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        for h, k in KIND_HEADERS.items():
            if line.startswith(h):
                out[k] = int(line[len(h) :].strip())
    return out


def write_modules(modules: list[dict]) -> None:
    out = CORPUS / "modules"
    out.mkdir(parents=True, exist_ok=True)
    for m in modules:
        path = out / f"{m['id']}.md"
        body, extra = "", {"sources": [], "related": []}
        if path.exists():
            text = path.read_text(encoding="utf-8")
            _, fm, body = text.split("---\n", 2)
            old = yaml.safe_load(fm)
            extra = {"sources": old.get("sources", []), "related": old.get("related", [])}
        fm = {k: m[k] for k in ("id", "number", "title", "category", "summary", "hook")} | extra
        dumped = yaml.safe_dump(fm, sort_keys=False, allow_unicode=True, width=1000)
        path.write_text(f"---\n{dumped}---\n{body}", encoding="utf-8")


def main(seeds: Path) -> None:
    modules = parse_index(seed(seeds, "000"))
    landing1 = parse_landing(seed(seeds, "001"))
    titles = {m["title"] for m in modules} | {"Model Merging"}
    landing2 = parse_landing_plain(seed(seeds, "002"), titles)
    # Model Merging is absent from llms.txt; the landing pages place it last in Training.
    merge = {"id": "model-merging", "title": "Model Merging", "category": "Training"}
    merge["summary"] = landing2["Model Merging"]["summary"]
    at = max(i for i, m in enumerate(modules) if m["category"] == "Training") + 1
    modules.insert(at, merge)
    for m in modules:
        m["number"] = landing1.get(m["title"], {}).get("number")
        m["hook"] = (landing2.get(m["title"]) or landing1.get(m["title"]) or {}).get("hook")
    write_modules(modules)
    bib_path = CORPUS / "bibliography.jsonl"
    previous = {}
    if bib_path.exists():
        for line in bib_path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            previous[rec["annotation"]] = rec["id"]
    bib_text = seed(seeds, "003")
    entries = parse_bibliography(bib_text, previous)
    bib_path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    print(f"modules: {len(modules)}  sources: {len(entries)}  declared: {declared_counts(bib_text)}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "seeds"))
