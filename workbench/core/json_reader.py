"""The one way the workbench reads back a record file: manifests, study.json, claims files, metrics.

A record folder may hold anything by the time it is read (a copied archive,
a damaged disk, a planted file), so every read keeps the same checks: never
through a symbolic link, only a regular file (opened non-blocking and checked
with fstat, so a FIFO or a device never blocks or streams forever), bounded in
size, and for JSON a parse that cannot recurse without bound (nesting is
limited; Python's RecursionError is caught). Every refusal is one line naming
the file and what is wrong: `RecordFileError` (a ValueError) for a damaged
file, `MissingRecordFile` (a FileNotFoundError) for one that is not there or
cannot be opened.
"""
from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64               # the deepest record the workbench writes is under 10 levels
_OPEN = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class RecordFileError(ValueError):
    """A record file that is there but cannot be used; one line naming it and why."""


class MissingRecordFile(FileNotFoundError):
    """A record file that is not there or cannot be opened; one line naming it."""


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def open_regular(path: Path, limit: int | None = MAX_BYTES, what: str = "record file"):
    """A binary handle on a regular file (at most `limit` bytes now), opened without following a link or blocking."""
    path = Path(path)
    try:
        fd = os.open(path, _OPEN)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RecordFileError(f"{path}: is a symbolic link; not read") from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise MissingRecordFile(f"{path}: cannot read (no such file)") from None
        raise MissingRecordFile(f"{path}: cannot read ({_why(exc)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode)
                    else "a socket" if stat.S_ISSOCK(info.st_mode) else "a device")
            raise RecordFileError(f"{path}: is {kind}, not a regular file; not read")
        if limit is not None and info.st_size > limit:
            raise RecordFileError(f"{path}: larger than {_size(limit)}; not a {what}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: Path, limit: int = MAX_BYTES, what: str = "record file") -> bytes:
    """The whole of a regular file of at most `limit` bytes (see `open_regular`)."""
    with open_regular(path, limit, what) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise MissingRecordFile(f"{path}: cannot read ({_why(exc)})") from None
    if len(data) > limit:                       # it grew while being read
        raise RecordFileError(f"{path}: larger than {_size(limit)}; not a {what}")
    return data


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def _depth_problem(value, limit: int) -> bool:
    """True when `value` nests deeper than `limit` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def parse_json(data: bytes | str, path: Path, what: str = "record file", max_depth: int = MAX_DEPTH):
    """Parse JSON read from `path`; one-line RecordFileError for bad UTF-8, bad JSON or too deep a nesting."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text)
    except UnicodeDecodeError:
        raise RecordFileError(f"{path}: not a {what} (not UTF-8 text: a binary file?)") from None
    except json.JSONDecodeError as exc:
        raise RecordFileError(f"{path}: not a {what} ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise RecordFileError(f"{path}: not a {what} (nested more than {max_depth} levels deep)") from None
    if _depth_problem(value, max_depth):
        raise RecordFileError(f"{path}: not a {what} (nested more than {max_depth} levels deep)")
    return value


def read_json(path: Path, what: str = "record file", limit: int = MAX_BYTES, kind: type | None = dict):
    """A JSON record file; with `kind` (default dict) its top level must be of that type."""
    path = Path(path)
    value = parse_json(read_bytes(path, limit, what), path, what)
    if kind is not None and not isinstance(value, kind):
        raise RecordFileError(f"{path}: not a {what} (a JSON {type(value).__name__}, "
                              f"not {'an object' if kind is dict else kind.__name__})")
    return value
