"""`rcnn-workbench run ...`: train the selected cases side by side, headless, into a new run folder."""
from __future__ import annotations

import sys
from pathlib import Path

from engine.settings import INITS, SEMANTICS

from workbench.cli import common
from workbench.cli.arg_types import nonneg_int, number, positive_int
from workbench.cli.common import (EXIT_FAILED, EXIT_OK, EXIT_STOPPED, StopSignals, UsageError, config_from_args,
                                  error_line)
from workbench.cli.progress_bar import ProgressBar
from workbench.core.checkpoint_policy import HELP as CHECKPOINT_HELP, CheckpointPolicy
from workbench.execution.packing import PACK_CHOICES, packable, trial_packs
from workbench.stats.comparison import comparison_table


def add_run_parser(sub, parents):
    """The `run` command: the shared run options (``parents``) and the single-valued ones only `run` takes."""
    from engine import catalog
    run = sub.add_parser("run", parents=parents, help="train the selected cases side by side, headless")
    run.add_argument("--config", type=Path, help="a saved configuration or run manifest to start from")
    run.add_argument("--arch", choices=catalog.keys(), help="architecture (default post-a)")
    run.add_argument("--batch-size", type=positive_int)
    run.add_argument("--lr", type=number, help="learning rate")
    run.add_argument("--seed", type=nonneg_int)
    run.add_argument("--trials", type=positive_int, help="seeds per case: seed, seed+1, ...")
    run.add_argument("--pack", choices=PACK_CHOICES, default="on",
                     help="on (default): the trials train as one pack, every seed in the same ops; "
                          "off: one after another")
    run.add_argument("--semantics", choices=SEMANTICS,
                     help="corrected (no quirk) or as-published (every quirk); --quirks picks any subset")
    run.add_argument("--init", choices=INITS)
    run.add_argument("--dilation-p", type=number, help="D = P / (1 + k*epoch); P (default 1000)")
    run.add_argument("--dilation-k", type=number, help="k (default 0.008)")
    run.add_argument("--out", type=Path, help="a new (or empty) run folder; default: a fresh folder "
                                              "<time>-<arch> under $RCNN_WORKBENCH_RUNS or "
                                              "~/.local/share/rcnn-workbench/runs")
    run.add_argument("--checkpoint-every", metavar="N|10m|off", help=CHECKPOINT_HELP)
    return run


def cmd_run(args) -> int:
    from engine.events import RunControl
    from workbench.records.run_folder import RunFolderError, new_run_dir
    from workbench.execution.runner import run_experiment

    config = config_from_args(args)
    try:
        CheckpointPolicy.parse(args.checkpoint_every)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    control = RunControl()
    pack = args.pack == "on"
    try:
        out = args.out if args.out is not None else new_run_dir(config)
        with StopSignals(control):
            progress = ProgressBar(config, quiet=args.quiet, packs=trial_packs(config.trials, pack and packable(config)))
            outcome = run_experiment(config, out, progress, control, pack=pack,
                                     command_line=[common.PROG, *sys.argv[1:]] if sys.argv else None,
                                     checkpoint_every=args.checkpoint_every)
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
        error_line(outcome.error)
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
