"""Question → ranked passages: analyze, embed (cached), dense + lexical, fuse, rerank, keep at
most a few passages per module, and measure the evidence signals the answer layer reads."""

from __future__ import annotations

import re
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..build.protocol import TextEmbedder
from ..config import Settings
from ..corpus.model import Corpus
from ..names import RerankerName, RetrievalMode
from ..tokenize import STOPWORDS, mentions_all, tokenize
from .acronyms import Acronyms
from .analysis import AnalyzedQuery, QueryAnalyzer, definition_subject, name_head, spelled_out, validate_question
from .document_tail import DocumentTail
from .documents import DocumentEvidence
from .intent import QuestionIntent, classify
from .loaded_index import LoadedIndex
from .phrasing import PhraseIndex
from .profile import profiled
from .reranking import Reranker, diversify, make_reranker
from .retrieval import Candidate, Retriever
from .shorthand import Shorthand
from .truecasing import Truecaser
from .wording import leading_phrase

EMBED_CACHE_SIZE = 1024  # repeated questions (eval modes, retries, the page's examples) embed once
NEXT_WORD = re.compile(r"\s+([A-Za-z']+)")  # the word right after another, no punctuation between
FIRST_WORD = re.compile(r"\W*([A-Za-z]{3,})(?![\w.+-])")  # a plain word: "GPT-4" or "llama.cpp" is read by its form
EVIDENCE_PASSAGES = 3  # evidence is read from the passages an answer leads with, not the whole top-k
# A name in more than 1% of chunks (Claude 4%, API 4%, LLM 6%) is the notes' everyday vocabulary;
# specific ones (Haiku, Medusa, GPT-4o) sit in a handful of chunks.
COMMON_NAME_SHARE = 0.01
LEAD_SENTENCES = 2  # what a paragraph names this close before a chunk boundary is what the chunk still speaks of
SAME_PARAGRAPH_GAP = 1  # chunks of one paragraph are a space apart; a paragraph break is "\n\n"
WHOLE_WORD_PIECES = 3  # [CLS], the word, [SEP]
NO_CAP = 10**6  # per-module cap when diversity is off: larger than any top-k


@dataclass
class Ranking:
    query: AnalyzedQuery
    qvec: np.ndarray
    candidates: list[Candidate]  # fused and reranked, before diversity
    results: list[Candidate]  # the final top-k
    evidence: float  # best sentence similarity among the top passages, for abstention
    unknown_names: list[str] = field(default_factory=list)  # name-like words the corpus never uses
    unmentioned_names: list[str] = field(default_factory=list)  # specific names the top passages never use
    timings: dict[str, float] = field(default_factory=dict)
    intent: QuestionIntent = field(default_factory=lambda: QuestionIntent("other"))
    categories: list[str] | None = None  # the filter it was ranked under
    # a question in parts: its weakest part's evidence, each part retrieved alone (None until then)
    part_evidence: float | None = None
    typed: str = ""  # the question as the writer typed it, before names were cased as the notes write them
    said: str = ""  # the previous answer, when a follow-up asks about one of the items it listed
    item: str = ""  # that item's label ("Final normalization and unembedding")
    # the values a follow-up sets that the previous question did not ("And if acceptance drops to 0.6?")
    new_values: set[str] = field(default_factory=set)


MIN_SUBJECT_WORDS, MAX_SUBJECT_WORDS = 2, 3  # one word is the vocabulary's to know; four are a description
# "the main limits", "the minimum token count": a rank or degree of something, not the name of a concept
RANKING_WORDS = frozenset({"main", "big", "biggest", "key", "major", "minimum", "maximum", "typical", "common", "best",
                           "usual", "default", "other", "different", "important", "first", "last"})
FURTHER_QUESTION = re.compile(r"\s*(?:$|,?\s*and\b)")  # the whole subject, or it and a further question


class Ranker:
    def __init__(self, settings: Settings, corpus: Corpus, embedder: TextEmbedder, index: LoadedIndex) -> None:
        settings = profiled(settings, index)
        self.settings, self.embedder, self.index = settings, embedder, index
        self.categories = corpus.categories
        self.analyzer = QueryAnalyzer(corpus.glossary)
        # A word the embedder's vocabulary holds whole is an everyday word, not a name ([CLS] w [SEP]).
        self.truecaser = Truecaser([m.body for m in corpus.modules.values()] + [t.definition for t in corpus.glossary],
                                   known=lambda word: embedder.wordpieces(word) == WHOLE_WORD_PIECES)
        self.phrases = PhraseIndex(c.text for c in index.chunks)
        self.shorthand = Shorthand(index.lexical.document_frequency)
        self.acronyms = Acronyms([m.body for m in corpus.modules.values()] + [t.definition for t in corpus.glossary],
                                 [(t.term, alias) for t in corpus.glossary for alias in t.aliases])
        self.documents = DocumentEvidence(index, settings.bm25_k1, settings.bm25_b, settings.document_stem)
        self.retriever = Retriever(index, settings, self.documents)
        self.tail = DocumentTail(self.documents)
        self.rerankers: dict[str, Reranker] = {settings.reranker: make_reranker(settings, index, None, self.documents)}
        # One model instance: PyTorch inference on it is not re-entrant, so it runs one query at a
        # time; ONNX Runtime sessions are thread-safe, so concurrent requests embed side by side.
        self._lock = nullcontext() if getattr(embedder, "concurrent_queries", False) else threading.Lock()
        self._embed = lru_cache(maxsize=EMBED_CACHE_SIZE)(self._embed_uncached)

    def _embed_uncached(self, text: str) -> np.ndarray:
        with self._lock:
            return self.embedder.encode_query(text)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed(text)

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure the real embedding cost)."""
        self._embed.cache_clear()

    def truecase(self, text: str) -> str:
        """The question as the notes would write it: shorthand spelled out ("std" → "standard
        deviation") and names typed in lower case spelled as the notes spell them ("swe-bench" →
        "SWE-bench")."""
        return self.truecaser.apply(self.shorthand.expand(text))

    def reranker(self, name: RerankerName | None) -> Reranker:
        name = name or self.settings.reranker
        if name not in self.rerankers:
            self.rerankers[name] = make_reranker(self.settings, self.index, name, self.documents)
        return self.rerankers[name]

    def rank(self, question: str, categories: list[str] | None = None, k: int = 10, mode: RetrievalMode = "hybrid",
             reranker: RerankerName | None = None, diversity: bool = True,
             qvec: np.ndarray | None = None) -> Ranking:
        """``qvec``: the query's vector when the caller has it (a follow-up's, made from vectors
        already computed), instead of embedding the question."""
        validate_question(question, categories, allowed=self.categories)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        query = self.analyzer.analyze(self.truecase(question))
        query.names += [w for w in self.unknown_first(query.text) if w not in query.names]
        timings["analyze"] = (time.perf_counter() - t0) * 1000
        t = time.perf_counter()
        qvec = self.embed_query(query.text) if qvec is None else qvec
        timings["embed"] = (time.perf_counter() - t) * 1000
        candidates = self.retriever.retrieve(query, qvec, categories, mode, timings)
        t = time.perf_counter()
        head = candidates[: self.settings.rerank_top_n]
        reranked = self.reranker(reranker).rerank(query, qvec, head) + candidates[self.settings.rerank_top_n :]
        after = self.settings.document_tail_after
        if after and mode == "hybrid" and len(reranked) > after:
            reranked = self.tail.extend(reranked[:after], reranked[after:], query.lexical_tokens, qvec,
                                        self.index.best_sentences(qvec), self.index.mask(categories))
        timings["rerank"] = (time.perf_counter() - t) * 1000
        results = diversify(reranked, self.index, k, self.settings.per_module_cap if diversity else NO_CAP)
        lead = results[:EVIDENCE_PASSAGES]
        evidence = self.evidence(query.text, lead, qvec)
        # A name made only of stopwords ("He" initialization) has no tokens to look up: not unknown.
        unknown = [w for w in query.names if (tokens := tokenize(w)) and not any(t in self.index.lexical.vocab for t in tokens)]
        unknown += [w for w in self.phrases.unwritten(query.names) if w not in unknown]
        unknown += self.unwritten_subject(query)
        unmentioned = self.unmentioned(query, [c.row for c in lead])
        timings["retrieve_total"] = (time.perf_counter() - t0) * 1000
        intent = classify(query.text, query.names, query.defines is not None)
        return Ranking(query, qvec, reranked, results, evidence, unknown, unmentioned, timings, intent, categories,
                       typed=question)

    def evidence(self, text: str, lead: list[Candidate], qvec: np.ndarray) -> float:
        """Best sentence similarity among the lead passages. Below the abstention threshold, a
        question with acronyms the notes define is also read spelled out ("MQA and GQA" → "MQA
        (multi-query attention) and GQA (grouped-query attention)"): the embedder reads acronyms
        poorly. Retrieval keeps the question's own vector; only this signal is re-read, and only
        when it would abstain, so the extra embedding is rare."""
        best = self._best_sentence(lead, qvec)
        spelled = self.acronyms.spell_out(text) if best < self.settings.abstain_threshold else text
        return best if spelled == text else max(best, self._best_sentence(lead, self.embed_query(spelled)))

    def _best_sentence(self, lead: list[Candidate], qvec: np.ndarray) -> float:
        return max((float((self.index.sentence_vectors_of(c.row) @ qvec).max(initial=0.0)) for c in lead), default=0.0)

    def unknown_first(self, text: str) -> list[str]:
        """The question's first word when neither the notes nor the vocabulary know it ("muon
        optimizer, what's the idea?"): a first word is capitalised anyway, so it is not read as a
        name by its case."""
        m = FIRST_WORD.match(text)
        word = m.group(1) if m else ""
        # a word that opens a clause ("Partway through a long run …", "Redoing the math …") is no
        # name: a name is followed by what is asked of it, not by a function word
        after = NEXT_WORD.match(text, m.end()) if m else None
        if after and not tokenize(after.group(1)):
            return []
        # any one-letter slip of a word the notes use is that word ("Waht is RoPE?"), however short
        return [word] if word[1:].islower() and self.truecaser.unknown(word.lower()) \
            and not self.truecaser.misspells(word.lower()) else []

    def unwritten_subject(self, query: AnalyzedQuery) -> list[str]:
        """"What is label smoothing?": a concept of two or three everyday words, no glossary term,
        that the notes never write together is a concept they do not cover, however close their
        words about labels or smoothing embed."""
        asked = definition_subject(query.text)
        subject = leading_phrase(asked[0]) if asked and query.defines is None else ""
        if subject and not FURTHER_QUESTION.match(asked[0][len(subject):]):
            return []  # "what does plain interpolation give at t=0.5": the phrase is not what is asked
        words = subject.split()
        if not MIN_SUBJECT_WORDS <= len(words) <= MAX_SUBJECT_WORDS \
                or not all(w.isalpha() and w.islower() and w not in STOPWORDS for w in words) or words[0] in RANKING_WORDS:
            return []
        singular = subject[:-1] if subject.endswith("s") else subject
        return [] if self.phrases.writes(subject) or self.phrases.writes(singular) else [subject]

    def unmentioned(self, query: AnalyzedQuery, rows: list[int]) -> list[str]:
        """Specific names in the question that none of these passages mention: an answer from them
        may be about something nearby ("Claude Haiku's price" answered with other models' prices).
        Names the notes use everywhere (Claude, API, LLM) say nothing about a passage, and an
        acronym the question spells out ("expert parallelism … EP's") is said in its words: skipped."""
        names = [n for n in query.names if not spelled_out(n, query.text)]
        chunks = [self.index.chunks[row] for row in rows]
        # A passage is about what its section heading names too ("Worked numbers: Mixtral 8x7B"), and
        # what its module's id does ("the verifier/PRM notes" of verifier-prm)
        # and what its paragraph named before the chunk boundary cut it ("The hook makes this concrete
        # for GPT-4V. | In OpenAI's API, an image sent in low-detail mode costs …")
        leads = [lead for row in rows if (lead := self.cut_lead(row))]
        seen: set[str] = set().union(*(self.index.lexical.tokens[row] for row in rows),
                                     *(tokenize(c.breadcrumb) for c in chunks),
                                     *(tokenize(c.module_id.replace("-", " ")) for c in chunks if c.module_id),
                                     *(tokenize(lead) for lead in leads))
        texts = [c.text for c in chunks] + leads
        common = COMMON_NAME_SHARE * len(self.index.chunks)
        out = []
        for name in dict.fromkeys(names):
            tokens = tokenize(name_head(name))
            if not tokens or self.index.lexical.document_frequency(tokens[0]) > common:
                continue
            if not mentions_all(seen, tokens) and not any(_dash_free(name_head(name)).search(t) for t in texts):
                out.append(name)
        return out

    def cut_lead(self, row: int) -> str | None:
        """The last sentences before chunk ``row`` in its section's paragraph, when a chunk boundary
        falls inside that paragraph: those of the chunk before, in the same section, after its last
        paragraph break."""
        chunks = self.index.chunks
        c = chunks[row]
        prev = chunks[row - 1] if row > 0 else None
        if prev is None or c.kind != "module" or prev.module_id != c.module_id or prev.section != c.section \
                or c.start is None or prev.end is None or c.start - prev.end > SAME_PARAGRAPH_GAP:
            return None
        spans = prev.sentences[-LEAD_SENTENCES:]
        tail = prev.text[spans[0][0]:].rsplit("\n\n", 1)[-1] if spans else ""
        return tail if tail.strip() else None


# "GPT-4V-style token accounting" is about GPT-4V; "GPT-4-turbo" is not about GPT-4
_MODIFIERS = r"(?:style|like|based|class|sized|scale)\b"


def _dash_free(name: str) -> re.Pattern[str]:
    """The name with any dash or a space between its parts: the notes write "Young–Daly" and
    "Llama 2 70B", a question "Young-Daly" and "Llama-2-70B"."""
    parts = [re.escape(p) for p in re.split(r"[-‐‑–—]", name)]
    return re.compile(r"(?<![\w-])" + r"[-‐‑–—\s]".join(parts) + rf"(?!\w|-(?!{_MODIFIERS}))", re.I)
