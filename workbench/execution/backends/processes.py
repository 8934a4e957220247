"""`processes`: N long-lived worker processes on this machine, TensorFlow pinned to T threads in each.

Workers are started with multiprocessing's *spawn* (a fresh interpreter: no
forked TensorFlow state) and load TensorFlow once, then train trial after
trial. Each worker has its own pipe to the driver, so a worker killed in the
middle of a write cannot block the others; its pipe simply ends, the driver
reports the trial LOST (it is retried) and starts a replacement. Each worker
loads the data from this machine's own files and checks it against the
driver's checksum. Pause and Stop are two shared events every worker's
trainer reads between steps (two shared bytes, no lock a killed worker could hold).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import time
from multiprocessing.connection import wait as wait_any

from engine.events import RunControl

from workbench.execution.backends import protocol as P
from workbench.execution.backends.forwarding import ForwardsControl

READY_TIMEOUT_S = 600.0


class SharedControl(RunControl):
    """The engine's RunControl over two bytes of shared memory: [stop, pause] (same methods, same meaning).

    No lock on purpose: a multiprocessing Event hides a process-shared lock, and a worker killed while
    holding it (SIGKILL during `is_set()`) would block every other worker and the driver forever.
    """

    def __init__(self, flags):
        self._flags = flags

    def stop(self) -> None:
        self._flags[0] = 1

    def pause(self) -> None:
        if not self._flags[0]:
            self._flags[1] = 1

    def resume(self) -> None:
        self._flags[1] = 0

    @property
    def stopped(self) -> bool:
        return bool(self._flags[0])

    @property
    def paused(self) -> bool:
        return bool(self._flags[1]) and not self._flags[0]

    def wait_while_paused(self) -> float:
        """Block while paused; the seconds spent waiting (the trainer keeps them out of its clocks)."""
        if not self._flags[1] or self._flags[0]:
            return 0.0
        t0 = time.perf_counter()
        while self._flags[1] and not self._flags[0]:
            time.sleep(0.05)
        return time.perf_counter() - t0


def _lower_priority(nice: int) -> None:
    """A worker under the window runs at a lower priority, so the window stays smooth (as the run thread does).

    Absolute, not an increment: a process spawned from an already lowered thread starts lowered.
    """
    if nice > 0 and hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0), min(nice, 19)))
        except OSError:
            pass


def worker_main(conn, flags, threads: int, worker_id: str, nice: int = 0) -> None:
    """A worker process: pin threads, load TensorFlow once, then run the trials it is sent.

    Ctrl-C, SIGTERM and SIGHUP are the driver's (a closed terminal or `kill` of the process
    group reaches every worker too): the driver stops every trial after its step and then ends
    its workers. A driver that is gone (its pipe closed) ends the worker without a word.
    """
    import signal
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    try:
        _serve(conn, flags, threads, worker_id, nice)
    except (BrokenPipeError, ConnectionError, EOFError):
        return                                         # the driver is gone: nobody to report to


def _serve(conn, flags, threads: int, worker_id: str, nice: int) -> None:
    from workbench.execution.backends.trial_runner import apply_threads, load_checked, run_task, worker_facts
    _lower_priority(nice)
    try:
        apply_threads(threads)
        facts = worker_facts("processes", threads, worker_id)
        conn.send(("ready", facts))
    except Exception as exc:                           # e.g. TensorFlow cannot load here
        conn.send(("broken", f"{type(exc).__name__}: {exc}"))
        return
    control = SharedControl(flags)
    cache: dict[str, object] = {}
    emit = conn.send
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return                                     # the driver is gone
        if message[0] == "quit":
            return
        task = message[1]                              # a TrialTask or a PackTask
        try:
            if task.data_sha256 not in cache:
                cache.clear()                          # one data set in memory at a time
                cache[task.data_sha256] = load_checked(task.config["data"], task.data_sha256)
            dataset = cache[task.data_sha256]
        except Exception as exc:
            for member in P.members(task):
                emit(P.TrialEvent(P.STARTED, member.index, member.attempt, facts))
                emit(P.TrialEvent(P.ERROR, member.index, member.attempt, (str(exc).splitlines()[0], "")))
            continue
        run_task(task, dataset, emit, control, dict(facts))


class _Worker:
    def __init__(self, ctx, index: int, flags, threads: int, nice: int = 0):
        self.index = index
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=worker_main, name=f"rcnn-study-worker-{index}", daemon=True,
                                   args=(child, flags, threads, f"process-{index}", nice))
        self.process.start()
        child.close()
        self.ready = False
        self.facts: dict | None = None
        self.task: P.TrialTask | P.PackTask | None = None
        self.open: set[tuple[int, int]] = set()        # (trial, attempt) of its task not yet ended
        self.started = time.monotonic()


class ProcessBackend(ForwardsControl):
    """Pause/Resume/Stop set the shared bytes every worker's trainer reads (`ForwardsControl` -> `control`)."""

    name = "processes"

    def __init__(self, emit: P.Emit, workers: int | None = None, threads: int = 1, nice: int = 0):
        self.emit, self.threads, self.nice = emit, threads, nice
        self.n = workers or max(1, (os.cpu_count() or 1) // threads)
        self.ctx = mp.get_context("spawn")
        self.flags = self.ctx.RawArray("b", 2)         # [stop, pause], read by every worker between steps
        self.control = SharedControl(self.flags)
        self.workers: list[_Worker] = []
        self.startup_s: float | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> dict:
        t0 = time.monotonic()
        self.workers = [self._spawn(i) for i in range(self.n)]
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not all(w.ready for w in self.workers):
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker processes did not start within {READY_TIMEOUT_S:.0f} s")
            self._poll(1.0)
        self.startup_s = time.monotonic() - t0
        facts = self.workers[0].facts or {}
        return {"workers": self.n, "threads_per_worker": self.threads, "nodes": sorted({facts.get("node")}),
                "device": facts.get("device_label"), "startup_s": round(self.startup_s, 3)}

    def _spawn(self, index: int) -> _Worker:
        return _Worker(self.ctx, index, self.flags, self.threads, self.nice)

    def shutdown(self) -> None:
        for w in self.workers:
            try:
                w.conn.send(("quit",))
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 10.0
        for w in self.workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()                       # SIGTERM is ignored by workers (it is the driver's)
                w.process.join()
            w.conn.close()
        self.workers = []

    # ------------------------------------------------------------------ trials
    def free_slots(self) -> int:
        return sum(1 for w in self.workers if w.ready and w.task is None)

    def submit(self, task) -> None:
        worker = next(w for w in self.workers if w.ready and w.task is None)
        worker.task = task
        worker.open = {(t.index, t.attempt) for t in P.members(task)}
        try:
            worker.conn.send(("trial", task))
        except (OSError, ValueError):
            self._lost(worker, "its pipe closed")

    def wait(self, timeout: float) -> None:
        self._poll(timeout)

    def _poll(self, timeout: float) -> None:
        by_handle = {}
        for w in self.workers:
            by_handle[w.conn] = w
            by_handle[w.process.sentinel] = w
        for handle in wait_any(list(by_handle), timeout):
            worker = by_handle[handle]
            if worker not in self.workers:
                continue                               # already replaced in this round
            self._drain(worker)

    def _drain(self, worker: _Worker) -> None:
        while True:
            try:
                if not worker.conn.poll():
                    break
                message = worker.conn.recv()
            except (EOFError, OSError):                # the pipe ended: the worker is gone (below)
                break
            self._handle(worker, message)              # the driver's own errors (a full disk) are its own
        if not worker.process.is_alive():
            worker.process.join()
            code = worker.process.exitcode
            self._lost(worker, f"worker process {worker.process.pid} died "
                               f"({'signal ' + str(-code) if code and code < 0 else 'exit code ' + str(code)})")

    def _handle(self, worker: _Worker, message) -> None:
        if isinstance(message, tuple):
            kind, payload = message
            if kind == "ready":
                worker.ready, worker.facts = True, payload
            elif kind == "broken":
                raise RuntimeError(f"a worker process could not start: {payload}")
            return
        self.emit(message)
        if message.kind in (P.END, P.ERROR):
            worker.open.discard((message.trial, message.attempt))
            if not worker.open:
                worker.task = None

    def _lost(self, worker: _Worker, reason: str) -> None:
        """A worker died: its trial is LOST (the driver decides on a retry) and a fresh worker takes its place."""
        i = self.workers.index(worker)
        task = worker.task
        worker.conn.close()
        self.workers[i] = self._spawn(worker.index)
        if task is not None:
            for member in P.members(task):
                if (member.index, member.attempt) in worker.open:
                    self.emit(P.TrialEvent(P.LOST, member.index, member.attempt, reason))
        elif not worker.ready:
            raise RuntimeError(f"a worker process could not start: {reason}")
