"""The one writer of trials into a run folder, from the engine's events, whoever trains them.

A run (runner.py: every trial of a configuration in one folder, trained in this process) and a
study (study_driver.py: one folder per trial, trained by a backend's worker that streams its
events back) both write their folders through a `TrialRecorder`, so the two record the same
things the same way and in the same order:

    open / reopen        the folder claimed (or a resumed one cut back to its checkpoints)
    record_setup         the data trained on and the notes (run_setup.py), gradients.csv when asked
    start / continue     each trial's manifest entry
    on_step              the step's gradient norms; the step reports the listener is sent (at most
                         one every `step_interval`, an epoch's last always) kept in steps.csv
    on_epoch             metrics.csv first (synced), then the log, TensorBoard and gradient means
    on_checkpoint        a trial's state, after its epoch's records
    end_trial            the trial's status, times and predictions
    finish               gradients closed (and exported), the folder's truthful final status

The recorder knows nothing of how its events arrive (a trainer's listener calls or TrialEvents);
its callers keep only what is theirs: the trainer, the backend, study.json.
"""
from __future__ import annotations

from pathlib import Path

from workbench.core.config import ExperimentConfig
from workbench.core.one_line import one_line
from workbench.execution.checkpoint_writer import belongs_to, save_checkpoint
from workbench.execution.run_setup import record_setup
from workbench.execution.throttle import STEP_INTERVAL, StepThrottle
from workbench.records.run_folder import RunFolder


class TrialRecorder:
    """Writes the trials of one run folder; `finish` always leaves the folder with a final status."""

    def __init__(self, folder: RunFolder, config: ExperimentConfig, kept_epochs: dict | None = None,
                 step_interval: float = STEP_INTERVAL):
        self.folder, self.config = folder, config
        self.step_interval = step_interval
        self._steps = StepThrottle(step_interval)
        self.gradients = None                 # workbench.records.gradient_log.GradientLog, when asked for
        self._kept = kept_epochs              # a reopened folder: trial -> epochs its records keep
        self._store = None
        self._belongs = None

    @classmethod
    def open(cls, path: Path, config: ExperimentConfig, command_line: list[str] | None = None,
             step_interval: float = STEP_INTERVAL) -> "TrialRecorder":
        """A new run folder at `path` (refused, nothing written, when it holds anything)."""
        return cls(RunFolder(path, config, command_line), config, step_interval=step_interval)

    @classmethod
    def reopen(cls, path: Path, config: ExperimentConfig, lock, manifest: dict, kept_epochs: dict,
               resumption: dict, step_interval: float = STEP_INTERVAL) -> "TrialRecorder":
        """An existing run folder that a resume or a retry continues, cut back to `kept_epochs`."""
        return cls(RunFolder.reopen(path, config, lock, manifest, kept_epochs, resumption), config,
                   dict(kept_epochs), step_interval)

    @property
    def dir(self) -> Path:
        return self.folder.dir

    @property
    def manifest(self) -> dict:
        return self.folder.manifest

    # ------------------------------------------------------------------ before the first step
    def record_setup(self, data: dict) -> None:
        """The data trained on and the notes every run folder carries (run_setup.py)."""
        record_setup(self.folder, self.config, data)

    def open_gradients(self) -> None:
        """gradients.csv when the configuration asks for gradient flow (a reopened one cut back)."""
        if not self.config.train.gradient_flow or self.gradients is not None:
            return
        from workbench.records.gradient_log import GradientLog
        self.gradients = GradientLog(self.dir) if self._kept is None else GradientLog.reopen(self.dir, self._kept)

    def start_trial(self, trial: int, seed: int) -> None:
        """(The trials started together, a pack, share one clock for their step reports.)"""
        self.folder.start_trial(trial, seed)
        self._steps = StepThrottle(self.step_interval)

    def continue_trial(self, trial: int, epochs_done: int) -> None:
        self.folder.continue_trial(trial, epochs_done)
        self._steps = StepThrottle(self.step_interval)

    # ------------------------------------------------------------------ the engine's events
    def on_step(self, event) -> bool:
        """True for a step report to send on: the ones steps.csv keeps, so a reopened run draws
        the curve that was watched."""
        if self.gradients is not None:
            self.gradients.step(event)
        if not self._steps.admit(event):
            return False
        self.folder.step(event)
        return True

    def on_epoch(self, event) -> None:
        self.folder.epoch(event)
        if self.gradients is not None:
            self.gradients.epoch(event)

    def on_checkpoint(self, trial: int, state: dict) -> bool:
        """A trial's state written into the folder and recorded (a failed write is recorded instead)."""
        if self._store is None:
            from workbench.records.checkpoint_store import CheckpointStore
            self._store, self._belongs = CheckpointStore(self.dir), belongs_to(self.config)
        return save_checkpoint(self.folder, self._store, trial, state, self._belongs)

    def drop_checkpoints(self) -> None:
        """A completed trial's checkpoints served their purpose (a post-A one is 600 MB): removed."""
        from workbench.records.checkpoint_store import CheckpointError, CheckpointStore
        try:
            if CheckpointStore(self.dir).clear():
                self.manifest.setdefault("checkpoints", {})["removed"] = "the trial completed"
        except (OSError, CheckpointError) as exc:
            self.manifest["notes"].append(f"its checkpoints could not be removed: {exc}")

    def end_trial(self, result) -> None:
        self.folder.end_trial(result)

    # ------------------------------------------------------------------ the ending
    def finish(self, status: str, error: str | None = None, traceback: str | None = None,
               export_gradients: bool = True) -> tuple[str, str | None]:
        """Close gradients.csv (and write its TensorBoard scalars unless the trial was cut short
        elsewhere: `export_gradients` False), then the final status. Returns the status and error
        the folder ends with: 'failed' with the reason when not even the final manifest could be
        written (readers then see the run as interrupted). A second call changes nothing."""
        if traceback is not None:
            self.manifest["traceback"] = traceback
        self._close_gradients(export_gradients)
        try:
            self.folder.finish(status, error)
        except OSError as exc:
            status = "failed"
            error = (error + "; " if error else "") + f"the final status could not be written: {one_line(exc)}"
        return status, error

    def _close_gradients(self, export: bool) -> None:
        gradients, self.gradients = self.gradients, None
        if gradients is None:
            return
        if not export:
            try:
                gradients.close()
            except OSError as exc:            # a full disk: the final status that follows matters more
                self.manifest["notes"].append(f"gradients.csv could not be completed: {one_line(exc)}")
            return
        try:
            gradients.close()
            gradients.export_tensorboard(self.dir)
        except Exception as exc:  # the gradients are safe in gradients.csv whatever happens here
            self.manifest["notes"].append(f"TensorBoard export of gradients failed: {one_line(exc)}")
