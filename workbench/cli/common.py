"""What every subcommand shares: exit codes, the one-line error, the shared options, Ctrl-C.

Bad options end with one line on stderr and exit status 2 (``UsageError`` from
the parser); a failed run exits 1, a stopped one 130. The options that `run`
and `study` share, and `--verbose` after any command, are argparse parents
(``parents=``), so each subcommand's module adds only its own.
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from engine.cases import CASE_KEYS, Case, parse_connections
from engine.quirks import NAMES as QUIRK_NAMES

from workbench.cli.arg_types import nonneg_int, positive_int
from workbench.core.config import ConfigError, DataSpec, ExperimentConfig, load_preset, preset_names

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 130

PROG = "rcnn-workbench"        # how the user called us (main.py, python -m workbench); set by cli.main.main()


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):             # one line, not argparse's usage dump
        raise UsageError(message)


def error_line(message: str) -> None:
    """The one line a failed command leaves on stderr: '<prog>: error: <message>'."""
    print(f"{PROG}: error: {message}", file=sys.stderr)


def verbose_option() -> argparse.ArgumentParser:
    """--verbose accepted after any command too (`run --epochs 1 --verbose`); SUPPRESS keeps one given first."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="show TensorFlow's start-up lines and the debug log")
    return parent


def shared_run_options() -> argparse.ArgumentParser:
    """The options `run` and `study` take alike (a study's grid axes are its own, as lists)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--preset", choices=preset_names(), default="quick",
                        help="starting point; other options override it (default: quick)")
    parent.add_argument("--cases", help=f"comma-separated case keys or 'all' (published: {','.join(CASE_KEYS)})")
    parent.add_argument("--case", action="append", default=[], metavar="KEY=CONNECTIONS",
                        help="define a custom case, e.g. 'mine=1<g3,0<p2' (then list it in --cases)")
    parent.add_argument("--epochs", type=positive_int)
    parent.add_argument("--data", help="sample | mnist | fashion-mnist | PATH (mnist.npz or IDX folder)")
    parent.add_argument("--train-limit", type=positive_int)
    parent.add_argument("--test-limit", type=positive_int)
    parent.add_argument("--train-skip", type=nonneg_int)
    parent.add_argument("--noise", help="one noise per timestep, e.g. 'none,gaussian(scale=0.2),poisson,uniform' "
                                        "(kinds: none, gaussian, poisson, gamma, uniform)")
    parent.add_argument("--quirks", metavar="NAME,NAME,…",
                        help=f"the original scripts' quirks to switch on ('none', 'all' or names: "
                             f"{', '.join(QUIRK_NAMES)})")
    parent.add_argument("--log-every", type=positive_int, help="epochs between transparency-log blocks")
    parent.add_argument("--quiet", action="store_true", help="no progress bar")
    return parent


def config_from_args(args) -> ExperimentConfig:
    if args.config:
        config = ExperimentConfig.load(args.config)
        if args.arch:
            config = config.with_(arch=args.arch)
    else:
        config = load_preset(args.preset, args.arch)
    custom = list(config.custom_cases)
    for text in args.case:
        key, sep, conns = text.partition("=")
        if not sep:
            raise ConfigError(f"--case {text!r}: write KEY=CONNECTIONS, e.g. mine=1<g3,0<p2")
        try:
            custom.append(Case(key.strip(), key.strip(), "#808080", "manual", parse_connections(conns),
                               f"custom: {conns.strip()}"))
        except ValueError as exc:
            raise ConfigError(f"--case {text!r}: {exc}") from None
    changes = {"custom_cases": tuple(custom)}
    if args.cases is not None:
        if not args.cases.strip():
            raise ConfigError("--cases is empty; give case keys such as 0,1,3 or 'all'")
        keys = CASE_KEYS if args.cases.strip() == "all" else tuple(k.strip() for k in args.cases.split(","))
        if not all(keys):
            raise ConfigError(f"--cases {args.cases!r}: an empty case key; write e.g. 0,1,3")
        changes["cases"] = keys
    elif args.case:
        changes["cases"] = tuple(config.cases) + tuple(c.key for c in custom[len(config.custom_cases):])
    if args.trials is not None:
        changes["trials"] = args.trials
    if args.noise is not None:
        if not args.noise.strip():
            raise ConfigError("--noise is empty; give one noise per timestep, e.g. gaussian,poisson,gamma,uniform")
        from engine.noise import parse_schedule
        try:
            changes["noise"] = parse_schedule(args.noise)
        except ValueError as exc:
            raise ConfigError(f"--noise: {exc}") from None
    d = config.data
    data = DataSpec(_resolved_source(args.data) if args.data is not None else d.source,
                    args.train_limit if args.train_limit is not None else d.train_limit,
                    args.test_limit if args.test_limit is not None else d.test_limit,
                    args.train_skip if args.train_skip is not None else d.train_skip)
    from engine.data import SOURCES
    if data.source.strip().lower() not in SOURCES and not Path(data.source).exists():
        raise ConfigError(f"--data {data.source}: no such file or folder "
                          f"(use sample, mnist, fashion-mnist or a path to mnist.npz / an IDX folder)")
    changes["data"] = data
    train = {}
    for arg, name in (("epochs", "epochs"), ("batch_size", "batch_size"), ("lr", "learning_rate"),
                      ("seed", "seed"), ("semantics", "semantics"), ("init", "init"),
                      ("dilation_p", "dilation_P"), ("dilation_k", "dilation_k"), ("log_every", "log_every")):
        value = getattr(args, arg)
        if value is not None:
            train[name] = value
    if getattr(args, "quirks", None) is not None:
        if args.semantics is not None:
            raise ConfigError("give --semantics or --quirks, not both (--semantics names a quirk set)")
        text = args.quirks.strip().lower()
        from engine.quirks import normalise
        try:
            train["quirks"] = () if text == "none" else QUIRK_NAMES if text == "all" else normalise(text)
        except ValueError as exc:
            raise ConfigError(f"--quirks: {exc}") from None
    try:
        config = config.with_(**changes).with_train(**train)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    problem = config.problem()
    if problem:
        raise ConfigError(_name_option(problem))
    return config


_OPTION_HINTS = (("noise", "--noise"), ("connection", "--case"), ("factor", "--case"),
                 ("learning rate", "--lr"), ("dilation P", "--dilation-p"), ("dilation k", "--dilation-k"))


def _name_option(problem: str) -> str:
    """Prefix a configuration problem with the option that sets it, when one does."""
    for needle, option in _OPTION_HINTS:
        if needle in problem and not problem.startswith("--"):
            return f"{option}: {problem}"
    return problem


class StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP stop the run after the current step (status "stopped").

    A second signal aborts at once (KeyboardInterrupt); the run folder still
    records "stopped" and every finished epoch.
    """

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

    def __init__(self, control, hint: str = ""):
        self.control, self.hint = control, hint
        self.previous = {}

    def _handle(self, signum, frame):
        if self.control.stopped:
            raise KeyboardInterrupt
        name = signal.Signals(signum).name
        try:
            sys.stderr.write(f"\n{name}: stopping after this step (again to abort)…{self.hint}\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        self.control.stop()

    def __enter__(self):
        for sig in self.SIGNALS:
            self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False


def _resolved_source(source: str) -> str:
    """A --data path as the absolute path it names (a re-run from another folder finds the same file);
    the built-in sources stay as they are."""
    from engine.data import SOURCES
    if source.strip().lower() in SOURCES or not source.strip():
        return source
    path = Path(source).expanduser()
    return str(path.resolve()) if path.exists() else source
