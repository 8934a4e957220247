"""`rcnn-workbench COMMAND ...` (or `python main.py ...`): the engine without a window.

One module per subcommand (run, study, claims, compare, import-log, rerun,
export), each adding its parser and its ``cmd_*``; this module builds the
parser from them and turns every error into one line on stderr: exit status
2 for bad options, 1 for a failed run (the run folder keeps what was computed).
"""
from __future__ import annotations

import argparse
import sys

from workbench.cli import common
from workbench.cli.claims import add_claims_parser, cmd_claims
from workbench.cli.common import (EXIT_FAILED, EXIT_USAGE, UsageError, _Parser, config_from_args,  # noqa: F401
                                  error_line, shared_run_options, verbose_option)
from workbench.cli.compare import add_compare_parser, cmd_compare
from workbench.cli.export import add_export_parser, cmd_export
from workbench.cli.import_log import add_import_log_parser, cmd_import_log
from workbench.cli.progress_bar import ProgressBar  # noqa: F401  (callers' name for the run progress line)
from workbench.cli.rerun import add_rerun_parser, cmd_rerun
from workbench.cli.resume import add_resume_parser, cmd_resume
from workbench.cli.run import add_run_parser, cmd_run
from workbench.cli.study import add_study_parser, cmd_study
from workbench.core.config import ConfigError

COMMANDS = {"run": cmd_run, "study": cmd_study, "claims": cmd_claims, "compare": cmd_compare,
            "import-log": cmd_import_log, "rerun": cmd_rerun, "export": cmd_export, "resume": cmd_resume}


def build_parser() -> argparse.ArgumentParser:
    from workbench.core.version import version_line
    parser = _Parser(prog=common.PROG, description="RCNN Workbench. Without a command: open the window.")
    parser.add_argument("--version", action="version", version=version_line())
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's start-up lines and the workbench's debug log")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    verbose, shared = verbose_option(), shared_run_options()
    add_run_parser(sub, [shared, verbose])
    add_import_log_parser(sub, [verbose])
    add_rerun_parser(sub, [verbose])
    add_resume_parser(sub, [verbose])
    add_compare_parser(sub, [verbose])
    add_study_parser(sub, [shared, verbose])
    add_claims_parser(sub, [verbose])
    add_export_parser(sub, [verbose])
    return parser


def main(argv: list[str], prog: str | None = None) -> int:
    common.PROG = prog or "rcnn-workbench"
    try:
        args = build_parser().parse_args(argv)
        if args.verbose:
            from workbench.core.verbosity import set_verbose
            set_verbose(True)
        if args.command is None:
            raise UsageError("give a command: " + ", ".join(COMMANDS))
        return COMMANDS[args.command](args)
    except (UsageError, ConfigError) as exc:
        error_line(str(exc))
        return EXIT_USAGE
    except OSError as exc:            # a file that cannot be written (a link refused, a full disk): the run failed
        error_line(_os_line(exc))
        return EXIT_FAILED


def _os_line(exc: OSError) -> str:
    if exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
