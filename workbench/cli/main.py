"""`rcnn-workbench run|import-log|rerun ...` (or `python main.py ...`): the engine without a window.

Bad options end with one line on stderr and exit status 2; a failed run with
exit status 1 and the reason (the run folder keeps what was computed).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from engine.cases import CASE_KEYS
from engine.quirks import NAMES as QUIRK_NAMES
from engine.settings import INITS, SEMANTICS

from workbench.cli.arg_types import nonneg_int, positive_int
from workbench.cli.claims import add_claims_parser, cmd_claims
from workbench.cli.common import (EXIT_FAILED, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, StopSignals,  # noqa: F401
                                  UsageError, _number, _Parser, config_from_args)
from workbench.cli.study import add_study_parser, cmd_study
from workbench.core.config import ConfigError, ExperimentConfig, preset_names
from workbench.execution.run_progress import RunProgress, clock
from workbench.stats.comparison import comparison_table

PROG = "rcnn-workbench"        # how the user called us (main.py, python -m workbench); set by main()


def build_parser() -> argparse.ArgumentParser:
    from engine import catalog
    from workbench.core.version import version_line
    parser = _Parser(prog=PROG, description="RCNN Workbench. Without a command: open the window.")
    parser.add_argument("--version", action="version", version=version_line())
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's start-up lines and the workbench's debug log")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", help="train the selected cases side by side, headless")
    run.add_argument("--preset", choices=preset_names(), default="quick",
                     help="starting point; other options override it (default: quick)")
    run.add_argument("--config", type=Path, help="a saved configuration or run manifest to start from")
    run.add_argument("--arch", choices=catalog.keys(), help="architecture (default post-a)")
    run.add_argument("--cases", help=f"comma-separated case keys or 'all' (published: {','.join(CASE_KEYS)})")
    run.add_argument("--case", action="append", default=[], metavar="KEY=CONNECTIONS",
                     help="define a custom case, e.g. 'mine=1<g3,0<p2' (then list it in --cases)")
    run.add_argument("--epochs", type=positive_int)
    run.add_argument("--batch-size", type=positive_int)
    run.add_argument("--lr", type=_number, help="learning rate")
    run.add_argument("--seed", type=nonneg_int)
    run.add_argument("--trials", type=positive_int, help="seeds per case: seed, seed+1, ...")
    run.add_argument("--data", help="sample | mnist | fashion-mnist | PATH (mnist.npz or IDX folder)")
    run.add_argument("--train-limit", type=positive_int)
    run.add_argument("--test-limit", type=positive_int)
    run.add_argument("--train-skip", type=nonneg_int)
    run.add_argument("--noise", help="one noise per timestep, e.g. 'none,gaussian(scale=0.2),poisson,uniform' "
                                     "(kinds: none, gaussian, poisson, gamma, uniform)")
    run.add_argument("--semantics", choices=SEMANTICS,
                     help="corrected (no quirk) or as-published (every quirk); --quirks picks any subset")
    run.add_argument("--quirks", metavar="NAME,NAME,…",
                     help=f"the original scripts' quirks to switch on ('none', 'all' or names: {', '.join(QUIRK_NAMES)})")
    run.add_argument("--init", choices=INITS)
    run.add_argument("--dilation-p", type=_number, help="D = P / (1 + k*epoch); P (default 1000)")
    run.add_argument("--dilation-k", type=_number, help="k (default 0.008)")
    run.add_argument("--log-every", type=positive_int, help="epochs between transparency-log blocks")
    run.add_argument("--out", type=Path, help="a new (or empty) run folder; default: a fresh folder "
                                              "<time>-<arch> under $RCNN_WORKBENCH_RUNS or "
                                              "~/.local/share/rcnn-workbench/runs")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    imp = sub.add_parser("import-log", help="convert a published transparency log into a run folder")
    imp.add_argument("file", type=Path)
    imp.add_argument("--out", type=Path, required=True, help="a new (or empty) folder")
    imp.add_argument("--case", help="post A: keep one case; post B: the case key to file it under (default 1)")

    again = sub.add_parser("rerun", help="re-run a run folder from its manifest and compare the numbers")
    again.add_argument("run_dir", type=Path)
    again.add_argument("--out", type=Path, help="a new folder for the re-run (default: <run>-rerun beside it)")
    again.add_argument("--quiet", action="store_true")

    cmp_ = sub.add_parser("compare", help="multi-seed comparison of a run's (or a study's) cases against a reference case")
    cmp_.add_argument("run_dir", type=Path, help="a run folder, or a study folder (its trials pooled, paired by seed)")
    cmp_.add_argument("--reference", default="1", help="reference case (default 1)")
    cmp_.add_argument("--metric", choices=("accuracy", "cost"), default="accuracy")

    # --- studies ---
    add_study_parser(sub, run)
    # --- end studies ---

    # --- claims ---
    add_claims_parser(sub)
    # --- end claims ---

    exp = sub.add_parser("export", help="one-file exports of a run folder")
    exp.add_argument("run_dir", type=Path)
    exp.add_argument("--csv", type=Path, help="all cases and trials in one long-format CSV (a new file)")
    exp.add_argument("--zip", type=Path, help="the whole run folder in one ZIP (a new file)")
    return parser


class ProgressBar:
    """A one-line progress bar with ETA on stderr (a line per epoch when not a terminal).

    Worded as the window's progress bar (`RunProgress`): trials and epochs
    numbered from 0 as in metrics.csv, fraction, elapsed and ETA for the whole run.
    """

    def __init__(self, config: ExperimentConfig, stream=None, quiet=False):
        self.config, self.stream, self.quiet = config, stream or sys.stderr, quiet
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._run = RunProgress(config.train.epochs, config.trials)

    def _bar(self, fraction: float, width=24) -> str:
        filled = int(fraction * width)
        return "[" + "#" * filled + "." * (width - filled) + "]"

    def on_status(self, text):
        if not self.quiet:
            self._line(f"{text}…", final=not self.tty)

    def _where(self, event, what: str) -> str:
        """'[########................]  33% trial 1 of 0–2 · epoch 0 of 0–3 · step 4/10 · 00:12 elapsed · run ETA
        00:30', the window's words."""
        p = event.progress
        fraction = self._run.fraction(event.trial, p)
        elapsed, eta = self._run.times(event.trial, p)
        parts = [*self._run.position(event.trial, event.epoch), what, f"{clock(elapsed)} elapsed",
                 f"run ETA {clock(eta)}"]
        return f"{self._bar(fraction)} {fraction:4.0%} " + " · ".join(parts)

    def on_step(self, event):
        if self.quiet or not self.tty or time.monotonic() - self._last < 0.2:
            return
        self._last = time.monotonic()
        self._line(self._where(event, f"step {event.step}/{event.steps_per_epoch}"))

    def on_epoch(self, event, folder):
        if self.quiet:
            return
        best = max(event.metrics.items(), key=lambda kv: kv[1].test_accuracy
                   if kv[1].test_accuracy == kv[1].test_accuracy else -1)
        msg = self._where(event, "epoch done") + f" · best test acc {best[1].test_accuracy:.3f} (case {best[0]})"
        if event.diverged_now:
            msg += f"; diverged: case {', '.join(event.diverged_now)}"
        self._line(msg, final=True)

    def _line(self, text, final=False):
        try:
            if self.tty:
                self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
            else:
                self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):     # the terminal went away (SIGHUP): progress is not the record
            self.quiet = True


def cmd_run(args) -> int:
    from engine.events import RunControl
    from workbench.records.run_folder import RunFolderError, new_run_dir
    from workbench.execution.runner import run_experiment

    config = config_from_args(args)
    control = RunControl()
    try:
        out = args.out if args.out is not None else new_run_dir(config)
        with StopSignals(control):
            outcome = run_experiment(config, out, ProgressBar(config, quiet=args.quiet), control,
                                     command_line=[PROG, *sys.argv[1:]] if sys.argv else None)
    except RunFolderError as exc:
        raise UsageError(f"--out: {exc}" if args.out is not None else str(exc)) from None
    print(summary_table(outcome), file=sys.stdout)
    if config.trials > 1 and len(outcome.results) > 1:
        from workbench.records import metrics as M
        reference = "1" if "1" in config.cases else config.cases[0]
        try:
            print(comparison_table(M.read_metrics(outcome.folder / "metrics.csv"), reference))
        except (M.MetricsFileError, ValueError) as exc:
            print(f"no comparison: {exc}", file=sys.stderr)
    print(f"run folder: {outcome.folder}", file=sys.stdout)
    if outcome.status == "failed":
        print(f"{PROG}: error: {outcome.error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_STOPPED if outcome.status == "stopped" else EXIT_OK


def summary_table(outcome) -> str:
    lines = [f"status: {outcome.status}"]
    for result in outcome.results:
        lines.append(f"trial {result.trial} (seed {result.seed}), {result.epochs_done} epoch(s):")
        lines.append("  case  train cost  train acc  test cost  test acc")
        for key, m in result.final.items():
            lines.append(f"  {key:>4}  {m.train_cost:10.4f}  {m.train_accuracy:9.4f}  {m.test_cost:9.4f}"
                         f"  {m.test_accuracy:8.4f}")
        for key, epoch in result.diverged_at.items():
            lines.append(f"  {key:>4}  diverged at epoch {epoch}")
    return "\n".join(lines)


def cmd_import_log(args) -> int:
    from workbench.records.published_logs import LogFormatError, import_log
    from workbench.records.run_folder import RunFolderError
    try:
        log = import_log(args.file, args.out, case=args.case)
    except RunFolderError as exc:
        raise UsageError(f"--out: {exc}") from None
    except (LogFormatError, OSError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    epochs = len({(r.case, r.epoch) for r in log.rows})
    print(f"imported {log.layout} log: cases {', '.join(log.cases)}, {len(log.rows)} rows "
          f"({epochs} case-epochs) -> {args.out}")
    for note in log.notes:
        print(f"  note: {note}")
    return EXIT_OK


def cmd_rerun(args) -> int:
    from engine.events import RunControl
    from workbench.execution.rerun import RerunError, plan, rerun
    from workbench.records.run_folder import RunFolderError
    try:
        config = plan(args.run_dir).config
    except RerunError as exc:
        print(f"{PROG}: error: cannot re-run: {exc}", file=sys.stderr)
        return EXIT_FAILED
    control = RunControl()
    try:
        with StopSignals(control):
            report = rerun(args.run_dir, args.out, ProgressBar(config, quiet=args.quiet), control)
    except RunFolderError as exc:
        raise UsageError(f"--out: {exc}" if args.out is not None else str(exc)) from None
    except RerunError as exc:
        print(f"{PROG}: error: cannot re-run: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(report.message)
    print(f"re-run folder: {report.rerun}")
    return EXIT_OK if report.match else EXIT_FAILED


def cmd_export(args) -> int:
    from workbench.records.export import ExportError, export_long_csv, export_zip_report
    if args.csv is None and args.zip is None:
        raise UsageError("export needs --csv FILE and/or --zip FILE")
    try:
        if args.csv is not None:
            n = export_long_csv(args.run_dir, args.csv)
            print(f"{n} rows -> {args.csv}")
        if args.zip is not None:
            n, skipped = export_zip_report(args.run_dir, args.zip)
            print(f"{n} files -> {args.zip}")
            if skipped:
                print(f"  skipped {len(skipped)} symbolic link(s), never followed: {', '.join(skipped[:5])}")
    except (ExportError, OSError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_compare(args) -> int:
    from workbench.records import metrics as M
    from workbench.execution.study_driver import is_study_dir
    if is_study_dir(args.run_dir):
        from workbench.studies.compare import study_comparison_text
        from workbench.execution.study_driver import study_status
        try:
            status = study_status(args.run_dir)
            if status.status != "completed":
                print(f"note: the study is {status}; comparing its completed trials", file=sys.stderr)
            print(study_comparison_text(args.run_dir, args.reference, args.metric))
        except (M.MetricsFileError, ValueError) as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    from workbench.records.run_folder import read_manifest
    from workbench.records.run_status import status_of
    try:
        status = status_of(read_manifest(args.run_dir), args.run_dir)
        rows = M.read_metrics(args.run_dir / "metrics.csv")
        if status.status != "completed":
            print(f"note: the run is {status}; comparing its finished epochs", file=sys.stderr)
        print(comparison_table(rows, args.reference, args.metric))
    except (OSError, M.MetricsFileError, ValueError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


COMMANDS = {"run": cmd_run, "study": cmd_study, "claims": cmd_claims, "compare": cmd_compare, "import-log": cmd_import_log, "rerun": cmd_rerun, "export": cmd_export}


def _with_verbose(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """--verbose is accepted after any command too (`run --epochs 1 --verbose`)."""
    for action in parser._actions:
        for sub in (action.choices or {}).values() if isinstance(action, argparse._SubParsersAction) else ():
            if "--verbose" not in sub._option_string_actions:     # SUPPRESS: keep a --verbose given first
                sub.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                                 help="show TensorFlow's start-up lines and the debug log")
    return parser


def main(argv: list[str], prog: str | None = None) -> int:
    global PROG
    PROG = prog or "rcnn-workbench"
    try:
        args = _with_verbose(build_parser()).parse_args(argv)
        if args.verbose:
            from workbench.core.verbosity import set_verbose
            set_verbose(True)
        if args.command is None:
            raise UsageError("give a command: " + ", ".join(COMMANDS))
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:            # a file that cannot be written (a link refused, a full disk): the run failed
        print(f"{PROG}: error: {_os_line(exc)}", file=sys.stderr)
        return EXIT_FAILED


def _os_line(exc: OSError) -> str:
    if exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
