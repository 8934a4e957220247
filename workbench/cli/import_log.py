"""`rcnn-workbench import-log FILE --out DIR`: a published transparency log as a run folder."""
from __future__ import annotations

from pathlib import Path

from workbench.cli.common import EXIT_FAILED, EXIT_OK, UsageError, error_line


def add_import_log_parser(sub, parents):
    imp = sub.add_parser("import-log", parents=parents, help="convert a published transparency log into a run folder")
    imp.add_argument("file", type=Path)
    imp.add_argument("--out", type=Path, required=True, help="a new (or empty) folder")
    imp.add_argument("--case", help="post A: keep one case; post B: the case key to file it under (default 1)")
    return imp


def cmd_import_log(args) -> int:
    from workbench.records.published_logs import LogFormatError, import_log
    from workbench.records.run_folder import RunFolderError
    try:
        log = import_log(args.file, args.out, case=args.case)
    except RunFolderError as exc:
        raise UsageError(f"--out: {exc}") from None
    except (LogFormatError, OSError) as exc:
        error_line(str(exc))
        return EXIT_FAILED
    epochs = len({(r.case, r.epoch) for r in log.rows})
    print(f"imported {log.layout} log: cases {', '.join(log.cases)}, {len(log.rows)} rows "
          f"({epochs} case-epochs) -> {args.out}")
    for note in log.notes:
        print(f"  note: {note}")
    return EXIT_OK
