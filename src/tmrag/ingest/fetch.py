"""HTTP GETs for sync: bounded concurrency, timeouts, retries with exponential backoff (tenacity)
and conditional requests, so an unchanged file costs a 304 and no body bytes.

Transient failures (timeouts, resets, a body cut short, 429 and 5xx) are retried; anything
else (404, 403, ...) fails at once. ``bytes_received`` counts body bytes as they arrived on the
wire, which is what "a re-sync transfers nothing" is measured by."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ..config import Settings
from ..errors import IngestError

MAX_FILE_BYTES = 20_000_000  # all modules in one file are 500K-1M tokens (llms.txt): ~4 MB; 20 MB is a wrong URL
MAX_BACKOFF_S = 8.0  # a wiki that needs longer than this between tries is down, not busy
USER_AGENT = "tmrag-sync (+https://personal-wiki.pages.dev)"


@dataclass(frozen=True)
class Validators:
    """What the server said about a file last time, sent back as If-None-Match / If-Modified-Since."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(frozen=True)
class Fetched:
    url: str
    status: Literal["ok", "not_modified", "missing"]
    body: bytes | None
    validators: Validators


class RetryableStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError | RetryableStatus)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"connection closed before the whole body arrived ({exc})"
    return str(exc) or exc.__class__.__name__


class Fetcher:
    def __init__(self, settings: Settings, client: httpx.AsyncClient, advance: Callable[[], None] | None = None) -> None:
        self.settings, self.client, self.advance = settings, client, advance
        self.limit = asyncio.Semaphore(settings.sync_concurrency)
        self.bytes_received = 0
        self.requests = 0

    async def _body(self, resp: httpx.Response, url: str) -> bytes:
        """The body, read in chunks so a runaway response stops at MAX_FILE_BYTES instead of filling memory."""
        chunks, size = [], 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise IngestError(f"{url}: larger than {MAX_FILE_BYTES:,} bytes; not a module file")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _once(self, url: str, validators: Validators | None, missing_ok: bool) -> Fetched:
        self.requests += 1
        async with self.limit, self.client.stream("GET", url, headers=validators.headers() if validators else {}) as resp:
            body = await self._body(resp, url) if resp.status_code == 200 else b""
            self.bytes_received += resp.num_bytes_downloaded
        if resp.status_code == 304 and validators:
            return Fetched(url, "not_modified", None, validators)
        if resp.status_code == 404 and missing_ok:
            return Fetched(url, "missing", None, Validators())
        if resp.status_code == 429 or resp.status_code >= 500:
            raise RetryableStatus(resp.status_code)
        if resp.status_code != 200:
            raise IngestError(f"{url}: HTTP {resp.status_code} {resp.reason_phrase}")
        return Fetched(url, "ok", body, Validators(resp.headers.get("ETag"), resp.headers.get("Last-Modified")))

    async def get(self, url: str, validators: Validators | None = None, missing_ok: bool = False) -> Fetched:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.sync_retries + 1), retry=retry_if_exception(_transient),
            wait=wait_exponential_jitter(multiplier=self.settings.sync_backoff_s, max=MAX_BACKOFF_S,
                                         jitter=self.settings.sync_backoff_s), reraise=True)
        try:
            result = await retrying(self._once, url, validators, missing_ok)
        except (httpx.TransportError, RetryableStatus) as exc:
            tries = self.settings.sync_retries + 1
            raise IngestError(f"{url}: {_reason(exc)} (tried {tries} time{'s' if tries > 1 else ''})") from None
        if self.advance:
            self.advance()
        return result

    async def get_all(self, requests: dict[str, tuple[str, Validators | None, bool]]) -> dict[str, Fetched]:
        """Fetch every (url, validators, missing_ok) by key; the first failure cancels the rest."""
        try:
            async with asyncio.TaskGroup() as group:
                tasks = {key: group.create_task(self.get(*req)) for key, req in requests.items()}
        except ExceptionGroup as group_error:
            raise group_error.exceptions[0] from None
        return {key: task.result() for key, task in tasks.items()}


@cache
def _tls() -> ssl.SSLContext:
    """Loading the CA bundle takes ~0.1 s: once per process, not once per sync."""
    return ssl.create_default_context()


def client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(settings.sync_timeout_s), follow_redirects=True, verify=_tls(),
                             headers={"User-Agent": USER_AGENT},
                             limits=httpx.Limits(max_connections=settings.sync_concurrency))
