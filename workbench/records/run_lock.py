"""The lock a process holds on the folder it writes (run or study).

An advisory ``flock`` on ``<folder>/writer.lock``: the kernel releases it
when the holding process dies, however it dies, so "is anyone still writing
here?" has a true answer on this host without trusting a pid. The file also
names the holder (host, pid, start time) for the one-line refusal a second
writer gets, and its modification time is the writer's heartbeat (touched
every HEARTBEAT_S seconds), which is what a reader on another host can use.

A finished folder carries no lock file, so `release` unlinks it while still
holding the flock, and `acquire` checks after its flock that the file it
locked is still the one linked at the path (same device and inode), or starts
again: a lock whose file was unlinked or replaced is never held, and two
processes never both believe they hold a folder. (The `filelock` library
guards the same race, but truncates the file on every attempt, which would
erase the holder's name that a refused writer reports.)
"""
from __future__ import annotations

import datetime as _dt
import errno
import fcntl
import json
import os
import socket
import stat
import threading
from pathlib import Path

LOCK_NAME = "writer.lock"
HEARTBEAT_S = 30.0


class FolderBusyError(RuntimeError):
    """Another live process writes this folder; the message names it (host, pid)."""


def _open_flags(extra: int = 0) -> int:
    return os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | extra


def _open_existing(path: Path) -> int | None:
    """A read-only fd on the lock file when it is a regular file (a FIFO never blocks), else None."""
    try:
        fd = os.open(path, _open_flags(os.O_RDONLY | os.O_NONBLOCK))
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def holder(folder: Path) -> dict | None:
    """What the lock file says about its writer (host, pid, started_at), or None."""
    fd = _open_existing(Path(folder) / LOCK_NAME)
    if fd is None:
        return None
    try:
        data = os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        value = json.loads(data.decode("utf-8", "replace") or "null")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def is_held(folder: Path) -> bool | None:
    """True when a live process holds the folder's lock, False when none does, None without a lock file."""
    fd = _open_existing(Path(folder) / LOCK_NAME)
    if fd is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)         # closing drops a lock we may have taken
    return False


def describe_holder(info: dict | None) -> str:
    if not info:
        return "another process"
    return f"process {info.get('pid', '?')} on host {info.get('host', '?')}"


class FolderLock:
    """Held by the one process that writes a folder; `release()` when done (idempotent)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._fd: int | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def acquire(self) -> "FolderLock":
        fd = None
        while fd is None:
            fd = self._lock_linked_file()
        info = {"host": socket.gethostname(), "pid": os.getpid(),
                "started_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "heartbeat_s": HEARTBEAT_S}
        self._fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, (json.dumps(info) + "\n").encode())
        self.info = info
        return self

    def _lock_linked_file(self) -> int | None:
        """An fd holding the flock of the file linked at the path; None: it was unlinked meanwhile, try again."""
        try:
            fd = os.open(self.path, _open_flags(os.O_RDWR | os.O_CREAT | os.O_NONBLOCK), 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise FolderBusyError(f"{self.path}: is a symbolic link; refusing to follow it") from None
            raise
        try:
            locked = os.fstat(fd)
            if not stat.S_ISREG(locked.st_mode):
                raise FolderBusyError(f"{self.path}: is not a regular file; refusing to use it as the lock")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FolderBusyError(f"{self.folder}: already being written by "
                                      f"{describe_holder(holder(self.folder))}") from None
            try:
                linked = os.stat(self.path, follow_symlinks=False)
            except FileNotFoundError:
                linked = None
            if linked is None or (linked.st_dev, linked.st_ino) != (locked.st_dev, locked.st_ino):
                os.close(fd)           # its holder released (unlinked) it after our open: lock the new one
                return None
            os.set_blocking(fd, True)
            return fd
        except BaseException:
            try:
                os.close(fd)
            except OSError:
                pass
            raise

    @property
    def held(self) -> bool:
        return self._fd is not None

    def touch(self) -> None:
        """The heartbeat: bump the lock file's modification time."""
        if self._fd is not None:
            try:
                os.utime(self._fd)
            except OSError:
                pass

    def start_heartbeat(self, every_s: float = HEARTBEAT_S) -> None:
        if self._beat is not None:
            return

        def beat():
            while not self._stop.wait(every_s):
                self.touch()

        self._beat = threading.Thread(target=beat, name="run-heartbeat", daemon=True)
        self._beat.start()

    def release(self) -> None:
        self._stop.set()
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.unlink(self.path)        # while still locked: a waiter that locked this inode sees it unlinked
        except OSError:
            pass
        os.close(fd)
