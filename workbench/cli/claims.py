"""`python main.py claims ...`: run the study the published claims need, then write the report.

    claims --scale quick|medium|published [--seeds K] [--semantics corrected,as-published | --quirks …]
           [--claims ID,ID] [--backend local|processes|ray --workers N …] --out DIR
    claims --resume DIR          finish an interrupted claims study (only missing or failed trials), rewrite the report
    claims --estimate …          measure this machine's throughput, print the projected time, and stop

Medium and published scales measure the throughput first and print the projected time before training.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys
import tempfile
from pathlib import Path

from workbench.claims.claim_set import SCALES, load_claims, scale_info
from workbench.claims.folder import create_claims_folder, read_claims_request, write_claims_report
from workbench.claims.study import (STUDY_DIR, ClaimsRequest, build_spec, describe_duration, measure_throughput,
                                    projected_seconds, study_options)
from workbench.cli.arg_types import positive_int
from workbench.cli.common import EXIT_FAILED, EXIT_OK, EXIT_STOPPED, StopSignals, UsageError
from workbench.cli.study import StudyProgressPrinter
from workbench.core.config import ConfigError
from workbench.studies.spec import BACKENDS


def add_claims_parser(sub, parents) -> argparse.ArgumentParser:
    p = sub.add_parser("claims", parents=parents, help="test the posts' published claims over seeds and write a report with verdicts")
    p.add_argument("--scale", choices=SCALES, help="quick (minutes), medium (hours), published (the original "
                                                   "set-up: a cluster or GPUs); default quick")
    p.add_argument("--seeds", type=positive_int, help="seeds per arm: 0 … K-1 (default: the scale's, 5)")
    p.add_argument("--semantics", help="corrected and/or as-published, comma-separated "
                                       "(default: both)")
    p.add_argument("--quirks", metavar="NAME,NAME,…",
                   help="instead of --semantics: one custom set of the original scripts' quirks")
    p.add_argument("--claims", metavar="ID,ID", help="test only these claims (default: all; see resources/claims.json)")
    p.add_argument("--backend", choices=BACKENDS, help="where trials run (default local)")
    p.add_argument("--workers", type=positive_int, help="parallel workers (processes/ray)")
    p.add_argument("--threads-per-worker", type=positive_int, help="TensorFlow threads per worker")
    p.add_argument("--address", help="ray: 'auto' or HOST:PORT of a running cluster")
    p.add_argument("--estimate", action="store_true", help="only measure throughput and print the projected time")
    p.add_argument("--resume", type=Path, metavar="DIR", help="finish the claims study in DIR and rewrite its report")
    p.add_argument("--out", type=Path, help="the claims folder (new; default under the runs folder)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def request_from_args(args) -> ClaimsRequest:
    scale = args.scale or "quick"
    seeds = args.seeds or int(scale_info(scale).get("default_seeds", 5))
    quirks = None
    if args.quirks is not None:
        if args.semantics is not None:
            raise ConfigError("give --semantics or --quirks, not both (--semantics names a quirk set)")
        from engine import quirks as Q
        text = args.quirks.strip().lower()
        try:
            quirks = () if text == "none" else Q.NAMES if text == "all" else Q.normalise(text)
        except ValueError as exc:
            raise ConfigError(f"--quirks: {exc}") from None
        semantics = (Q.label(quirks),)
    else:
        given = "corrected,as-published" if args.semantics is None else args.semantics
        semantics = tuple(s.strip() for s in given.split(",") if s.strip())
    claim_ids = tuple(s.strip() for s in args.claims.split(",") if s.strip()) if args.claims is not None else ()
    if args.claims is not None and not claim_ids:
        raise ConfigError("--claims: give at least one claim id (see resources/claims.json), or leave it out for all")
    request = ClaimsRequest(scale, seeds, semantics, claim_ids, args.backend or "local", args.workers,
                            args.threads_per_worker, args.address, tuple(quirks) if quirks is not None else None)
    problem = request.problem() or study_options(request).too_many_workers()
    if problem:
        raise ConfigError(problem)
    load_claims().select(claim_ids)       # unknown ids: one line now, not after training
    return request


def default_out(scale: str) -> Path:
    from workbench.core.paths import runs_home
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return runs_home() / f"{stamp}-claims-{scale}"


def _print_projection(spec, request, stream) -> None:
    """Measure each architecture's throughput here and print the projected wall time of the study."""
    import os
    rates = {}
    with tempfile.TemporaryDirectory(prefix="claims-probe-") as tmp:
        for base in spec.bases:
            stream.write(f"measuring throughput: {base.arch} ({len(base.cases)} case(s), batch "
                         f"{base.train.batch_size})…\n")
            stream.flush()
            rates[base.arch] = measure_throughput(base, Path(tmp) / base.arch)
    workers = request.workers or (max(1, (os.cpu_count() or 1) // (request.threads_per_worker or 1))
                                  if request.backend != "local" else 1)
    total, lines = projected_seconds(spec, rates, workers)
    for line in lines:
        stream.write(f"  {line}\n")
    stream.write(f"projected time: {describe_duration(total)} for {spec.size} trials on {workers} worker(s) "
                 f"of this machine ({request.backend} backend; rates measured in this process, one trial at a "
                 f"time; a GPU or a cluster divides it)\n")
    stream.flush()


def cmd_claims(args) -> int:
    from engine.events import RunControl
    from workbench.claims.report import verdict_table
    from workbench.execution.study_driver import BackendUnavailable, resume_study, run_study

    if args.resume is not None:
        if args.out is not None and Path(args.out) != Path(args.resume):
            raise UsageError("--resume DIR continues DIR itself; leave out --out")
        out = Path(args.resume)
        request = read_claims_request(out)
    else:
        request = request_from_args(args)
        out = Path(args.out) if args.out is not None else default_out(request.scale)
    claims = load_claims().select(request.claim_ids)
    spec = build_spec(claims, request)
    options = study_options(request)
    if request.backend == "ray":
        from workbench.execution.backends.ray_backend import require_ray
        try:
            require_ray(options.address)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
    if args.estimate or (args.resume is None and request.scale != "quick"):
        _print_projection(spec, request, sys.stderr)
        if args.estimate:
            return EXIT_OK
    control = RunControl()
    printer = StudyProgressPrinter(quiet=args.quiet)

    try:
        with StopSignals(control, f" continue later with: main.py claims --resume {out}"):
            if args.resume is not None:
                outcome = resume_study(out / STUDY_DIR, options, printer, control)
            else:
                create_claims_folder(out, request)
                outcome = run_study(spec, out / STUDY_DIR, options, printer, control)
    except BackendUnavailable as exc:
        raise UsageError(str(exc)) from None
    data = write_claims_report(out, claims, request)
    print(verdict_table(data))
    print(f"study status: {outcome.status}; {data['trials']['completed']} of {data['trials']['expected']} trials "
          f"completed")
    print(f"report: {out / 'report.html'}")
    if outcome.status == "failed":
        print(f"error: {outcome.error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_STOPPED if outcome.status == "stopped" else EXIT_OK
