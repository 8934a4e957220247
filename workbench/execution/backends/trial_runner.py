"""Run one trial in the current process and report it as `TrialEvent`s: the code every worker runs.

Workers never write files: they train and stream events; the driver writes.
Thread settings must be applied before TensorFlow initialises, so a worker
calls `apply_threads` first thing; `worker_facts` then records what was
really in force (threads, device, versions, node) for the trial's manifest.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import platform
import socket
import sys
import traceback
from importlib import metadata

import numpy as np

from workbench.execution.backends import protocol as P

def apply_threads(threads: int | None) -> None:
    """Pin TensorFlow (and OpenMP) to `threads` threads; must run before TensorFlow starts its pools.

    None leaves TensorFlow's defaults. Raises RuntimeError when TensorFlow is
    already running here with other settings (they can no longer change).
    """
    if threads is None:
        return
    from workbench.records import environment as env
    os.environ["OMP_NUM_THREADS"] = str(threads)
    from engine.tensorflow_loader import import_tensorflow
    import_tensorflow()
    problems = env.apply_threads({"threads": {"intra_op": threads, "inter_op": threads}})
    if problems:
        raise RuntimeError(f"cannot pin TensorFlow to {threads} thread(s): {problems[0]}")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def worker_facts(backend: str, threads: int | None, worker_id: str | None = None) -> dict:
    """What a trial's numbers may depend on, as the worker sees it (recorded in the trial's manifest)."""
    from engine.device import training_device
    from engine.tensorflow_loader import import_tensorflow
    tf = import_tensorflow()
    device = training_device()       # a worker uses its node's GPU when TensorFlow sees one
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    from workbench.records import environment as env
    ray_version = sys.modules["ray"].__version__ if "ray" in sys.modules else None
    return {
        "environment": {**env.capture(), **env.tensorflow_facts()},   # this process's record (records API)
        "backend": backend,
        "node": socket.gethostname(),
        "pid": os.getpid(),
        "worker": worker_id,
        "threads_per_worker": threads,
        "intra_op_threads": intra or os.cpu_count(),     # 0 means TensorFlow's default: every core
        "inter_op_threads": inter or os.cpu_count(),
        "device": device,
        "device_label": device.get("label") or device.get("type"),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "ray": ray_version,
        "platform": platform.platform(),
    }


# ---------------------------------------------------------------------------- data
def dataset_checksum(dataset) -> str:
    """sha256 of the arrays a trial trains and tests on (after limits), so every worker is checked."""
    h = hashlib.sha256()
    for a in (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def pack_dataset(dataset) -> dict:
    """The dataset as compact arrays to ship once: uint8 images when they are exactly k/255 (MNIST is)."""
    out = {"name": dataset.name, "source": dataset.source, "y_train": dataset.y_train, "y_test": dataset.y_test}
    for key in ("x_train", "x_test"):
        x = getattr(dataset, key)
        u = np.rint(x * 255.0).clip(0, 255).astype(np.uint8)
        exact = np.array_equal(u.astype(np.float32) / np.float32(255.0), x)
        out[key] = u if exact else x
    return out


def unpack_dataset(packed: dict):
    from engine.data import Dataset

    def floats(x):
        if x.dtype == np.uint8:
            out = x.astype(np.float32)       # the same operations engine.data applies to uint8 files
            out /= 255.0
            return out
        return np.array(x, np.float32)
    return Dataset(packed["name"], floats(packed["x_train"]), np.asarray(packed["y_train"]),
                   floats(packed["x_test"]), np.asarray(packed["y_test"]), packed["source"])


def load_checked(data_spec: dict, checksum: str | None):
    """Load the trial's data from this node's own source and check it is the driver's data."""
    from engine.data import load_dataset
    ds = load_dataset(data_spec["source"], train_limit=data_spec.get("train_limit"),
                      test_limit=data_spec.get("test_limit"), train_skip=data_spec.get("train_skip", 0))
    if checksum is not None:
        got = dataset_checksum(ds)
        if got != checksum:
            raise ValueError(f"data on {socket.gethostname()} differs from the study's "
                             f"(sha256 {got[:12]}… instead of {checksum[:12]}…)")
    return ds


# ---------------------------------------------------------------------------- trial
class _Stream:
    """The trainer's listener: forwards its events, tagged, through `emit`, and the trainer's state
    when a checkpoint is due (the driver, the trial folder's only writer, keeps it). None after the
    last epoch: a study's checkpoints are for retries and resumes, and a finished trial needs none."""

    def __init__(self, task: P.TrialTask, emit: P.Emit, trainer=None):
        from workbench.core.checkpoint_policy import CheckpointClock, CheckpointPolicy
        self.task, self.emit, self.trainer = task, emit, trainer
        policy = CheckpointPolicy.parse(task.checkpoint_every)
        self.clock = None if policy.off or trainer is None else CheckpointClock(policy)
        if self.clock is not None:
            self.clock.start()

    def on_step(self, event):
        self.emit(P.TrialEvent(P.STEP, self.task.index, self.task.attempt, event))

    def on_epoch(self, event):
        self.emit(P.TrialEvent(P.EPOCH, self.task.index, self.task.attempt, event))
        t = self.trainer
        finished = t.epoch >= t.settings.epochs or not t.active
        if self.clock is not None and not finished and self.clock.due(t.epoch, last=False):
            self.emit(P.TrialEvent(P.CHECKPOINT, self.task.index, self.task.attempt, t.state()))
            self.clock.written()


class _PackStream:
    """A pack's listener: each seed's events, as its own trial 0, under its own task, and each seed's
    state when its checkpoint is due: the state its trial alone would have (trial 0, its seed), so a
    retry or a resumed study goes on from it alone."""

    def __init__(self, by_trial: dict, emit: P.Emit, trainer):
        from workbench.core.checkpoint_policy import CheckpointClock, CheckpointPolicy
        self.by_trial, self.emit, self.trainer = by_trial, emit, trainer
        self.clocks = {}
        for trial, task in by_trial.items():
            policy = CheckpointPolicy.parse(task.checkpoint_every)
            if not policy.off:
                self.clocks[trial] = CheckpointClock(policy)
                self.clocks[trial].start()

    def _send(self, kind, event):
        task = self.by_trial[event.trial]
        self.emit(P.TrialEvent(kind, task.index, task.attempt, dataclasses.replace(event, trial=0)))

    def on_step(self, event):
        self._send(P.STEP, event)

    def on_epoch(self, event):
        self._send(P.EPOCH, event)
        t, clock = self.trainer, self.clocks.get(event.trial)
        s = next(i for i, run in enumerate(t.runs) if run.trial == event.trial)
        run = t.runs[s]
        finished = run.epoch >= t.settings.epochs or not run.active
        if clock is None or finished or t.mid_epoch or not clock.due(run.epoch, last=False):
            return
        state = t.seed_state(s)
        state["facts"]["identity"]["trial"] = 0
        task = self.by_trial[event.trial]
        self.emit(P.TrialEvent(P.CHECKPOINT, task.index, task.attempt, state))
        clock.written()


def pack_trials(configs: list[dict]) -> tuple[dict, list[int]]:
    """(the pack's configuration, each member's trial number): the members' configurations must
    differ in the seed alone; the pack's seed is the smallest, and member i is trial seed_i − seed."""
    seeds = [c["train"]["seed"] for c in configs]
    base = min(seeds)
    rest = [{**c, "train": {**c["train"], "seed": base}} for c in configs]
    if any(r != rest[0] for r in rest[1:]):
        raise ValueError("a pack's trials must differ in their seed alone")
    return rest[0], [s - base for s in seeds]


def run_task(task, dataset, emit: P.Emit, control, facts: dict) -> None:
    """Train a submitted task: one trial, or a pack of trials."""
    if isinstance(task, P.PackTask):
        run_pack(task, dataset, emit, control, facts)
    else:
        run_trial(task, dataset, emit, control, facts)


def run_pack(pack: P.PackTask, dataset, emit: P.Emit, control, facts: dict) -> None:
    """Train a pack's trials as seeds of one trainer; every member's outcome is its own END or ERROR."""
    from engine import catalog
    from engine.trainer import LockstepTrainer, enable_determinism
    from workbench.core.config import ExperimentConfig
    facts = {**facts, "pack": [task.index for task in pack.tasks]}
    for task in pack.tasks:
        emit(P.TrialEvent(P.STARTED, task.index, task.attempt, facts))
    try:
        merged, trials = pack_trials([task.config for task in pack.tasks])
        config = ExperimentConfig.from_dict(merged)
        enable_determinism()
        trainer = LockstepTrainer(catalog.build(config.arch), config.case_objects(), config.train, dataset,
                                  config.noise_schedule(), trials=trials)
        by_trial = dict(zip(trials, pack.tasks))
        results = trainer.run_seeds(_PackStream(by_trial, emit, trainer), control)
    except Exception as exc:
        from workbench.core.one_line import one_line
        for task in pack.tasks:
            emit(P.TrialEvent(P.ERROR, task.index, task.attempt, (one_line(exc), traceback.format_exc())))
        return
    for result in results:
        task = by_trial[result.trial]
        emit(P.TrialEvent(P.END, task.index, task.attempt, dataclasses.replace(result, trial=0)))


def run_trial(task: P.TrialTask, dataset, emit: P.Emit, control, facts: dict) -> None:
    """Train one trial; every outcome is an event (END or ERROR). Never raises for a trial's own failure."""
    from engine import catalog
    from engine.trainer import LockstepTrainer, enable_determinism
    from workbench.core.config import ExperimentConfig
    emit(P.TrialEvent(P.STARTED, task.index, task.attempt, facts))
    try:
        config = ExperimentConfig.from_dict(task.config)
        enable_determinism()
        trainer = LockstepTrainer(catalog.build(config.arch), config.case_objects(), config.train, dataset,
                                  config.noise_schedule(), trial=0)
        if task.start_state is not None:
            trainer.restore(task.start_state)
        result = trainer.run(_Stream(task, emit, trainer), control)
    except Exception as exc:
        from workbench.core.one_line import one_line
        emit(P.TrialEvent(P.ERROR, task.index, task.attempt, (one_line(exc), traceback.format_exc())))
        return
    emit(P.TrialEvent(P.END, task.index, task.attempt, result))
