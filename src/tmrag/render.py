"""Plain-text rendering of search results and answers for the terminal."""

from __future__ import annotations

import textwrap


def _where(item: dict) -> str:
    if item["kind"] == "module":
        return f"{item['title']} § {item['section']}" if item.get("section") else item["title"]
    if item["kind"] == "source":
        return f"Bibliography: {item['title']}"
    return f"Glossary: {item['title']}"


def format_search(result: dict) -> str:
    lines = []
    for n, r in enumerate(result["results"], 1):
        lines.append(f"{n:>2}. [{r['score']:.3f}] {_where(r)}")
        if r.get("url"):
            lines.append(f"    {r['url']}")
        snippet = " ".join(r["text"].split())
        lines.append(textwrap.indent(textwrap.shorten(snippet, 240, placeholder=" …"), "    "))
    lines.append(f"({result['timings_ms'].get('total', 0):.0f} ms)")
    return "\n".join(lines)


def format_answer(result: dict) -> str:
    lines = [textwrap.fill(result["answer"], 100), ""]
    if result["abstained"]:
        if result.get("suggestions"):
            lines.append("Nearest sections:")
            lines += [f"  - {_where(s)}  {s.get('url') or ''}" for s in result["suggestions"]]
    else:
        lines.append("Citations:")
        for c in result["citations"]:
            lines.append(f"  [{c['marker']}] {_where(c)}" + (f"  {c['url']}" if c.get("url") else ""))
        if result.get("unmentioned_terms"):
            lines.append(f"\nNote: the cited passages never mention {', '.join(result['unmentioned_terms'])}; "
                         "the answer may be about something nearby.")
    if result.get("sources"):
        lines += ["", "Sources:"]
        for s in result["sources"]:
            label = s.get("citation") or s.get("title") or s["id"]
            lines.append(f"  - {label} ({s['id']}): {textwrap.shorten(s['annotation'], 140, placeholder=' …')}")
    lines.append(f"\n({result['timings_ms'].get('total', 0):.0f} ms, index {result['index']['build_id']})")
    return "\n".join(lines)
