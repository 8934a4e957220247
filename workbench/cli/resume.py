"""`rcnn-workbench resume RUN [--epochs N]`: continue a stopped, interrupted or failed run in its own
folder from its last checkpoint, or train a finished one on to N epochs."""
from __future__ import annotations

import sys
from pathlib import Path

from workbench.cli import common
from workbench.cli.arg_types import positive_int
from workbench.cli.common import EXIT_FAILED, EXIT_OK, EXIT_STOPPED, StopSignals, UsageError, error_line
from workbench.core.checkpoint_policy import HELP as CHECKPOINT_HELP


def add_resume_parser(sub, parents):
    resume = sub.add_parser("resume", parents=parents,
                            help="continue a run from its last checkpoint, or extend a finished one")
    resume.add_argument("run", type=Path, help="the run folder")
    resume.add_argument("--epochs", type=positive_int,
                        help="train to this many epochs (more than planned: extend the run)")
    resume.add_argument("--checkpoint-every", metavar="N|10m|off",
                        help=CHECKPOINT_HELP.split(" (default")[0] + " (default: as the run was started)")
    resume.add_argument("--quiet", action="store_true", help="no progress bar")
    return resume


def cmd_resume(args) -> int:
    from engine.events import RunControl
    from workbench.cli.progress_bar import ProgressBar
    from workbench.cli.run import summary_table
    from workbench.core.checkpoint_policy import CheckpointPolicy
    from workbench.execution.resume import ResumeRefused, prepare, resume_run

    try:
        CheckpointPolicy.parse(args.checkpoint_every)
        plan = prepare(args.run, args.epochs)
    except (ResumeRefused, ValueError) as exc:
        raise UsageError(str(exc)) from None
    for line in plan.refused:
        print(f"warning: {line}", file=sys.stderr)
    froms = ", ".join(f"trial {t} from epoch {e}" for t, e in plan.from_epochs.items())
    print(f"resuming {plan.run_dir}: {froms or 'the trials without a checkpoint from their start'}, "
          f"to {plan.config.train.epochs} epochs", file=sys.stderr)
    control = RunControl()
    with StopSignals(control):
        outcome = resume_run(plan, ProgressBar(plan.config, quiet=args.quiet), control,
                             checkpoint_every=args.checkpoint_every,
                             command_line=[common.PROG, *sys.argv[1:]] if sys.argv else None)
    print(summary_table(outcome), file=sys.stdout)
    print(f"run folder: {outcome.folder}", file=sys.stdout)
    if outcome.status == "failed":
        error_line(outcome.error)
        return EXIT_FAILED
    return EXIT_STOPPED if outcome.status == "stopped" else EXIT_OK
