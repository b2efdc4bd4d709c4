"""Dependencies the routes share: the loaded engine (or why there is none) and the templates.

The engine loads in a background thread at start-up, so /healthz answers at once and /readyz
reports 503 with the reason until it is ready. When `tmrag index` publishes a new build (the
CURRENT pointer changes), the next request starts loading it in the background; requests keep
using the loaded engine until the new one is ready, and a build that fails to load leaves the
old one serving (the reason shows in /readyz). A live corpus that does not load is served from
the build's own copy of its corpus; /readyz's ``corpus`` and a log line say what is wrong."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from ..answer.types import Answer
from ..build.store import IndexStore
from ..config import Settings
from ..engine import Engine
from ..errors import EngineLoadError, NotReadyError, TmragError
from ..insights.log import QuestionLog
from ..insights.store import InsightsStore
from .categories import startup_categories

HERE = Path(__file__).parent
RELOAD_CHECK_S = 1.0  # how often a request looks for a new build: one tiny file read per second
templates = Jinja2Templates(directory=HERE / "templates")
log = logging.getLogger("tmrag.serving")


class EngineState:
    def __init__(self, settings: Settings, factory: Callable[[Settings], Engine]) -> None:
        self.settings, self.factory = settings, factory
        self.store = IndexStore(settings.index_dir)
        self.engine: Engine | None = None
        self.error: TmragError | None = None
        self.reason = "loading the index and models"
        self.reload_error: str | None = None
        self.reloads = 0  # builds loaded after the first, for /metrics
        self.reload_errors = 0  # builds that failed to load while another kept serving
        self._pointer: bytes | None = None  # CURRENT as it was when the last load started
        self._loading = threading.Lock()
        self._checked = 0.0
        self.startup_categories = startup_categories(settings)

    @property
    def categories(self) -> tuple[str, ...]:
        """The serving corpus's category names (before the first load: categories.yml's)."""
        return self.engine.corpus.categories if self.engine is not None else self.startup_categories

    def module_ids(self) -> list[str]:
        """The serving corpus's module ids (before the first load: the corpus folder's file names)."""
        if self.engine is not None:
            return sorted(self.engine.corpus.modules)
        return sorted(p.stem for p in (self.settings.corpus_dir / "modules").glob("*.md"))

    def load(self) -> None:
        with self._loading:
            self._pointer = self.store.pointer()
            try:
                engine = self.factory(self.settings)
            except Exception as exc:  # noqa: BLE001 - reported through /readyz, never a traceback to clients
                error = exc if isinstance(exc, TmragError) else EngineLoadError(
                    f"failed to load: {exc.__class__.__name__}: {exc}")
                if self.engine is None:
                    self.error, self.reason = error, str(error)
                else:
                    self.reload_error = f"kept build {self.engine.index_info.build_id}: {error}"
                    self.reload_errors += 1
                return
            self._report_corpus(engine)
            self.reloads += self.engine is not None
            self.engine, self.error, self.reload_error = engine, None, None

    @staticmethod
    def _report_corpus(engine: Engine) -> None:
        status = getattr(engine, "corpus_status", None)  # engine stand-ins in tests may have none
        if status is not None and not status.ok:
            log.warning(json.dumps({"event": "corpus_errors", "serving_build": engine.index_info.build_id,
                                    "message": "the live corpus does not load: serving the build's own copy of its "
                                               "corpus; fix the corpus and run `tmrag index`", **status.model_dump()}))

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._checked < RELOAD_CHECK_S or self._loading.locked():
            return
        self._checked = now
        if self.store.pointer() != self._pointer:
            threading.Thread(target=self.load, name="tmrag-reload", daemon=True).start()

    def require(self) -> Engine:
        self._maybe_reload()
        if self.engine is None:
            raise NotReadyError(self.reason, self.error.code if self.error else None)
        return self.engine


def engine_state(request: Request) -> EngineState:
    return request.app.state.engine_state


def get_engine(request: Request) -> Engine:
    """The serving engine, or 503 with the reason it is not ready."""
    return engine_state(request).require()


def insights_store(request: Request) -> InsightsStore:
    return request.app.state.insights_store


InsightsStoreDep = Annotated[InsightsStore, Depends(insights_store)]


def serving_build(request: Request) -> str:
    """The build id the answers are coming from, or "" while none is loaded."""
    engine = engine_state(request).engine
    return engine.index_info.build_id if engine else ""


def answer_logger(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Callable[[str, Answer], Answer]:
    """Hands an answered question to the opt-in question log (a no-op while it is off). Never
    blocks or raises: a full queue drops the entry and counts it in /metrics. ``engine`` is the
    route's own (FastAPI resolves a dependency once per request): its encoder embeds the question."""
    log: QuestionLog | None = request.app.state.question_log

    def record(question: str, answer: Answer) -> Answer:
        if log is not None:
            log.submit(question, answer, engine.embed_query)
        return answer
    return record


LogAnswer = Annotated[Callable[[str, Answer], Answer], Depends(answer_logger)]
