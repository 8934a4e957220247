"""`ray`: long-lived Ray actors, on a local Ray started for the study or on a cluster (`--address`).

Ray's actor pattern: each actor pins TensorFlow to T threads and loads it
once, then trains the trials it is given. The training arrays go into the
object store once (uint8 when the images are k/255, as MNIST's are) and each
actor checks them against the study's checksum. Events come back through one
Ray queue; a trial whose actor (or node) dies is reported LOST and a fresh
actor takes the dead one's place. Actors are threaded (max_concurrency=2) so
pause, resume and stop reach a trial while it trains.

Ray is an optional extra: without it this module still imports, and
`require_ray()` explains what to install.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from workbench.execution.backends import protocol as P
from workbench.execution.backends.protocol import BackendUnavailable
from workbench.execution.backends.forwarding import ForwardsControl

INSTALL_HINT = "the ray backend needs Ray: pip install .[ray]"
ROOT = Path(__file__).resolve().parents[3]
READY_TIMEOUT_S = 600.0


def require_ray(address: str | None = None):
    """Import Ray or raise BackendUnavailable with the one line a user needs; probe `address` if given.

    Ray itself retries an address where nothing listens for minutes, repeating its warnings;
    a TCP connection refused or unanswered within PROBE_TIMEOUT_S is one line instead.
    """
    try:
        import ray
    except ImportError:
        raise BackendUnavailable(INSTALL_HINT) from None
    problem = unreachable(address)
    if problem:
        raise BackendUnavailable(problem)
    return ray


PROBE_TIMEOUT_S = 5.0


@contextmanager
def _keeping_signal_handlers():
    """ray.init replaces the driver's SIGTERM handler with one that exits at once (SystemExit) and
    logs a stack dump; the study's own handlers (stop every trial after its step) are put back."""
    names = [n for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)]
    main = threading.current_thread() is threading.main_thread()
    kept = {n: signal.getsignal(getattr(signal, n)) for n in names} if main else {}
    try:
        yield
    finally:
        for name, handler in kept.items():
            if handler is not None:
                signal.signal(getattr(signal, name), handler)


def unreachable(address: str | None, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """Why nothing answers at a Ray `--address` (HOST:PORT or ray://HOST:PORT), or None ('auto' is Ray's)."""
    import socket
    if not address or address == "auto":
        return None
    where = address[len("ray://"):] if address.startswith("ray://") else address
    host, colon, port = where.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return f"--address {address!r}: give 'auto' or HOST:PORT of a running Ray cluster (e.g. 10.0.0.5:6379)"
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        why = "no answer" if isinstance(exc, socket.timeout) else (exc.strerror or type(exc).__name__)
        return (f"--address {address}: no Ray cluster there ({why}); start one with `ray start --head` "
                f"or check the address")
    return None


class BatchedEmit:
    """A trial's events to the driver's Ray queue in batches: one remote call per `flush_s`, not one per step.

    `ray.util.queue.Queue.put` is a blocking round trip to the queue's actor, and a trial sends a
    step event at every training step, so unbatched the trainer waited on the queue at each step
    (bench/RESULTS.md, "## Studies"). Events the driver records or acts on (STARTED, EPOCH, END,
    ERROR) flush at once with whatever steps precede them, so order is kept and nothing it writes waits.
    """

    def __init__(self, queue, flush_s: float = 0.25):
        self.queue, self.flush_s = queue, flush_s
        self.buffer: list[P.TrialEvent] = []
        self.last = time.monotonic()
        self.calls = 0

    def __call__(self, event: P.TrialEvent) -> None:
        self.buffer.append(event)
        if event.kind != P.STEP or time.monotonic() - self.last >= self.flush_s:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            batch, self.buffer = self.buffer, []
            self.queue.put_nowait_batch(batch)
            self.calls += 1
        self.last = time.monotonic()


class TrialActor(ForwardsControl):
    """Runs inside a Ray worker process; wrapped with ray.remote at start-up. Pause/Resume/Stop reach `control`."""

    def __init__(self, threads: int, worker_id: str):
        from engine.events import RunControl
        from workbench.execution.backends.trial_runner import apply_threads, worker_facts
        apply_threads(threads)
        self.facts = worker_facts("ray", threads, worker_id)
        import ray
        # Several nodes may share a host name (a test cluster, containers): Ray's node id tells them apart.
        self.facts["ray_node_id"] = ray.get_runtime_context().get_node_id()
        self.control = RunControl()
        self.cache: dict[str, object] = {}

    def ready(self) -> dict:
        return self.facts

    def run(self, task, packed: dict, queue) -> None:
        emit = BatchedEmit(queue)
        try:
            self._run(task, packed, emit)
        finally:
            emit.flush()

    def _run(self, task, packed: dict, emit) -> None:
        from workbench.execution.backends.trial_runner import dataset_checksum, run_task, unpack_dataset
        if task.data_sha256 not in self.cache:
            dataset = unpack_dataset(packed)
            got = dataset_checksum(dataset)
            if got != task.data_sha256:
                for member in P.members(task):
                    emit(P.TrialEvent(P.STARTED, member.index, member.attempt, self.facts))
                    emit(P.TrialEvent(P.ERROR, member.index, member.attempt,
                                      (f"data on {self.facts['node']} differs from the study's "
                                       f"(sha256 {got[:12]}…)", "")))
                return
            self.cache = {task.data_sha256: dataset}
        run_task(task, self.cache[task.data_sha256], emit, self.control, dict(self.facts))


class _Slot:
    def __init__(self, index: int, actor):
        self.index, self.actor = index, actor
        self.task: P.TrialTask | P.PackTask | None = None
        self.open: set[tuple[int, int]] = set()        # (trial, attempt) of its task not yet ended
        self.ref = None
        self.facts: dict | None = None


class RayBackend(ForwardsControl):
    """Pause/Resume/Stop go to every actor; a trial submitted later is told the current state."""

    name = "ray"

    def __init__(self, emit: P.Emit, datasets: dict, workers: int | None = None, threads: int = 1,
                 address: str | None = None, init_options: dict | None = None):
        self.ray = require_ray()
        self.emit, self.datasets, self.threads, self.address = emit, datasets, threads, address
        self.n = workers
        self.init_options = dict(init_options or {})
        self.started_ray = False
        self.slots: list[_Slot] = []
        self.refs: dict[str, object] = {}
        self.queue = None
        self.startup_s: float | None = None

    # ------------------------------------------------------------------ lifecycle
    def _init(self, ray) -> None:
        if ray.is_initialized():
            return
        if self.address:
            ray.init(address=self.address, runtime_env={"py_modules": [str(ROOT / "engine"),
                                                                       str(ROOT / "workbench")]},
                     log_to_driver=False)
        else:
            # Workers of a local Ray inherit this environment: let them import the workbench.
            path = os.environ.get("PYTHONPATH", "")
            if str(ROOT) not in path.split(os.pathsep):
                os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), path) if p)
            n = self.n or max(1, (os.cpu_count() or 1) // self.threads)
            data_bytes = sum(a.nbytes for ds in self.datasets.values()
                             for a in (ds.x_train, ds.x_test))
            options = {"num_cpus": max(n * self.threads, 1), "include_dashboard": False,
                       "log_to_driver": False,
                       "object_store_memory": max(100 * 2**20, int(data_bytes * 1.5) + 50 * 2**20)}
            options.update(self.init_options)
            ray.init(**options)
        self.started_ray = True

    def start(self) -> dict:
        ray = self.ray
        t0 = time.monotonic()
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        with _keeping_signal_handlers():
            self._init(ray)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        if self.n is None:
            self.n = max(1, cpus // self.threads)
        from ray.util.queue import Queue
        self.queue = Queue(actor_options={"num_cpus": 0, **self._on_this_node()})
        for checksum, ds in self.datasets.items():
            from workbench.execution.backends.trial_runner import pack_dataset
            self.refs[checksum] = ray.put(pack_dataset(ds))
        self.slots = [_Slot(i, self._actor(i)) for i in range(self.n)]
        facts = ray.get([s.actor.ready.remote() for s in self.slots], timeout=READY_TIMEOUT_S)
        for slot, f in zip(self.slots, facts):
            slot.facts = f
        self.startup_s = time.monotonic() - t0
        return {"workers": self.n, "threads_per_worker": self.threads, "ray_version": ray.__version__,
                "address": self.address or "local (started for the study)",
                "nodes": sorted({f["node"] for f in facts}), "device": facts[0]["device_label"],
                "cluster_cpus": cpus, "startup_s": round(self.startup_s, 3)}

    def _on_this_node(self) -> dict:
        """The events' queue lives on the driver's own node: left to Ray it may go to any node, and
        losing that node would lose every trial's events, not one trial (the driver cannot outlive
        its own node anyway)."""
        try:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
            here = self.ray.get_runtime_context().get_node_id()
        except Exception:                       # (a Ray client has no node of its own)
            return {}
        return {"scheduling_strategy": NodeAffinitySchedulingStrategy(node_id=here, soft=False)}

    def _actor(self, index: int):
        remote = self.ray.remote(TrialActor).options(max_concurrency=2, num_cpus=self.threads, max_restarts=0,
                                                      name=None)
        return remote.remote(self.threads, f"ray-actor-{index}")

    def shutdown(self) -> None:
        ray = self.ray
        if not ray.is_initialized():
            return
        for slot in self.slots:
            try:
                ray.kill(slot.actor)
            except Exception:
                pass
        self.slots = []
        if self.queue is not None:
            try:
                self.queue.shutdown()
            except Exception:
                pass
        if self.started_ray:
            ray.shutdown()

    # ------------------------------------------------------------------ trials
    def free_slots(self) -> int:
        return sum(1 for s in self.slots if s.task is None)

    def submit(self, task) -> None:
        slot = next(s for s in self.slots if s.task is None)
        slot.task = task
        slot.open = {(t.index, t.attempt) for t in P.members(task)}
        slot.ref = slot.actor.run.remote(task, self.refs[task.data_sha256], self.queue)
        if self.paused:
            slot.actor.pause.remote()
        if self.stopped:
            slot.actor.stop.remote()

    def wait(self, timeout: float) -> None:
        from ray.util.queue import Empty
        try:
            self._handle(self.queue.get(block=True, timeout=timeout))
        except Empty:
            pass
        self._drain()
        self._check_finished()

    def _drain(self) -> None:
        size = self.queue.qsize()
        if size:
            for event in self.queue.get_nowait_batch(size):
                self._handle(event)

    def _handle(self, event: P.TrialEvent) -> None:
        self.emit(event)
        if event.kind in (P.END, P.ERROR):
            for slot in self.slots:
                if slot.task is not None and (event.trial, event.attempt) in slot.open:
                    slot.open.discard((event.trial, event.attempt))
                    if not slot.open:
                        slot.task, slot.ref = None, None

    def _check_finished(self) -> None:
        busy = [s for s in self.slots if s.ref is not None]
        if not busy:
            return
        done, _ = self.ray.wait([s.ref for s in busy], num_returns=len(busy), timeout=0)
        for slot in busy:
            if slot.ref not in done:
                continue
            try:
                self.ray.get(slot.ref)
                reason = None
            except self.ray.exceptions.RayActorError as exc:
                reason = f"Ray actor {slot.index} died ({type(exc).__name__})"
            except Exception as exc:                     # the actor method itself raised
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            self._drain()                                # events it sent before it ended
            if slot.task is None:
                continue
            task = slot.task
            slot.task, slot.ref = None, None
            if reason is None:
                reason = "the trial ended without reporting"
            self.slots[self.slots.index(slot)] = _Slot(slot.index, self._actor(slot.index))
            for member in P.members(task):
                if (member.index, member.attempt) in slot.open:
                    self.emit(P.TrialEvent(P.LOST, member.index, member.attempt, reason))

    # ------------------------------------------------------------------ control
    def _forward(self, command: str) -> None:
        for slot in self.slots:
            getattr(slot.actor, command).remote()
