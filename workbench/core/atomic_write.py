"""The one way the workbench replaces or publishes a file: a temporary file, then a rename.

Every record file written whole (manifests, study.json, predictions, claims
reports, settings, exports) goes through here, so the promise is kept in one
place: nothing is ever written through a symbolic link. The temporary file
is created fresh beside the destination with ``O_CREAT | O_EXCL | O_NOFOLLOW``
(a link planted at its name, or any other file there, is refused and another
name drawn), its data are synced before the rename, and it is removed
whatever goes wrong; the rename replaces a link planted at the destination
itself (rename(2) never follows one), so the record is written in the folder
and not where the link points. Files get the mode every other record file gets (0644 less the
umask), so a colleague on a shared machine can read an export like the run.
"""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o644            # as the run folder's other files (metrics.csv, transparency.txt), less the umask
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _temporary(path: Path) -> tuple[int, Path]:
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, _CREATE, FILE_MODE), tmp
        except FileExistsError:
            continue                  # a name taken (by anything, a link included): draw another
    raise FileExistsError(f"{path.parent}: no free temporary name")


@contextmanager
def atomic_file(path: Path, replace: bool = True):
    """A binary handle whose contents become `path` when the block ends without an error.

    `replace=False`: `path` must not exist, and never is replaced (a link(2) that fails
    with FileExistsError if it appeared meanwhile); `replace=True`: it is replaced atomically.
    """
    path = Path(path)
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)            # gone already after os.replace; the spare name after os.link
        except OSError:
            pass


def atomic_write(path: Path, data: str | bytes, replace: bool = True) -> None:
    """Replace (or, with `replace=False`, create) `path` with `data` (text is written as UTF-8)."""
    with atomic_file(path, replace) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
