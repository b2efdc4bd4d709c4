"""Writing a corpus folder all at once: stage a full copy next to it, change the copy, validate
it with the corpus loader, then swap it in. Until the swap the target is untouched, so a failed
or interrupted run leaves it byte-identical.

The swap is one renameat2(RENAME_EXCHANGE) on Linux (atomic: a reader sees the old folder or the
new one, never neither); elsewhere two renames, with the old folder restored if the second fails."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..corpus.loading import display_path, load_corpus
from ..corpus.model import Corpus, Problem
from ..errors import CorpusError

AT_FDCWD = -100  # <fcntl.h>: paths relative to the working directory
RENAME_EXCHANGE = 2  # <linux/fs.h>


@contextmanager
def staged_copy(target: Path) -> Iterator[Path]:
    """A scratch copy of ``target`` (empty if it does not exist) beside it; removed on exit."""
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=parent))
    staged = scratch / target.name
    try:
        if target.exists():
            shutil.copytree(target, staged, symlinks=True)
        else:
            staged.mkdir()
        yield staged
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def validate_staged(staged: Path, target: Path) -> Corpus:
    """Load the staged corpus strictly; problems are reported under the target's paths."""
    corpus = load_corpus(staged, strict=False)
    if corpus.errors:
        shown_from, shown_as = display_path(staged), display_path(target)
        errors = [Problem(p.path.replace(shown_from, shown_as, 1), p.line, p.message, p.severity) for p in corpus.errors]
        raise CorpusError(f"{shown_as}: the result would have {len(errors)} corpus error(s); nothing was written",
                          errors)
    return corpus


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: this kernel or file system cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def swap_in(staged: Path, target: Path) -> None:
    """Put ``staged`` where ``target`` is; the old folder ends up at ``staged`` (removed with the scratch)."""
    if not target.exists():
        os.replace(staged, target)
        return
    if _exchange(staged, target):
        return
    old = staged.with_name(staged.name + ".old")
    os.replace(target, old)
    try:
        os.replace(staged, target)
    except OSError:
        os.replace(old, target)
        raise
    os.replace(old, staged)
