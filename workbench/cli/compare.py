"""`rcnn-workbench compare RUN|STUDY`: the multi-seed comparison of cases against a reference case."""
from __future__ import annotations

import sys
from pathlib import Path

from workbench.cli.common import EXIT_OK, EXIT_USAGE, error_line
from workbench.stats.comparison import comparison_table


def add_compare_parser(sub, parents):
    cmp_ = sub.add_parser("compare", parents=parents,
                          help="multi-seed comparison of a run's (or a study's) cases against a reference case")
    cmp_.add_argument("run_dir", type=Path, help="a run folder, or a study folder (its trials pooled, paired by seed)")
    cmp_.add_argument("--reference", default="1", help="reference case (default 1)")
    cmp_.add_argument("--metric", choices=("accuracy", "cost"), default="accuracy")
    return cmp_


def cmd_compare(args) -> int:
    from workbench.records import metrics as M
    from workbench.studies.study_file import is_study_dir
    if is_study_dir(args.run_dir):
        from workbench.studies.compare import study_comparison_text
        from workbench.studies.study_file import study_status
        try:
            status = study_status(args.run_dir)
            if status.status != "completed":
                print(f"note: the study is {status}; comparing its completed trials", file=sys.stderr)
            print(study_comparison_text(args.run_dir, args.reference, args.metric))
        except (M.MetricsFileError, ValueError) as exc:
            error_line(str(exc))
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
        error_line(str(exc))
        return EXIT_USAGE
    return EXIT_OK
