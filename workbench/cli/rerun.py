"""`rcnn-workbench rerun RUN`: run a run folder again from its manifest and compare the numbers."""
from __future__ import annotations

from pathlib import Path

from workbench.cli.common import EXIT_FAILED, EXIT_OK, StopSignals, UsageError, error_line
from workbench.cli.progress_bar import ProgressBar


def add_rerun_parser(sub, parents):
    again = sub.add_parser("rerun", parents=parents,
                           help="re-run a run folder from its manifest and compare the numbers")
    again.add_argument("run_dir", type=Path)
    again.add_argument("--out", type=Path, help="a new folder for the re-run (default: <run>-rerun beside it)")
    again.add_argument("--quiet", action="store_true")
    return again


def cmd_rerun(args) -> int:
    from engine.events import RunControl
    from workbench.execution.rerun import RerunError, plan, rerun
    from workbench.records.run_folder import RunFolderError
    try:
        config = plan(args.run_dir).config
    except RerunError as exc:
        error_line(f"cannot re-run: {exc}")
        return EXIT_FAILED
    control = RunControl()
    try:
        with StopSignals(control):
            report = rerun(args.run_dir, args.out, ProgressBar(config, quiet=args.quiet), control)
    except RunFolderError as exc:
        raise UsageError(f"--out: {exc}" if args.out is not None else str(exc)) from None
    except RerunError as exc:
        error_line(f"cannot re-run: {exc}")
        return EXIT_FAILED
    print(report.message)
    print(f"re-run folder: {report.rerun}")
    return EXIT_OK if report.match else EXIT_FAILED
