"""Whose number a quote states: the half of :class:`~tmrag.answer.coverage.CoverageJudge` that
keeps a number asked of one thing from being answered by a passage about another ("Alpaca: 52,000
examples" for LLaVA's dataset, RAG chunk sizes for chunked prefill's)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property

from ..corpus.model import Corpus
from ..query.loaded_index import LoadedIndex
from ..query.phrasing import DESCRIPTIVE_NAME
from ..query.ranking import Ranking
from ..query.wording import FRAME_WORDS, leading_phrase
from ..tokenize import stem_tokens, tokenize
from .asked import OF_OWNER_RE, OWNER_RE, SIZE_OWNER_RE, asked_clause, number_owners
from .quoted import PhrasePassages
from .quotes import Quote, shown_sentences
from .stating import states, works_the_case

SETTING_START = re.compile(r"(?:at|in|on|for|with|by|from|to|after|before|during|under)\s", re.I)  # "have at step 0"
OWNER_TERM_WORDS = 2  # a described owner is a term of two words or more; one word is too often a generic noun


def owner_pattern(name: str) -> str:
    """A name as a passage may write it: "Llama-3-70B-shaped" is "Llama 3 70B", "rank-16" "rank 16"."""
    words = re.split(r"[\s-]+", DESCRIPTIVE_NAME.sub("", name))
    return r"(?<![\w-])" + r"[\s-]?".join(map(re.escape, words)) + r"(?![\w-])"


class OwnerChecks:
    """Reads ``index``, ``corpus`` and ``owned`` of the judge it is part of."""

    index: LoadedIndex
    corpus: Corpus | None
    owned: Callable[[Ranking], bool]

    @cached_property
    def phrases(self) -> PhrasePassages:
        return PhrasePassages(self.index.chunks)

    def about(self, quotes: list[Quote], test: Callable[[str], bool]) -> list[bool]:
        """For each shown sentence, whether the passage it is quoted from (headings included)
        passes ``test``; each passage is tested once."""
        out: list[bool] = []
        for quote in quotes:
            chunk = self.index.chunks[quote.row]
            out += [test(f"{chunk.breadcrumb} {chunk.text}")] * len(shown_sentences([quote], self.index, self.corpus))
        return out

    def of_owner(self, ranking: Ranking, quotes: list[Quote], sentences: list[str],
                 token_sets: list[set[str]]) -> tuple[list[str], list[set[str]]]:
        """The quoted sentences that can state a number asked of a named thing: those from passages
        that name it ("Alpaca: 52,000 examples" is no count of LLaVA's dataset), unless a quote works
        the question's own case ("224 / 16 = 14 patches per side" for a ViT-L/16 at 224×224)."""
        owners = number_owners(asked_clause(ranking), ranking.query.names) if ranking.intent.numeric \
            and self.owned(ranking) else []
        if not owners or works_the_case(ranking.query.text, sentences):
            return sentences, token_sets
        # the names said of the owner after it count too: "the largest dictionary Anthropic learned
        # from Claude 3 Sonnet's activations" is Claude 3 Sonnet's as much as Anthropic's
        clause = asked_clause(ranking)
        at = min((m.start() for o in owners if (m := re.search(re.escape(o), clause, re.I))), default=0)
        owners += [n for n in ranking.query.names if re.search(owner_pattern(n), clause[at:], re.I)]
        patterns = [re.compile(owner_pattern(o), re.I) for o in owners]
        keep = self.about(quotes, lambda text: any(p.search(text) for p in patterns))
        return ([s for s, k in zip(sentences, keep, strict=True) if k],
                [t for t, k in zip(token_sets, keep, strict=True) if k])

    def stated_elsewhere(self, ranking: Ranking, quotes: list[Quote], sentences: list[str],
                         token_sets: list[set[str]], context: frozenset[str]) -> bool:
        """A number asked of a thing the question describes rather than names ("what chunk size does
        chunked prefill use") stated only in passages about something else ("256–1,024 tokens" of
        RAG chunks): the words match, the thing does not."""
        intent, question = ranking.intent, ranking.query.text
        focus = intent.focus_tokens
        if not intent.numeric or intent.kind != "numeric" or ranking.query.names or not focus:
            return False
        m = OWNER_RE.search(question) or OF_OWNER_RE.search(question) or SIZE_OWNER_RE.search(question)
        owner = leading_phrase(m.group("owner")) if m and not SETTING_START.match(m.group("owner")) else ""
        phrase = [w for w in owner.split() if w.lower() not in FRAME_WORDS]
        # a term the notes write ("chunked prefill"), not a clause's words ("prompt caching cut")
        if len(phrase) < OWNER_TERM_WORDS or works_the_case(question, sentences) \
                or not self.phrases.writes(" ".join(phrase)):
            return False
        words = set(stem_tokens([t for t in tokenize(" ".join(phrase)) if t not in focus]))
        about = self.about(quotes, lambda text: words <= set(stem_tokens(tokenize(text))))
        owned = [(s, t) for s, t, a in zip(sentences, token_sets, about, strict=True) if a]
        return len(owned) < len(sentences) and not states(
            focus, True, [s for s, _ in owned], [t for _, t in owned], ranking, context)
