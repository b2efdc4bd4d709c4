"""Questions the notes did not (fully) answer, grouped into topics: the owner's writing backlog.

The question vectors are the engine's own embeddings (unit length), grouped by scikit-learn's
agglomerative clustering with average linkage on cosine distance and a distance threshold, so the
number of topics follows the questions rather than a chosen k. Each topic is labelled by its most
frequent content words and the module its questions were nearest to (the sections the engine
cited or suggested)."""

from __future__ import annotations

from collections import Counter

import numpy as np
from pydantic import BaseModel
from sklearn.cluster import AgglomerativeClustering

from ..tokenize import tokenize
from .records import LoggedQuestion

# Average cosine distance within a topic. MiniLM puts paraphrases of one question at ~0.1-0.3 and
# different questions about one named thing at ~0.4-0.6. On the example run (docs/insights-example.md)
# 0.6 merged unrelated questions that share a product name (a fine-tune that never stops talking with
# resuming a CLI session), 0.4 split paraphrases; 0.5 had the fewest mixed topics by hand count.
TOPIC_DISTANCE = 0.5
LABEL_TERMS = 3  # words in a topic's label: enough to name it, short enough to read in a list
EXAMPLES = 5  # distinct questions shown per topic
# Question words that say how something is asked, not what about.
QUESTION_WORDS = frozenset({"what", "how", "why", "which", "when", "where", "who", "whom", "does", "do", "is", "are",
                            "much", "many", "mean", "explain", "tell", "notes", "say", "use", "used", "using", "go",
                            "get", "know", "work", "make"})


class Topic(BaseModel):
    label: str
    terms: list[str]
    nearest_module: str | None
    asked: int  # questions asked in this topic, repeats included
    distinct: int
    not_covered: int
    partial: int
    examples: list[str]


def cluster_labels(vectors: np.ndarray, distance: float = TOPIC_DISTANCE) -> np.ndarray:
    if len(vectors) == 1:
        return np.zeros(1, dtype=int)
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance)
    return model.fit_predict(vectors)


def _terms(questions: list[str]) -> list[str]:
    counts: Counter[str] = Counter()
    for q in questions:
        # once per question; "s" is what's left of "what's" and "Claude's"
        counts.update({t for t in tokenize(q) if len(t) > 1 and t not in QUESTION_WORDS and not t.isdigit()})
    # ties in word order, not set order (which changes with each run's string hashing)
    return sorted(counts, key=lambda t: (-counts[t], t))[:LABEL_TERMS]


def _nearest_module(rows: list[LoggedQuestion]) -> str | None:
    counts: Counter[str] = Counter(r.modules[0] for r in rows if r.modules)
    return counts.most_common(1)[0][0] if counts else None


def topic_of(rows: list[LoggedQuestion]) -> Topic:
    distinct = list(dict.fromkeys(r.resolved_question for r in rows))
    terms = _terms([r.resolved_question for r in rows])
    module = _nearest_module(rows)
    label = " / ".join(terms) or distinct[0]
    return Topic(label=f"{label} (near {module})" if module else label, terms=terms, nearest_module=module,
                 asked=len(rows), distinct=len(distinct), not_covered=sum(r.coverage == "not_covered" for r in rows),
                 partial=sum(r.coverage == "partial" for r in rows), examples=distinct[:EXAMPLES])


def backlog(rows: list[LoggedQuestion], distance: float = TOPIC_DISTANCE) -> list[Topic]:
    """Not-covered and partial questions as topics, most asked first. A question logged without a
    vector (its embedding failed) is a topic of its own."""
    gaps = [r for r in rows if r.coverage != "answered"]
    with_vec = [r for r in gaps if r.vector is not None]
    groups: dict[int, list[LoggedQuestion]] = {}
    if with_vec:
        labels = cluster_labels(np.stack([r.vector for r in with_vec]), distance)
        for row, label in zip(with_vec, labels, strict=True):
            groups.setdefault(int(label), []).append(row)
    topics = [topic_of(g) for g in groups.values()] + [topic_of([r]) for r in gaps if r.vector is None]
    return sorted(topics, key=lambda t: (-t.asked, -t.distinct, t.label))
