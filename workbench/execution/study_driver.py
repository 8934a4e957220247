"""The study driver: the one writer of a study folder, whatever backend runs the trials.

    DIR/study.json      the grid, the backend, every trial's status, folder, attempts, node and error
    DIR/trial-<k>/      an ordinary run folder per trial (compare, export, rerun and the window open it)

Backends stream `TrialEvent`s back; the driver turns them into run folders (each
written by a `TrialRecorder`, trial_recorder.py, exactly as a run's folder is),
study.json updates and listener calls; the study's progress is run_progress.py's. A trial whose worker or node dies is
retried (its partial folder is kept as trial-<k>.attempt-<n>) up to
`StudyOptions.max_attempts`, then marked failed with the reason; other trials
go on. `resume_study` runs only the trials that are not completed.
"""
from __future__ import annotations

import dataclasses
import json
import os
import socket
import traceback
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from engine.events import RunControl

from workbench.execution.backends import protocol as P
from workbench.execution.backends.by_name import make_backend
from workbench.execution.backends.protocol import BackendUnavailable
from workbench.execution.packing import packable, plan_packs
from workbench.execution.run_progress import StudyProgress, TrialsProgress
from workbench.execution.run_setup import data_record
from workbench.execution.throttle import STEP_INTERVAL, Throttle
from workbench.execution.trial_recorder import TrialRecorder
from workbench.core.checkpoint_policy import CheckpointPolicy
from workbench.core.config import ConfigError
from workbench.core.atomic_write import atomic_write
from workbench.records.run_folder import now_iso
from workbench.records.space_reserve import RESERVE_BYTES, RESERVE_NAME, drop_reserve, make_reserve
from workbench.studies.spec import StudyOptions, StudySpec, TrialSpec
from workbench.studies.status import COMPLETED, FAILED, PENDING, RUNNING, STOPPED, STUDY, TRIAL
from workbench.studies.study_file import STUDY_FILE, STUDY_VERSION, read_study
from workbench.studies.study_folder import StudyLock, claim_study_folder


@dataclass
class StudyOutcome:
    status: str              # completed, stopped or failed
    dir: Path
    trials: list[dict] = field(default_factory=list)   # study.json's trial entries
    error: str | None = None

    @property
    def folder(self) -> Path:
        return self.dir


def _call(listener, name, *args):
    fn = getattr(listener, name, None) if listener is not None else None
    if fn is not None:
        fn(*args)


# ------------------------------------------------------------------------------ the driver
class StudyDriver:
    def __init__(self, study_dir: Path, spec: StudySpec, options: StudyOptions, listener=None,
                 control: RunControl | None = None, worker_nice: int = 0):
        self.worker_nice = worker_nice
        self.dir = Path(study_dir)
        self.spec, self.options = spec, options.validated()
        self.listener = listener
        self.control = control or RunControl()
        self.trials: list[TrialSpec] = spec.trials()
        self.state: dict = {}
        self.folders: dict[int, TrialRecorder] = {}    # trial -> the writer of its folder, while it trains
        self.current_attempt: dict[int, int] = {}
        self.trials_progress = TrialsProgress([t.index for t in self.trials], set())
        self.data_for: dict[int, str] = {}       # trial -> data checksum
        self.datasets: dict[str, object] = {}
        self.pending: deque[int] = deque()
        self.in_flight: set[int] = set()
        self.continue_from: dict[int, tuple[dict, int]] = {}   # trial -> (checkpointed state, epochs done)
        self.checkpoints = CheckpointPolicy.parse(self.options.checkpoint_every)
        self._progress_lines = Throttle(0.25)     # the listener's on_progress, at most 4 a second
        # each trial's step reports, throttled by its recorder: the listener is sent these, steps.csv keeps them
        self._step_interval = getattr(listener, "step_interval", STEP_INTERVAL)

    # ------------------------------------------------------------------ study.json
    def _new_state(self) -> dict:
        return {
            "kind": "study", "schema_version": STUDY_VERSION, "status": "running",
            "created_at": now_iso(), "updated_at": now_iso(), "ended_at": None,
            "description": self.spec.describe(),
            "spec": self.spec.to_dict(), "options": self.options.to_dict(),
            "backend": None, "data": [], "sessions": [], "error": None,
            "trials": [{"index": t.index, "folder": t.name, "group": t.group, "arch": t.arch, "seed": t.seed,
                        "overrides": t.overrides, "status": "pending", "attempts": 0, "error": None,
                        "node": None, "epochs_done": 0, "final": {}, "diverged_at": {}, "previous_folders": []}
                       for t in self.trials],
        }

    def write_state(self) -> None:
        self.state["updated_at"] = now_iso()
        atomic_write(self.dir / STUDY_FILE, json.dumps(self.state, indent=2) + "\n")

    def _entry(self, k: int) -> dict:
        return self.state["trials"][k]

    def _trial_changed(self, k: int) -> None:
        self.write_state()
        _call(self.listener, "on_trial", k, dict(self._entry(k)))

    # ------------------------------------------------------------------ running
    def run(self, resume: bool = False) -> StudyOutcome:
        lock = StudyLock(self.dir)
        lock.acquire()
        backend = None
        try:
            if resume:
                self.state = read_study(self.dir)
                self.state["options"] = self.options.to_dict()
                STUDY.resume(self.state)
                self.state["ended_at"] = None
            else:
                self.state = self._new_state()
            # who writes it: a reader tells a dead driver from a live one as for a run (run_status)
            self.state["writer"] = {"host": socket.gethostname(), "pid": os.getpid()}
            todo = [t.index for t in self.trials if TRIAL.resume(self._entry(t.index))]
            if resume:
                for k in todo:
                    self._find_checkpoint(k)          # an unfinished trial goes on from its checkpoint
            self.write_state()
            self._hold_space()
            self.trials_progress = TrialsProgress([t.index for t in self.trials],
                                                  {t.index for t in self.trials if t.index not in todo})
            _call(self.listener, "on_study_started", self.dir, self.state)
            if not todo:
                return self._finish("completed")
            _call(self.listener, "on_status", "loading data")
            self._load_data(todo)
            self.options, notice = self.options.fitted()
            if notice:
                _call(self.listener, "on_status", notice)
            _call(self.listener, "on_status", f"starting the {self.options.backend} backend")
            backend = make_backend(self.options, self._on_event, self.datasets, self.control, self.worker_nice)
            facts = backend.start()
            self.state["backend"] = {"name": self.options.backend, **facts}
            self.state["sessions"].append({"started_at": now_iso(), "backend": self.options.backend,
                                           "trials": todo, **facts})
            self.write_state()
            for k in todo:
                self._entry(k)["attempts"] = 0
                self.pending.append(k)
            _call(self.listener, "on_status", "training")
            self._loop(backend)
            failed = [e["index"] for e in self.state["trials"] if e["status"] == "failed"]
            if self.control.stopped and any(e["status"] != COMPLETED for e in self.state["trials"]):
                return self._finish("stopped")
            if failed:
                return self._finish("failed", f"{len(failed)} trial(s) failed: "
                                    + ", ".join(f"trial-{k}" for k in failed))
            return self._finish("completed")
        except BaseException as exc:
            from workbench.core.one_line import one_line
            aborted = isinstance(exc, (KeyboardInterrupt, SystemExit))   # a second Ctrl-C or signal, Ray's SIGTERM
            status = STOPPED if aborted else FAILED
            message = f"aborted ({type(exc).__name__})" if aborted else one_line(exc)
            if backend is not None and aborted:
                try:
                    backend.stop()                  # the workers stop after their step, as for a first signal
                except Exception:
                    pass
            for recorder in list(self.folders.values()):          # no-op for one that had ended already
                recorder.finish(status, f"the study ended: {message}", export_gradients=False)
            for entry in self.state.get("trials", []):
                if entry["status"] == RUNNING:                       # sent trials not started stay pending
                    folder = self.folders.get(entry["index"])
                    ended = folder.manifest["status"] if folder is not None else status
                    TRIAL.move(entry, ended if ended in TRIAL.final else status, message)
                    _epochs_as_recorded(entry, folder)
            if self.state.get("status") == RUNNING:
                if not aborted:
                    self.state["traceback"] = traceback.format_exc()
                outcome = self._finish(status, message)
            else:
                outcome = StudyOutcome(self.state.get("status") or status, self.dir,
                                       [dict(e) for e in self.state.get("trials", [])], message)
            if isinstance(exc, BackendUnavailable) or not (aborted or isinstance(exc, Exception)):
                raise
            return outcome
        finally:
            if backend is not None:
                try:
                    backend.shutdown()
                except (Exception, KeyboardInterrupt):  # a second Ctrl-C while the workers wind down: the
                    pass                                # record is written already; stop waiting for them
            drop_reserve(self.dir / RESERVE_NAME)
            lock.release()

    def _hold_space(self) -> None:
        """The space the final study.json needs, held in the study folder until it is written (a full
        disk still gets its final status): twice the record as it is, and a run folder's reserve."""
        make_reserve(self.dir / RESERVE_NAME, RESERVE_BYTES + 2 * (self.dir / STUDY_FILE).stat().st_size)

    def _finish(self, status: str, error: str | None = None) -> StudyOutcome:
        STUDY.move(self.state, status, error)
        self.state["ended_at"] = now_iso()
        drop_reserve(self.dir / RESERVE_NAME)
        self.write_state()
        outcome = StudyOutcome(status, self.dir, [dict(e) for e in self.state["trials"]], error)
        _call(self.listener, "on_study_end", outcome)
        return outcome

    def _load_data(self, todo: list[int]) -> None:
        from engine.data import load_dataset
        by_spec: dict[str, str] = {}
        for k in todo:
            d = self.trials[k].config.data
            key = json.dumps(dataclasses.asdict(d), sort_keys=True)
            if key not in by_spec:
                ds = load_dataset(d.source, train_limit=d.train_limit, test_limit=d.test_limit,
                                  train_skip=d.train_skip)
                summary = data_record(ds)
                checksum = summary.pop("sha256")
                self.datasets[checksum] = ds
                by_spec[key] = checksum
                if not any(x["sha256"] == checksum for x in self.state["data"]):
                    self.state["data"].append({"spec": dataclasses.asdict(d), "sha256": checksum,
                                               "summary": summary})
            self.data_for[k] = by_spec[key]

    def _loop(self, backend) -> None:
        paused = stopped = False
        while self.pending or self.in_flight:
            if self.control.stopped and not stopped:
                stopped = True
                backend.stop()
            if self.control.paused != paused and not stopped:
                paused = self.control.paused
                backend.pause() if paused else backend.resume()
            while self.pending and not stopped and backend.free_slots() > 0:
                tasks = []
                for k in self._next_pack(backend.free_slots()):
                    entry = self._entry(k)
                    entry["attempts"] += 1
                    self.current_attempt[k] = entry["attempts"]
                    self.in_flight.add(k)
                    start = self.continue_from.get(k)
                    tasks.append(P.TrialTask(k, entry["attempts"], self.trials[k].config.to_dict(),
                                             self.data_for[k], checkpoint_every=self.checkpoints.text(),
                                             start_state=start[0] if start else None))
                backend.submit(tasks[0] if len(tasks) == 1 else P.PackTask(tuple(tasks)))
            if stopped and not self.in_flight:
                break
            backend.wait(0.2)
            self._progress()

    def _pack_key(self, k: int) -> str:
        """Trials of one key differ only in seed (and share their data): they may train as a pack."""
        config = self.trials[k].config
        if not self.options.pack or not packable(config) or k in self.continue_from:
            return f"alone {k}"                  # (one continuing from a checkpoint goes on alone)
        d = config.to_dict()
        d["train"] = {n: v for n, v in d["train"].items() if n != "seed"}
        return json.dumps([d, self.data_for[k]], sort_keys=True)

    def _next_pack(self, slots: int) -> list[int]:
        """The next trials to submit together (taken off the queue, in queue order): the first of
        the waiting cells' packs, split so that `slots` free workers each get one."""
        cells: dict[str, list[int]] = {}
        for k in self.pending:
            cells.setdefault(self._pack_key(k), []).append(k)
        pack = plan_packs(list(cells.values()), slots)[0]
        for k in pack:
            self.pending.remove(k)
        return pack

    # ------------------------------------------------------------------ events
    def _on_event(self, ev: P.TrialEvent) -> None:
        k = ev.trial
        if self.current_attempt.get(k) != ev.attempt or k not in self.in_flight:
            return                                   # a late event of an attempt given up on
        handler = {P.STARTED: self._started, P.STEP: self._step, P.EPOCH: self._epoch, P.END: self._end,
                   P.ERROR: self._error, P.LOST: self._lost, P.CHECKPOINT: self._checkpoint}[ev.kind]
        handler(k, ev.payload)

    def _set_aside(self, k: int) -> None:
        """An earlier attempt's folder stays, renamed trial-<k>.attempt-<n>; nothing is deleted."""
        path = self.dir / self.trials[k].name
        if not path.exists():
            return
        n = 1
        while (aside := self.dir / f"{self.trials[k].name}.attempt-{n}").exists():
            n += 1
        os.replace(path, aside)
        self._entry(k)["previous_folders"].append(aside.name)

    def _find_checkpoint(self, k: int) -> bool:
        """Whether trial k's folder holds a checkpoint of this trial to continue from (kept in continue_from)."""
        from workbench.execution.checkpoint_writer import belongs_to
        from workbench.records.checkpoint_store import CheckpointError, CheckpointStore
        self.continue_from.pop(k, None)
        path = self.dir / self.trials[k].name
        if path.is_symlink() or not (path / "checkpoints").is_dir():
            return False
        try:
            hit = CheckpointStore(path).latest(trial=0)
        except CheckpointError:
            return False
        if hit is None or hit[0].record.get("belongs_to") != belongs_to(self.trials[k].config):
            return False
        self.continue_from[k] = (hit[1], hit[0].epoch)
        return True

    def _reopen(self, k: int, facts: dict) -> TrialRecorder:
        """Trial k's own folder, its records cut back to its checkpoint, for the attempt that continues it."""
        from workbench.records.run_folder import read_manifest
        from workbench.records.run_lock import FolderLock
        t = self.trials[k]
        _, epoch = self.continue_from.pop(k)
        path = self.dir / t.name
        lock = FolderLock(path).acquire()
        try:
            manifest = read_manifest(path)
        except BaseException:
            lock.release()
            raise
        recorder = TrialRecorder.reopen(path, t.config, lock, manifest, {0: epoch},
                                        {"pid": facts.get("pid"), "node": facts.get("node"),
                                         "attempt": self.current_attempt[k], "from_epoch": {"0": epoch}},
                                        self._step_interval)
        recorder.continue_trial(0, epoch)
        recorder.open_gradients()
        self._entry(k).setdefault("resumed_from", []).append(epoch)
        return recorder

    def _checkpoint(self, k: int, state: dict) -> None:
        recorder = self.folders.get(k)
        if recorder is not None:
            recorder.on_checkpoint(0, state)

    def _started(self, k: int, facts: dict) -> None:
        t = self.trials[k]
        if k in self.continue_from:
            self._started_from_checkpoint(k, facts)
            return
        self._set_aside(k)
        recorder = TrialRecorder.open(self.dir / t.name, t.config, step_interval=self._step_interval)
        folder = recorder.folder
        folder.manifest["worker"] = {key: v for key, v in facts.items() if key != "environment"}
        folder.record_environment({**facts.get("environment", {}), "device": facts.get("device"),
                                   "backend": facts.get("backend"), "node": facts.get("node"),
                                   "worker": facts.get("worker"), "ray": facts.get("ray"),
                                   "threads_per_worker": facts.get("threads_per_worker")})
        folder.manifest["study"] = {"folder": "..", "trial": k, "attempt": self.current_attempt[k],
                                    "group": t.group, "overrides": t.overrides}
        pack = facts.get("pack") or [k]
        folder.manifest["packing"] = {"packed": len(pack) > 1, "study_trials": list(pack)}
        data = next(x for x in self.state["data"] if x["sha256"] == self.data_for[k])
        recorder.record_setup({**data["summary"], "sha256": data["sha256"]})
        recorder.start_trial(0, t.seed)
        self.folders[k] = recorder
        recorder.open_gradients()
        self._running(k, facts, 0)

    def _started_from_checkpoint(self, k: int, facts: dict) -> None:
        epoch = self.continue_from[k][1]
        recorder = self._reopen(k, facts)
        recorder.manifest["worker"] = {key: v for key, v in facts.items() if key != "environment"}
        recorder.manifest.setdefault("study", {})["attempt"] = self.current_attempt[k]
        recorder.folder.write_manifest()
        self.folders[k] = recorder
        self._running(k, facts, epoch)

    def _running(self, k: int, facts: dict, epochs_done: int) -> None:
        entry = self._entry(k)
        TRIAL.move(entry, RUNNING)
        entry["node"], entry["epochs_done"] = facts.get("node"), epochs_done
        entry["worker"], entry["pid"] = facts.get("worker"), facts.get("pid")
        entry["device"] = facts.get("device_label")
        self._trial_changed(k)

    def _step(self, k: int, event) -> None:
        self.trials_progress.set(k, event.progress.fraction)
        recorder = self.folders.get(k)
        if recorder is not None and recorder.on_step(event):   # as trial 0 of its own folder, as sent
            _call(self.listener, "on_step", k, dataclasses.replace(event, trial=k))

    def _epoch(self, k: int, event) -> None:
        recorder = self.folders.get(k)
        if recorder is None:
            return
        recorder.on_epoch(event)
        self.trials_progress.set(k, event.progress.fraction)
        entry = self._entry(k)
        entry["epochs_done"] = event.epoch + 1
        self.write_state()
        _call(self.listener, "on_epoch", k, dataclasses.replace(event, trial=k), recorder.folder)

    def _end(self, k: int, result) -> None:
        from workbench.records.run_folder import _case_epoch_dict
        recorder = self.folders.get(k)     # kept until recorded: an abort meanwhile finishes it
        self.in_flight.discard(k)
        entry = self._entry(k)
        status, error = result.status, None
        if recorder is not None:
            recorder.end_trial(result)
            if result.status == COMPLETED:
                recorder.drop_checkpoints()
            status, error = recorder.finish(result.status)
        TRIAL.move(entry, status, error)
        entry["epochs_done"] = result.epochs_done
        # final: each case's last epoch before any divergence; diverged_at says which cases stopped where
        # (the trial's metrics.csv keeps the diverged epoch's NaN as well)
        entry["final"] = {key: _case_epoch_dict(m) for key, m in result.final.items()}
        entry["diverged_at"] = {key: int(epoch) for key, epoch in result.diverged_at.items()}
        self.trials_progress.set(k, 1.0 if status == COMPLETED else self.trials_progress.get(k))
        self.folders.pop(k, None)
        self._trial_changed(k)
        _call(self.listener, "on_trial_end", k, dataclasses.replace(result, trial=k))

    def _error(self, k: int, payload) -> None:
        message, tb = payload
        recorder = self.folders.get(k)     # kept until recorded: an abort meanwhile finishes it
        self.in_flight.discard(k)
        if recorder is not None:
            recorder.finish("failed", message, traceback=tb, export_gradients=False)
        entry = self._entry(k)
        TRIAL.move(entry, FAILED, message)
        _epochs_as_recorded(entry, recorder)
        self.trials_progress.set(k, 1.0)
        self.folders.pop(k, None)
        self._trial_changed(k)

    def _lost(self, k: int, reason: str) -> None:
        recorder = self.folders.get(k)     # kept until recorded: an abort meanwhile finishes it
        self.in_flight.discard(k)
        entry = self._entry(k)
        if recorder is not None:
            recorder.finish("interrupted", f"worker lost: {reason}", export_gradients=False)
        self.trials_progress.set(k, 0.0)
        if entry["attempts"] < self.options.max_attempts and not self.control.stopped:
            if self._find_checkpoint(k):
                TRIAL.move(entry, PENDING, f"attempt {entry['attempts']} lost: {reason}; retrying from its "
                                           f"checkpoint after epoch {self.continue_from[k][1] - 1}")
            else:
                TRIAL.move(entry, PENDING, f"attempt {entry['attempts']} lost: {reason}; retrying")
                self._set_aside(k)
            self.pending.appendleft(k)            # a retry goes first: its seed is not left for last
        else:
            TRIAL.move(entry, STOPPED if self.control.stopped else FAILED,
                       f"worker lost {entry['attempts']} time(s); last: {reason}")
            self.trials_progress.set(k, 1.0 if entry["status"] == FAILED else 0.0)
        self.folders.pop(k, None)
        self._trial_changed(k)

    # ------------------------------------------------------------------ progress
    def progress(self) -> StudyProgress:
        return self.trials_progress.progress([e["status"] for e in self.state["trials"]])

    def _progress(self) -> None:
        if self._progress_lines.due():
            _call(self.listener, "on_progress", self.progress())


def _epochs_as_recorded(entry: dict, recorder: TrialRecorder | None) -> None:
    """A trial cut short (an error, a full disk part-way through an epoch's records) has done the
    epochs its folder recorded, which study.json then says too."""
    if recorder is not None and recorder.manifest["trials"]:
        entry["epochs_done"] = recorder.manifest["trials"][-1]["epochs_done"]


# ------------------------------------------------------------------------------ API
def run_study(spec: StudySpec, out_dir: Path, options: StudyOptions | None = None, listener=None,
              control: RunControl | None = None, worker_nice: int = 0) -> StudyOutcome:
    """Run every trial of `spec` into a new study folder `out_dir` (created exclusively).

    `worker_nice`: a lower CPU priority for worker processes (the window passes its training nice value).
    Raises ConfigError (incl. BackendUnavailable) before anything is written for a bad request;
    every other ending is a StudyOutcome with a truthful status in study.json.
    """
    options = (options or StudyOptions()).validated()
    spec = spec.validated()
    if options.backend == "ray":
        from workbench.execution.backends.ray_backend import require_ray
        require_ray(options.address)
    claim_study_folder(out_dir)
    return StudyDriver(out_dir, spec, options, listener, control, worker_nice).run()


def resume_study(study_dir: Path, options: StudyOptions | None = None, listener=None,
                 control: RunControl | None = None, worker_nice: int = 0) -> StudyOutcome:
    """Run the trials of an existing study that are not completed (missing, failed, stopped, interrupted)."""
    from workbench.studies.spec import load_study_file
    study_dir = Path(study_dir)
    state = read_study(study_dir)
    spec, recorded = load_study_file(study_dir)
    options = (options or recorded or StudyOptions()).validated()
    if options.backend == "ray":
        from workbench.execution.backends.ray_backend import require_ray
        require_ray(options.address)
    if len(state.get("trials", [])) != spec.size:
        raise ConfigError(f"{study_dir / STUDY_FILE}: {len(state.get('trials', []))} trial entries for a grid "
                          f"of {spec.size}; the file was edited")
    return StudyDriver(study_dir, spec, options, listener, control, worker_nice).run(resume=True)
