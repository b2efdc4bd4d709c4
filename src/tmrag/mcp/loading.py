"""The engine the tools answer with: loaded once, or the reason it could not be.

A missing, stale or corrupt index does not stop the server: every tool call then returns an
error result with the load error's code and message, the same ones `tmrag serve` reports
(a TmragError as it is; anything else as ``load_failed``), and never a traceback."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..config import Settings
from ..engine import Engine
from ..errors import EngineLoadError, NotReadyError, TmragError

log = logging.getLogger("tmrag.mcp")


class EngineSlot:
    def __init__(self, settings: Settings, factory: Callable[[Settings], Engine] = Engine.open) -> None:
        self.settings, self.factory = settings, factory
        self.engine: Engine | None = None
        self.error: TmragError | None = None
        self._loaded = threading.Event()

    def load(self) -> None:
        try:
            self.engine = self.factory(self.settings)
        except Exception as exc:  # noqa: BLE001 - reported to every tool call, never as a traceback
            self.error = exc if isinstance(exc, TmragError) else EngineLoadError(
                f"failed to load: {exc.__class__.__name__}: {exc}")
            log.warning("tmrag: %s", self.error)
        finally:
            self._loaded.set()

    def require(self) -> Engine:
        """The engine; waits for a load in progress. NotReadyError (with the load error's code) without one."""
        self._loaded.wait()
        if self.engine is None:
            error = self.error or EngineLoadError("the engine was not loaded")
            raise NotReadyError(str(error), error.code)
        return self.engine
