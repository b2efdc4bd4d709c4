"""When the answer says the notes don't cover the question instead of quoting them."""

from __future__ import annotations

import re

from ..config import Settings
from ..query.analysis import definition_subject
from ..query.ranking import Ranking
from .asked import names_word

ABSTAIN_ANSWER = "These notes don't cover that question."
# The dense and lexical legs "agree" when each puts the top passage this high on its own.
LEGS_AGREE_RANK = 2


def legs_agree(ranking: Ranking) -> bool:
    top = ranking.results[0]
    # A passage one leg did not retrieve has no rank there: it never agrees.
    return top.dense_rank is not None and top.dense_rank <= LEGS_AGREE_RANK \
        and top.lexical_rank is not None and top.lexical_rank <= LEGS_AGREE_RANK


def abstains(ranking: Ranking, s: Settings) -> bool:
    """Weak evidence, or middling evidence for a question about something never named in
    the notes (a near-topic question: "how does Mamba compare…") or named in the notes but
    not in the passages the answer would quote ("Claude Haiku's price"). When the dense and the
    lexical leg independently put the top passage in their top 2, evidence above the floor
    is enough: short "which paper introduced X?" questions embed far from their annotation."""
    if not ranking.results or ranking.evidence < s.abstain_floor:
        return True
    if ranking.unknown_names and ranking.evidence < s.abstain_threshold_unknown:
        return True
    if ranking.unmentioned_names and ranking.evidence < s.abstain_threshold_unmentioned:
        return True
    return ranking.evidence < s.abstain_threshold and not legs_agree(ranking)


# Code's names: camelCase, snake_case, dotted or called ("isConcurrencySafe", "clip_grad_norm_",
# "torch.no_grad()"), which an embedder splits into pieces; a plain name ("Gemma") embeds as a word.
IDENTIFIER = re.compile(r"[A-Za-z_][\w.]*(?:[a-z][A-Z]|_|\.)[\w.]*(?:\(\))?")


def writes_subject(ranking: Ranking, top_text: str) -> bool:
    """"What is isConcurrencySafe?": the question asks what a code name is, the notes know it,
    and the top passage writes it. An identifier embeds as word pieces (evidence 0.33, under the
    off-topic floor), but the passage that writes it is about it."""
    asked = definition_subject(ranking.query.text)
    subject = asked[0] if asked else ""
    return (IDENTIFIER.fullmatch(subject) is not None and subject in ranking.query.names and subject not in ranking.unknown_names
            and re.search(rf"(?<![\w-]){re.escape(subject)}(?![\w-])", top_text) is not None)


MIN_NAMES_TOGETHER = 2  # one name in a sentence is a topic; two or more asked together are a claim about them


def names_together(ranking: Ranking, top_sentences: list[str]) -> bool:
    """The lexical leg's own top passage has a sentence naming every name the question asks
    about ("What HumanEval pass@1 did Reflexion reach, … the GPT-4 baseline?"): a question
    made of names and jargon embeds far from the sentence that answers it (cosine 0.36)."""
    names = ranking.query.names
    top = ranking.results[0] if ranking.results else None
    if len(names) < MIN_NAMES_TOGETHER or ranking.unknown_names or ranking.unmentioned_names \
            or top is None or top.lexical_rank is None or top.lexical_rank > LEGS_AGREE_RANK:
        return False
    return any(all(names_word(sentence, n) for n in names) for sentence in top_sentences)


def should_abstain(ranking: Ranking, s: Settings, defined_row: int | None, named_row: int | None = None,
                   top_text: str = "", top_sentences: list[str] | None = None, listed_row: int | None = None) -> bool:
    # A definition question about a glossary term is covered by definition, whatever the
    # sentence similarity of a two-word question ("What does MoE stand for?": 0.39). So is a
    # short question whose named term's entry both legs rank first, below the off-topic floor,
    # and one asking what a name is that the top passage writes.
    if named_row is not None and legs_agree(ranking) and not ranking.unknown_names or writes_subject(ranking, top_text):
        return False
    if ranking.evidence >= s.abstain_floor and names_together(ranking, top_sentences or []):
        return False
    # a list asked for by its module's title and its section's ("the MLP & matmul notes' pitfalls")
    if listed_row is not None and ranking.evidence >= s.abstain_floor and not ranking.unknown_names:
        return False
    return defined_row is None and abstains(ranking, s)
