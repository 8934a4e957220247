"""The window's runs train in a child process, so TensorFlow never holds the window's GIL.

Importing TensorFlow holds the GIL for about 0.7 s in one piece (its shared libraries load
inside a single import), and a training thread competes with the GUI thread for the GIL at
every step. A child process has an interpreter of its own: the window's event loop only reads
small events from a pipe.

An `EngineProcess` is an actor: spawned (a fresh interpreter, multiprocessing's *spawn*, no
forked Qt or TensorFlow state), it lowers its own CPU priority, loads TensorFlow, runs exactly
one request (a run or a re-run) and ends, so every run starts from the clean state a CLI run
starts from. `take_engine()` hands out a spare that `warm_spare()` started earlier, so pressing
Run does not wait for TensorFlow. A re-run gets a fresh process that applies the recorded thread
and oneDNN settings *before* TensorFlow loads.

The child owns the run folder it writes (its pid is in writer.lock). When the window goes away
(closed, killed), the child notices its parent is gone and stops the run cleanly between two
steps, so the folder still ends with a truthful status. Pause and Stop are two shared bytes
(`SharedControl`, as the study workers use), readable by the trainer between steps.

Qt-free: the QThread bridge (workbench/app/worker.py) reads `messages()` and turns them into signals.
"""
from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_any
from pathlib import Path

from workbench.execution.backends.processes import SharedControl

TRAIN_NICE_ENV = "RCNN_WORKBENCH_TRAIN_NICE"
PARENT_CHECK_S = 0.5


def lower_training_priority() -> int:
    """Run the calling thread, and the TensorFlow thread pools it starts, at a lower CPU priority.

    Training may use every core; the window keeps its normal priority, so the scheduler gives it
    the CPU whenever it has work and the window stays smooth (bench/RESULTS.md, "## GUI"). Linux
    nice values are per thread and inherited by threads created later, which is how TensorFlow's
    pools get it. Returns the nice increment applied (0: none; RCNN_WORKBENCH_TRAIN_NICE=0 turns it off).
    """
    try:
        nice = int(os.environ.get(TRAIN_NICE_ENV, "10"))
    except ValueError:
        nice = 10
    if nice <= 0 or not hasattr(os, "setpriority"):
        return 0
    try:
        tid = threading.get_native_id()
        # An increment on the thread's own priority: a window already started
        # under `nice` must not see its training thread raised above it.
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + min(nice, 19)))
    except OSError:
        return 0
    return min(nice, 19)


@dataclass(frozen=True)
class RunRequest:
    """What the child runs: plain data (the configuration as its JSON dict), never a live object."""
    config: dict
    out_dir: str
    rerun_of: str | None = None
    min_step_interval: float = 0.05
    resume_of: str | None = None        # a run folder to continue from its last checkpoint (in place)


class EngineLost(RuntimeError):
    """The engine process ended without reporting how the run ended (killed, crashed)."""


# ------------------------------------------------------------------------------------ the child
class _PipeListener:
    """run_experiment's listener in the child: every call becomes one message to the window."""

    def __init__(self, conn, control, request: RunRequest, config):
        self.conn, self.control = conn, control
        self.step_interval = request.min_step_interval       # the runner throttles steps to this (and keeps them)
        self.case_names = {c.key: c.name for c in config.case_objects()}
        self.trials = config.trials
        self.gone = False

    def send(self, *message) -> None:
        if self.gone:
            return
        try:
            self.conn.send(message)
        except (OSError, ValueError):        # the window is gone: finish cleanly, keep the folder truthful
            self.gone = True
            self.control.stop()

    def on_started(self, folder) -> None:
        self.send("started", str(folder.dir))

    def on_status(self, text: str) -> None:
        self.send("status", text)

    def on_step(self, event) -> None:
        self.send("step", event)

    def on_epoch(self, event, folder) -> None:
        from workbench.records.live_log import epoch_lines
        self.send("epoch", event, epoch_lines(event, self.case_names, self.trials))

    def on_trial_end(self, result) -> None:
        self.send("trial_end", result)


def _watch_parent(parent_pid: int, control) -> None:
    """Stop the run when the window's process is gone (the child is re-parented)."""
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent_pid:
            control.stop()
            return


def engine_main(conn, flags, parent_pid: int, preload: bool) -> None:
    """The child: lower priority, load TensorFlow (unless a re-run must set threads first), run one request."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)       # Ctrl-C belongs to the window, which stops the run
    control = SharedControl(flags)
    running = []

    def on_sigterm(*_):
        # terminate(): a run stops between steps and keeps its record; an idle spare just ends.
        if running:
            control.stop()
        else:
            os._exit(0)
    signal.signal(signal.SIGTERM, on_sigterm)
    threading.Thread(target=_watch_parent, args=(parent_pid, control), daemon=True,
                     name="rcnn-engine-parent-watch").start()
    lower_training_priority()
    try:
        if preload:
            conn.send(("status", "loading TensorFlow"))
            from engine.tensorflow_loader import import_tensorflow
            import_tensorflow()
        conn.send(("ready", os.getpid()))
        message = conn.recv()
    except (EOFError, OSError, ValueError):
        return                                         # the window went away before asking for a run
    except Exception as exc:                           # TensorFlow cannot load here: say so in one line
        _send_quietly(conn, ("broken", f"{type(exc).__name__}: {exc}".splitlines()[0]))
        return
    if message[0] != "run":
        return
    request: RunRequest = message[1]
    running.append(request)
    _serve(conn, control, request)


def _serve(conn, control, request: RunRequest) -> None:
    from workbench.core.config import ExperimentConfig
    from workbench.core.one_line import one_line
    from workbench.execution.runner import RunOutcome, run_experiment
    out_dir = Path(request.out_dir)
    try:
        config = ExperimentConfig.from_dict(request.config)
        listener = _PipeListener(conn, control, request, config)
        if request.rerun_of is not None:
            from workbench.execution.rerun import rerun
            report = rerun(Path(request.rerun_of), out_dir, listener=listener, control=control)
            outcome = report.outcome or RunOutcome("failed", out_dir, error=report.message)
            listener.send("rerun_done", report)
        elif request.resume_of is not None:
            from workbench.execution.resume import ResumeRefused, prepare, resume_run
            try:
                plan = prepare(Path(request.resume_of))
            except ResumeRefused as exc:          # nothing in the folder was changed
                outcome = RunOutcome("failed", out_dir, error=str(exc))
            else:
                outcome = resume_run(plan, listener, control)
        else:
            # One trial after another: the window's progress bar reads trials in turn.
            outcome = run_experiment(config, out_dir, listener=listener, control=control, pack=False)
    except Exception as exc:          # run_experiment records its own errors; this is a last resort
        outcome = RunOutcome("failed", out_dir, error=one_line(exc))
    _send_quietly(conn, ("finished", outcome))


def _send_quietly(conn, message) -> None:
    try:
        conn.send(message)
    except (OSError, ValueError):
        pass


# ----------------------------------------------------------------------------------- the parent
class EngineProcess:
    """One spawned child that runs one request; its events come back through `messages()`."""

    def __init__(self, preload: bool = True):
        ctx = mp.get_context("spawn")
        self.flags = ctx.RawArray("b", 2)              # [stop, pause], read by the trainer between steps
        self.control = SharedControl(self.flags)
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=engine_main, name="rcnn-workbench-engine", daemon=True,
                                   args=(child, self.flags, os.getpid(), preload))
        self.process.start()
        child.close()
        self.preload = preload
        self.submitted = False

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def submit(self, request: RunRequest) -> None:
        """Ask for the run; the child starts it as soon as it is ready (the pipe holds the request)."""
        self.submitted = True
        try:
            self.conn.send(("run", request))
        except (OSError, ValueError) as exc:
            raise EngineLost(f"the engine process could not be reached ({exc})") from None

    def messages(self, poll_s: float = 0.5):
        """Yield the child's messages, up to and including ("finished", outcome).

        Raises EngineLost when the child ends without that message: killed, crashed, or
        TensorFlow could not load ("broken").
        """
        while True:
            ready = wait_any([self.conn, self.process.sentinel], poll_s)
            if not ready:
                continue
            try:
                while self.conn.poll():
                    message = self.conn.recv()
                    if message[0] == "broken":
                        raise EngineLost(f"the engine could not start: {message[1]}")
                    yield message
                    if message[0] == "finished":
                        return
            except (EOFError, OSError):
                pass
            if not self.process.is_alive():
                self.process.join()
                code = self.process.exitcode
                how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                raise EngineLost(f"the engine process (pid {self.process.pid}) ended without finishing "
                                 f"the run ({how})")

    def close(self, timeout_s: float = 10.0) -> None:
        """Ask the child to stop and end; terminate it if it will not."""
        self.control.stop()
        if not self.submitted:
            _send_quietly(self.conn, ("quit",))
        self.process.join(timeout_s)
        if self.process.is_alive():
            self.process.terminate()                   # SIGTERM: the child stops between steps
            self.process.join(5.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


# ---------------------------------------------------------------------------------- the spare
_spare: EngineProcess | None = None
_spare_lock = threading.Lock()


def warm_spare() -> EngineProcess:
    """Start (or keep) one engine process that loads TensorFlow now, ready for the next Run."""
    global _spare
    with _spare_lock:
        if _spare is None or not _spare.alive:
            _spare = EngineProcess(preload=True)
        return _spare


def take_engine(fresh: bool = False) -> EngineProcess:
    """The engine for the next run: the warm spare if there is one, else a new process.

    `fresh=True` (a re-run) always spawns a process that has not loaded TensorFlow, so the
    recorded thread and oneDNN settings can still be applied before it does.
    """
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None and (fresh or not spare.alive):
        spare.close(1.0)
        spare = None
    return spare if spare is not None else EngineProcess(preload=not fresh)


def has_spare() -> bool:
    return _spare is not None and _spare.alive


def close_spare() -> None:
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None:
        spare.close(0.5)            # an idle spare holds no record: it ends at once on SIGTERM


atexit.register(close_spare)
