"""A reserve of disk space held in a folder while it is written, given back just before its final record.

A full disk must still get the record that says how the writing ended (a run's or a study's final
status): the writer keeps a file of zeros in its folder and unlinks it right before that last write,
so the space it held is free for it. Never through a symbolic link; one left by a writer that was
killed is replaced.
"""
from __future__ import annotations

import os
from pathlib import Path

RESERVE_NAME = ".space-reserve"
RESERVE_BYTES = 256 * 1024
_OPEN = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def make_reserve(path: Path, size: int = RESERVE_BYTES) -> None:
    """Write `size` bytes of zeros to `path` (synced: the blocks are really taken)."""
    if os.path.lexists(path):
        os.unlink(path)                       # left by a writer that was killed
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN, 0o600)
    try:
        block = b"\0" * 65536
        for _ in range(max(1, -(-size // len(block)))):
            os.write(fd, block)
        os.fsync(fd)
    finally:
        os.close(fd)


def drop_reserve(path: Path) -> None:
    """Give the space back (nothing to do when there is none)."""
    try:
        os.unlink(path)
    except OSError:
        pass
