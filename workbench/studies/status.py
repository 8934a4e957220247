"""The statuses of a study and of its trials, with their one owner: the study driver.

study.json's statuses change only through these machines, so every change is
one the driver means (as Ray Tune's trial controller checks its own): a final
status stays final for the rest of a session, a completed trial is never run
again, and an ending that is not allowed raises instead of leaving a lie on
disk. `resume` is the only way back from a final status, and only into a
new session (a completed trial stays completed).
"""
from __future__ import annotations

from dataclasses import dataclass

PENDING, RUNNING, COMPLETED, STOPPED, FAILED = "pending", "running", "completed", "stopped", "failed"


class StatusTransitionError(RuntimeError):
    """A status change the driver never makes (a bug, not a user's error)."""


@dataclass(frozen=True)
class StatusMachine:
    name: str
    allowed: dict                  # status -> the statuses it may move to
    resumable: dict                # final status -> the status a resumed session gives it

    @property
    def final(self) -> frozenset:
        return frozenset(s for targets in self.allowed.values() for s in targets) - set(self.allowed)

    def move(self, record: dict, new: str, error: str | None = None) -> None:
        """Set `record["status"]` to `new` (and its error), if the machine allows it."""
        old = record.get("status")
        if new != old and new not in self.allowed.get(old, ()):
            raise StatusTransitionError(f"{self.name} status {old!r} cannot become {new!r}")
        record["status"], record["error"] = new, error

    def resume(self, record: dict) -> bool:
        """A new session: a resumable final status becomes its starting status; True when it will run."""
        old = record.get("status")
        if old in self.resumable:
            record["status"], record["error"] = self.resumable[old], None
        elif old in self.final:
            return False
        return record["status"] in self.allowed


STUDY = StatusMachine("study", allowed={RUNNING: {COMPLETED, STOPPED, FAILED}},
                      resumable={STOPPED: RUNNING, FAILED: RUNNING, COMPLETED: RUNNING})
TRIAL = StatusMachine("trial",
                      allowed={PENDING: {RUNNING, STOPPED, FAILED},
                               RUNNING: {COMPLETED, STOPPED, FAILED, PENDING}},     # PENDING: a lost attempt retried
                      resumable={STOPPED: PENDING, FAILED: PENDING, RUNNING: PENDING})
