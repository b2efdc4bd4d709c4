"""Domain errors. Core code raises these; only the CLI and HTTP edges turn them into
user-facing messages and exit codes / status codes."""

from __future__ import annotations

PREVIEW_ITEMS = 5  # ids named in one message line; the rest are counted


def preview(items: list[str], limit: int = PREVIEW_ITEMS) -> str:
    """``a, b, c, d, e and 7 more``: a message names a few items, never hundreds."""
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


class TmragError(Exception):
    """Base class: every error a user can cause or fix."""

    code = "tmrag_error"
    http_status = 500


class ConfigError(TmragError):
    code = "config_error"


class CorpusError(TmragError):
    """The corpus cannot be loaded (validation problems carry file:line details)."""

    code = "corpus_error"

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class ModelError(TmragError):
    """An embedding or reranking model is missing or does not match its fingerprint."""

    code = "model_error"


class IndexMissingError(TmragError):
    code = "index_missing"
    http_status = 503


class StaleIndexError(TmragError):
    """The index on disk was built with other settings, another model or another corpus."""

    code = "index_stale"
    http_status = 503


class IndexCorruptError(TmragError):
    code = "index_corrupt"
    http_status = 503


class IndexBusyError(TmragError):
    """Another build holds the index folder's lock."""

    code = "index_busy"
    http_status = 409


class InvalidQueryError(TmragError):
    code = "invalid_query"
    http_status = 422


class NotFoundError(TmragError):
    code = "not_found"
    http_status = 404


class GoldenFileError(TmragError):
    """The golden-question file is unreadable, invalid, or names labels the index lacks."""

    code = "golden_invalid"
    http_status = 422


class ListenError(TmragError):
    """``tmrag serve`` cannot bind its address (port taken, privileged, unknown host)."""

    code = "cannot_listen"


class EngineLoadError(TmragError):
    """Loading the engine failed for a reason that is not one of the errors above."""

    code = "load_failed"
    http_status = 503


class NotReadyError(TmragError):
    """The server has no engine to answer with yet: still loading, or the load failed (the
    code is then the load error's own, e.g. ``index_missing``)."""

    code = "not_ready"
    http_status = 503

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class GenerationError(TmragError):
    """The optional LLM endpoint failed or returned something unusable."""

    code = "generation_error"
    http_status = 502


class StorageError(TmragError):
    """The insights database cannot be opened, read or written (permissions, disk full, locked too long)."""

    code = "storage_error"
    http_status = 503
class IngestError(TmragError):
    """`tmrag sync` or `tmrag import` could not finish; the corpus folder was left as it was."""

    code = "ingest_failed"
