"""How loud the application is: quiet by default, everything with --verbose.

The setting travels in the environment (RCNN_WORKBENCH_VERBOSE) so worker
processes see it too, and it must be decided before TensorFlow's libraries
load: their C++ log level is read once, at load time. The project's own
diagnostics go through Python `logging`; --verbose shows them down to DEBUG.
"""
from __future__ import annotations

import logging
import os

from engine.tensorflow_loader import VERBOSE_ENV


def set_verbose(verbose: bool) -> None:
    """Record the choice for this process and its children, and configure logging for it.

    A TF_CPP_MIN_LOG_LEVEL the user set is kept; otherwise quiet means fatal
    errors only (3; "failed call to cuInit" is an error on every CPU-only
    machine) and verbose means everything (0).
    """
    if verbose:
        os.environ[VERBOSE_ENV] = "1"
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
    else:
        os.environ.pop(VERBOSE_ENV, None)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    configure_logging(verbose)


PROJECT_LOGGERS = ("engine", "workbench", "ui")


def configure_logging(verbose: bool) -> None:
    """Warnings and errors by default; with --verbose the project's DEBUG lines and others' INFO."""
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s" if verbose else "%(name)s: %(message)s")
    logging.getLogger().setLevel(logging.INFO if verbose else logging.WARNING)
    for name in PROJECT_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.NOTSET)
