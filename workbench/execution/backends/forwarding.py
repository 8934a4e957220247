"""Pause, Resume and Stop said once for the backends (and Ray actors) that pass them on to where trials train.

The driver calls ``pause``/``resume``/``stop`` on a backend; the backend only
has to say how one command reaches its trainers (``_forward``). By default a
command goes to ``self.control``, the engine's RunControl (or the shared
memory one the worker processes read). The state is remembered, so a trial
handed out later can be told it was paused or stopped before it began.
"""
from __future__ import annotations


class ForwardsControl:
    """Mixin: the three control methods of the Backend protocol, forwarding each command by name."""

    paused = False
    stopped = False

    def pause(self) -> None:
        self.paused = True
        self._forward("pause")

    def resume(self) -> None:
        self.paused = False
        self._forward("resume")

    def stop(self) -> None:
        self.stopped = True
        self._forward("stop")

    def _forward(self, command: str) -> None:
        """Pass ``command`` ("pause", "resume" or "stop") on; override where trainers are out of reach."""
        getattr(self.control, command)()
