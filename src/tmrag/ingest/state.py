"""What the last sync saw: each file's ETag / Last-Modified (sent back to get a 304) and the
llms.txt text (reused when it answers 304). Kept in the corpus folder, so it is swapped in with
the files it describes and can never disagree with them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .fetch import Validators

STATE_FILE = ".sync-state.json"


class FileState(BaseModel):
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None  # of the module file this response was written to (an edited file is fetched whole)

    def validators(self) -> Validators:
        return Validators(self.etag, self.last_modified)

    @classmethod
    def of(cls, v: Validators, written: str | None = None) -> FileState:
        digest = hashlib.sha256(written.encode("utf-8")).hexdigest() if written is not None else None
        return cls(etag=v.etag, last_modified=v.last_modified, sha256=digest)


class SyncState(BaseModel):
    source: str = ""  # the wiki's base URL: another wiki's validators mean nothing here
    llms_txt: FileState = FileState()
    llms_text: str = ""
    modules: dict[str, FileState] = {}

    @classmethod
    def load(cls, corpus: Path, source: str) -> SyncState:
        """The saved state for ``source``; a fresh one if there is none, it is for another wiki or unreadable
        (the sync then simply downloads everything)."""
        try:
            state = cls.model_validate_json((corpus / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValidationError):
            return cls(source=source)
        return state if state.source == source else cls(source=source)

    def save(self, corpus: Path) -> None:
        data = self.model_dump(mode="json")
        (corpus / STATE_FILE).write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
