"""`python main.py study ...`: a grid of trials on a backend, with one progress line for the whole study.

    study --arch post-a,vanilla --seeds 0-4 [--lr 0.001,0.007] [run options] \
          --backend local|processes|ray [--workers N] [--threads-per-worker T] [--address ADDR] --out DIR
    study --resume DIR
    study --config FILE --out DIR          (a study file: StudySpec.save, or another study's study.json)

Every `run` option works here; --arch, --lr, --batch-size, --semantics,
--init, --dilation-p and --dilation-k take comma-separated lists (grid axes).
"""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

from workbench.cli.arg_types import positive_int
from workbench.cli.progress_bar import text_bar
from workbench.cli.common import EXIT_FAILED, EXIT_OK, EXIT_STOPPED, StopSignals, UsageError, config_from_args
from workbench.core.config import ConfigError
from workbench.core.checkpoint_policy import HELP as CHECKPOINT_HELP
from workbench.execution.packing import PACK_CHOICES
from workbench.execution.run_progress import clock
from workbench.execution.throttle import Throttle
from workbench.studies.trial_line import trial_groups, trial_line
from workbench.studies.spec import AXES, BACKENDS, StudyOptions, StudySpec, load_study_file, parse_seeds, parse_values

# option dest -> (StudySpec axis, value type)
_LIST_OPTIONS = {
    "lr": ("learning_rates", float),
    "batch_size": ("batch_sizes", int),
    "semantics": ("semantics", str),
    "init": ("inits", str),
    "dilation_p": ("dilation_Ps", float),
    "dilation_k": ("dilation_ks", float),
}


def add_study_parser(sub, parents) -> argparse.ArgumentParser:
    """The `study` command: the shared run options (``parents``), with the grid's options taking lists."""
    study = sub.add_parser("study", parents=parents, help="many trials (seeds × architectures × values) on local, "
                                                          "worker processes or a Ray cluster")
    study.add_argument("--seed", help=argparse.SUPPRESS)      # a study's seeds are --seeds
    study.add_argument("--trials", help=argparse.SUPPRESS)
    study.add_argument("--arch", help="architecture(s), comma-separated: e.g. post-a,vanilla")
    study.add_argument("--seeds", help="seeds: 0-4, or 0,3,7 (default 0)")
    study.add_argument("--lr", help="learning rate(s), comma-separated")
    study.add_argument("--batch-size", help="batch size(s), comma-separated")
    study.add_argument("--semantics", help="corrected and/or as-published, comma-separated")
    study.add_argument("--init", help="published and/or scaled, comma-separated")
    study.add_argument("--dilation-p", help="dilation P value(s), comma-separated")
    study.add_argument("--dilation-k", help="dilation k value(s), comma-separated")
    study.add_argument("--backend", choices=BACKENDS, help="where trials run (default local)")
    study.add_argument("--workers", type=positive_int, help="parallel workers (processes/ray; default cores ÷ threads)")
    study.add_argument("--threads-per-worker", type=positive_int,
                       help="TensorFlow threads in each worker (default 1 for processes/ray)")
    study.add_argument("--address", help="ray: 'auto' or HOST:PORT of a running cluster (default: a local Ray)")
    study.add_argument("--max-attempts", type=positive_int, help="tries per trial when its worker dies (default 3)")
    study.add_argument("--checkpoint-every", metavar="N|10m|off",
                       help="trials' checkpoints, kept by the driver: a trial whose worker dies, or an unfinished "
                            "trial of a resumed study, goes on from its last one (" + CHECKPOINT_HELP + ")")
    study.add_argument("--pack", choices=PACK_CHOICES,
                       help="on (default): a configuration's seeds train as packs, one per worker; off: one trial "
                            "per worker")
    study.add_argument("--config", type=Path, help="a study file, or a configuration/run manifest as the base")
    study.add_argument("--resume", type=Path, metavar="DIR", help="run the missing or failed trials of a study")
    study.add_argument("--out", type=Path, help="the study folder (must not exist, or be empty)")
    return study


def _options(args, recorded: StudyOptions | None) -> StudyOptions:
    base = recorded or StudyOptions()
    values = base.to_dict()
    for key in ("backend", "workers", "threads_per_worker", "address", "max_attempts", "checkpoint_every"):
        given = getattr(args, key, None)
        if given is not None:
            values[key] = given
    if getattr(args, "pack", None) is not None:
        values["pack"] = args.pack == "on"
    if args.backend is not None and args.backend != base.backend and args.address is None \
            and args.backend != "ray":
        values["address"] = None
    options = StudyOptions.from_dict(values)
    if getattr(args, "workers", None) is not None and options.too_many_workers():
        raise ConfigError(options.too_many_workers())       # typed here: refused before any work
    return options


def spec_from_args(args) -> StudySpec:
    """The grid from the command line: one base configuration per architecture (presets tune per architecture)."""
    from engine import catalog
    if args.seed is not None or args.trials is not None:
        raise UsageError("a study takes its seeds as --seeds, e.g. --seeds 0-4 (not --seed/--trials)")
    if args.config is not None:
        try:
            spec, _ = load_study_file(args.config)
            return spec
        except ConfigError as exc:
            if "not a study file" not in str(exc):
                raise
    archs = parse_values(args.arch, str, "--arch") if args.arch is not None else (None,)
    for a in archs:
        if a is not None and a not in catalog.keys():
            raise ConfigError(f"--arch {a!r}: choose from {', '.join(catalog.keys())}")
    axes = {}
    single = {}
    for dest, (axis, kind) in _LIST_OPTIONS.items():
        text = getattr(args, dest)
        if text is None:
            continue
        values = parse_values(text, kind, "--" + dest.replace("_", "-"))
        if len(values) == 1:
            single[dest] = values[0]
        else:
            axes[axis] = values
    bases = []
    for arch in archs:
        ns = copy.copy(args)
        ns.arch, ns.trials, ns.seed = arch, None, None
        for dest in _LIST_OPTIONS:
            setattr(ns, dest, single.get(dest))
        bases.append(config_from_args(ns).with_(trials=1))
    seeds = parse_seeds(args.seeds) if args.seeds is not None else (0,)
    return StudySpec(bases=tuple(bases), seeds=seeds, **axes).validated()


class StudyProgressPrinter:
    """One progress line for the whole study (bar, trials done, ETA), and a line per trial event."""

    def __init__(self, stream=None, quiet=False):
        self.stream, self.quiet = stream or sys.stderr, quiet
        stream = self.stream
        self.tty = stream.isatty()
        self._lines = Throttle(30.0)           # not a terminal (a log file): one progress line in 30 s
        self.groups: dict[int, str] = {}

    def on_study_started(self, study_dir, state):
        self.groups = trial_groups(state)
        if not self.quiet:
            self._line(f"study {study_dir}: {state['description']}", final=True)

    def on_status(self, text):
        if not self.quiet:
            self._line(f"{text}…", final=not self.tty)

    def on_trial(self, k, entry):
        if not self.quiet:
            self._line(trial_line(k, entry, self.groups.get(k, "")), final=True)

    def on_progress(self, p):
        if self.quiet:
            return
        if not self._lines.due(force=self.tty):
            return
        self._line(f"{text_bar(p.fraction)} {p.fraction:4.0%} {p.completed}/{p.total} trials done, {p.running} running"
                   + (f", {p.failed} failed" if p.failed else "")
                   + f", elapsed {clock(p.elapsed_s)} ETA {clock(p.eta_s)}")

    def _line(self, text, final=False):
        if self.tty:
            self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def trials_table(trials: list[dict]) -> str:
    lines = ["  trial  configuration              seed  status     tries  node        best test acc"]
    for e in trials:
        finals = [m["test_accuracy"] for m in e.get("final", {}).values() if m.get("test_accuracy") is not None]
        best = f"{max(finals):.4f}" if finals else "-"
        lines.append(f"  {e['index']:>5}  {e['group'][:24]:<24}  {e['seed']:>4}  {e['status']:<9}  "
                     f"{e['attempts']:>5}  {str(e.get('node') or '-')[:10]:<10}  {best}")
        if e.get("error") and e["status"] != "completed":
            lines.append(f"         {e['error']}")
    return "\n".join(lines)


def cmd_study(args) -> int:
    from engine.events import RunControl
    from workbench.studies.compare import study_comparison_text
    from workbench.execution.study_driver import BackendUnavailable, resume_study, run_study
    from workbench.studies.study_file import read_study

    if args.resume is not None:
        if args.out is not None and Path(args.out) != Path(args.resume):
            raise UsageError("--resume DIR continues DIR itself; leave out --out")
        state = read_study(args.resume)
        options = _options(args, StudyOptions.from_dict(state.get("options") or {}))
    else:
        if args.out is None:
            raise UsageError("study needs --out DIR (a new folder), or --resume DIR")
        spec = spec_from_args(args)
        recorded = None
        if args.config is not None:
            try:
                recorded = load_study_file(args.config)[1]
            except ConfigError:
                recorded = None
        options = _options(args, recorded)
    control = RunControl()
    printer = StudyProgressPrinter(quiet=args.quiet)
    try:
        with StopSignals(control):            # Ctrl-C, SIGTERM, SIGHUP: every trial stops after its step
            if args.resume is not None:
                outcome = resume_study(args.resume, options, printer, control)
            else:
                outcome = run_study(spec, args.out, options, printer, control)
    except BackendUnavailable as exc:
        raise UsageError(str(exc)) from None
    print(f"study status: {outcome.status}")
    print(trials_table(outcome.trials))
    try:
        print(study_comparison_text(outcome.dir))
    except ValueError:
        pass
    print(f"study folder: {outcome.dir}")
    if outcome.status == "failed":
        print(f"error: {outcome.error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_STOPPED if outcome.status == "stopped" else EXIT_OK
