"""A folder's truthful status, for every reader (compare, export, rerun, the window's Open run).

The manifest says "running" from the moment a run starts until its process
writes the final status. When that process died without a word (SIGKILL,
power loss), the manifest still says "running"; this module tells the
difference: on the writer's own host the folder lock is decisive (the kernel
drops it when the process dies) and the pid is checked; from another host the
heartbeat (the lock file's modification time, touched every 30 s, and the
manifest's `heartbeat_at`) must be recent.
"""
from __future__ import annotations

import datetime as _dt
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from workbench.records import run_lock

STATUSES = ("running", "completed", "stopped", "failed", "interrupted")
STALE_AFTER_S = 4 * run_lock.HEARTBEAT_S


@dataclass(frozen=True)
class RunStatus:
    status: str            # one of STATUSES
    detail: str            # one line a person can read

    def __str__(self) -> str:
        return self.status if not self.detail else f"{self.status} ({self.detail})"


def _pid_alive(pid) -> bool | None:
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def _parse_time(text) -> float | None:
    try:
        return _dt.datetime.fromisoformat(str(text)).timestamp()
    except (TypeError, ValueError):
        return None


def status_of(manifest: dict, run_dir: Path, now: float | None = None) -> RunStatus:
    """The status of a folder whose manifest is already read."""
    status = manifest.get("status") if isinstance(manifest, dict) else None
    if status != "running":
        if status in STATUSES:
            error = manifest.get("error")
            return RunStatus(status, str(error).splitlines()[0] if isinstance(error, str) and error else "")
        return RunStatus("failed", f"the manifest's status {status!r} is not one the workbench writes")
    writer = manifest.get("writer") if isinstance(manifest.get("writer"), dict) else {}
    host, pid = writer.get("host"), writer.get("pid")
    who = f"pid {pid} on {host}" if host else "its writer"
    held = run_lock.is_held(run_dir)
    if held:
        return RunStatus("running", f"{who} holds the folder lock")
    if host == socket.gethostname():
        alive = _pid_alive(pid)
        if held is False:
            return RunStatus("interrupted", f"{who} ended without writing a final status")
        if alive is False:
            return RunStatus("interrupted", f"{who} is gone and left no final status")
        if alive:
            return RunStatus("running", f"{who} is alive")
    # Another host (or nothing to check here): the heartbeat decides.
    now = _dt.datetime.now().timestamp() if now is None else now
    beats = [_parse_time(manifest.get("heartbeat_at"))]
    try:
        beats.append((Path(run_dir) / run_lock.LOCK_NAME).lstat().st_mtime)
    except OSError:
        pass
    beats = [b for b in beats if b is not None]
    if not beats:
        return RunStatus("interrupted", f"{who} left no heartbeat")
    age = now - max(beats)
    if age > STALE_AFTER_S:
        return RunStatus("interrupted", f"no heartbeat from {who} for {age:.0f} s")
    return RunStatus("running", f"{who}, heartbeat {age:.0f} s ago")


def read_status(run_dir: Path) -> RunStatus:
    """The status of `run_dir` (reads its manifest); unreadable manifests raise like read_manifest."""
    from workbench.records.run_folder import read_manifest
    return status_of(read_manifest(run_dir), Path(run_dir))
