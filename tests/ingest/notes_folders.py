"""Small note folders in the shapes `tmrag import` reads: an Obsidian vault and an MkDocs project."""

from __future__ import annotations

from pathlib import Path

VAULT = {
    ".obsidian/app.json": "{}",  # settings, not a note
    ".trash/Old.md": "# Old\n\nDeleted.\n",
    "Attention basics.md": """---
tags: [ml]
aliases: [Attn]
---
# Attention basics

Attention weighs every token against every other token. See [[KV cache notes|the cache]] and [[Missing note]].
Scaling follows [Vaswani et al. 2017].

## Scores

Scores are scaled by the square root of the key width.

## Scores

A second section with the same heading.
![[diagram.png]]
""",
    "Serving/KV cache notes.md": """# KV cache notes

The cache keeps keys and values of past tokens, see [[Attn#Scores]].

## Sizing

```python
bytes_per_token = 2 * layers * heads * head_dim * 2
""",
    "Serving/Café batching (draft).md": "Continuous batching admits new requests between decode steps.\n",
}

MKDOCS = {
    "mkdocs.yml": "site_name: Team notes\nnav:\n  - index.md\nmarkdown_extensions:\n  - !!python/name:foo.bar\n",
    "docs/index.md": "---\ntitle: Team handbook\ndescription: How the team ships models.\n---\n\nStart here.\n",
    "docs/guide/index.md": "# Deployment guide\n\nRoll out behind a feature flag.\n",
    "docs/guide/rollback.md": "# Rollback\n\nRevert the flag first; see the [guide](index.md).\n",
    "site/index.md": "# Built site\n",
}


def write_folder(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
