"""`rcnn-workbench export RUN --csv FILE --zip FILE`: one-file exports of a run folder."""
from __future__ import annotations

from pathlib import Path

from workbench.cli.common import EXIT_FAILED, EXIT_OK, UsageError, error_line


def add_export_parser(sub, parents):
    exp = sub.add_parser("export", parents=parents, help="one-file exports of a run folder")
    exp.add_argument("run_dir", type=Path)
    exp.add_argument("--csv", type=Path, help="all cases and trials in one long-format CSV (a new file)")
    exp.add_argument("--zip", type=Path, help="the whole run folder in one ZIP (a new file)")
    return exp


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
        error_line(str(exc))
        return EXIT_FAILED
    return EXIT_OK
