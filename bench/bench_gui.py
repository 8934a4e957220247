"""GUI responsiveness while a seven-case run trains (a benchmark, not a test).

Measures, and writes under "## GUI" in bench/RESULTS.md (only that section):

* start-up: wall time from launching `python main.py` to the window's first
  paint event, and whether TensorFlow was already imported then (it must not be);
* event-loop stalls: a 10 ms QTimer in the GUI thread records when it fires;
  a stall is how late a tick is (interval - 10 ms). Reported separately while
  the engine loads (TensorFlow import, graph tracing) and while it trains;
* plot refresh: the plots' own 15 Hz timer ticks per second during training
  (redraw opportunities the GUI actually got), redraws that pushed new data,
  and the cost of one redraw.

Targets: stall p99 <= 20 ms and max <= 100 ms while training,
max <= 250 ms while the engine loads; plots >= 10 Hz; first paint <= 2 s. Each
training measurement runs in a fresh process: Run pressed at once (a fresh
engine process loads TensorFlow), Run pressed once the warm engine process
is ready, and with --baseline-rev REV the named revision's own bench.

    python bench/bench_gui.py [--epochs 2] [--train-limit 1000] [--test-limit 300] [--no-write]
                              [--baseline-rev 407017d] [--only-default]    (just the window's default setting; a quick check)
    python bench/bench_gui.py --tiny    (one small run with the long run overlaid, printed only)

One setting trains with a long run overlaid: a synthetic 801-epoch, seven-case run of 60 step points
an epoch (post A's published length; about 48,000 points a curve, drawn as min/max envelopes per pixel),
its folder written with the records layer and laid over the plots as a ticked run is.

Runs offscreen unless QT_QPA_PLATFORM is set.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

RESULTS = ROOT / "bench" / "RESULTS.md"
HEADING = "## GUI"
TARGET_P99_MS, TARGET_MAX_MS, TARGET_LOADING_MAX_MS = 20.0, 100.0, 250.0


def startup_times(repeats: int, tmp: Path) -> list[tuple[float, bool]]:
    env = {**os.environ, "RCNN_WORKBENCH_REPORT_PAINT": "exit",
           "RCNN_WORKBENCH_SETTINGS": str(tmp / "startup.ini")}
    out = []
    for _ in range(repeats):
        t0 = time.time()
        proc = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        line = next((l for l in proc.stdout.splitlines() if l.startswith("first-paint")), None)
        if proc.returncode != 0 or line is None:
            raise RuntimeError(f"the window did not start: {proc.stderr[-500:]}")
        _, stamp, tf = line.split()
        out.append((float(stamp) - t0, tf == "1"))
    return out


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def stall_stats(stamps: list[float]) -> dict:
    intervals = [(b - a) * 1000.0 for a, b in zip(stamps, stamps[1:])]
    stalls = [max(0.0, i - 10.0) for i in intervals]
    return {"ticks": len(intervals), "p50": percentile(stalls, 0.5), "p99": percentile(stalls, 0.99),
            "max": max(stalls) if stalls else float("nan"),
            "over_20": sum(s > TARGET_P99_MS for s in stalls), "over_250": sum(s > 250 for s in stalls)}


LONG_EPOCHS, LONG_POINTS = 801, 60


def long_run_folder(parent: Path) -> Path:
    """A finished run of LONG_EPOCHS epochs, seven cases, LONG_POINTS step reports an epoch, written as a
    run's writer writes it (no TensorFlow: synthetic values, seeded)."""
    import math
    import random
    from engine.events import CaseEpoch, EpochEvent, Progress, StepEvent, TrialResult
    from workbench.core.config import load_preset
    from workbench.records.run_folder import RunFolder
    config = load_preset("quick").with_train(epochs=LONG_EPOCHS)
    keys = [c.key for c in config.case_objects()]
    rng = random.Random(0)
    folder = RunFolder(parent / "long-run", config)
    folder.start_trial(0, 0)
    seconds = 0.0
    for e in range(LONG_EPOCHS):
        sums = dict.fromkeys(keys, 0.0)
        for s in range(1, LONG_POINTS + 1):
            seconds += 0.05
            for i, k in enumerate(keys):
                sums[k] += 60.0 * math.exp(-(e + s / LONG_POINTS) / (100 + 20 * i)) + 5 + rng.gauss(0, 1)
            folder.step(StepEvent(0, e, s, LONG_POINTS, {k: (sums[k] / s, 0.1 + 0.8 * e / LONG_EPOCHS) for k in keys},
                                  Progress(s, LONG_POINTS, seconds, None)))
        metrics = {k: CaseEpoch(sums[k] / LONG_POINTS, 0.1 + 0.8 * e / LONG_EPOCHS, sums[k] / LONG_POINTS,
                                0.1 + 0.8 * e / LONG_EPOCHS) for k in keys}
        folder.epoch(EpochEvent(0, e, metrics, (), Progress(LONG_POINTS, LONG_POINTS, seconds, None), seconds))
    folder.end_trial(TrialResult(0, 0, "completed", LONG_EPOCHS, {}, {}, {k: seconds for k in keys}, {}, []))
    folder.finish("completed")
    return folder.dir


def overlay_long_run(window, tmp: Path) -> None:
    """Lay the long run over the plots as the run list does for a ticked run (rows and kept step reports)."""
    from ui.window.files import kept_steps
    from workbench.records.metrics import read_metrics
    run = long_run_folder(tmp)
    window.plots.set_run_overlays([("801-epoch run", read_metrics(run / "metrics.csv"), 1, "", kept_steps(run))])


def run_bench(args, tmp: Path) -> dict:
    os.environ["RCNN_WORKBENCH_RUNS"] = str(tmp / "runs")
    os.environ["RCNN_WORKBENCH_SETTINGS"] = str(tmp / "bench.ini")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from ui.window.app import ENGINE_WARM_DELAY_MS, collect_garbage_in_the_gui_thread, share_the_gil_quickly
    from ui.window.main_window import MainWindow
    from workbench.core.config import DataSpec, load_preset

    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    else:
        share_the_gil_quickly()           # as ui.window.app.main does
    collector = collect_garbage_in_the_gui_thread()  # noqa: F841 (as ui.window.app.main does)
    window = MainWindow()
    window.confirm_close = False          # the bench closes the window itself
    window.resize(1600, 1000)
    window.show()
    config = load_preset("quick").with_(data=DataSpec("sample", train_limit=args.train_limit,
                                                      test_limit=args.test_limit))
    config = config.with_train(epochs=args.epochs)
    window.load_config(config)
    assert len(window.current_config().cases) == 7, "the bench trains all seven cases"
    if args.long_overlay:
        overlay_long_run(window, tmp)

    stamps: list[float] = []
    phase = {"first_step": None, "end": None, "start": None, "ticks_at_first_step": 0,
             "refresh_at_first_step": 0, "steps": 0, "epochs": 0}
    probe = QTimer()
    probe.setTimerType(probe.timerType().PreciseTimer)
    probe.setInterval(10)
    probe.timeout.connect(lambda: stamps.append(time.perf_counter()))

    def on_step(_event):
        phase["steps"] += 1
        if phase["first_step"] is None:
            phase["first_step"] = time.perf_counter()
            phase["ticks_at_first_step"] = window.plots.tick_count
            phase["refresh_at_first_step"] = window.plots.refresh_count
            phase["first_step_index"] = len(stamps)

    def on_epoch(_event):
        phase["epochs"] += 1

    def on_finished(outcome):
        phase["end"] = time.perf_counter()
        phase["outcome"] = outcome
        probe.stop()
        QTimer.singleShot(200, app.quit)

    window.controller.step.connect(on_step)
    window.controller.epoch.connect(on_epoch)
    window.controller.finished.connect(on_finished)

    def start():
        phase["start"] = time.perf_counter()
        window.plots.refresh_seconds.clear()
        probe.start()
        window.start_run()

    # As ui.window.app.main: a spare engine process starts loading TensorFlow after the first paint. Run
    # pressed at 300 ms comes before that, so the run waits for a fresh engine process (the worst
    # case); --run-at-ms 10000 presses Run after the spare has loaded, as a user who first sets up a run.
    QTimer.singleShot(args.run_at_ms, start)
    QTimer.singleShot(ENGINE_WARM_DELAY_MS, window.controller.keep_engine_warm)
    app.exec()

    outcome = phase["outcome"]
    if outcome.status != "completed":
        raise RuntimeError(f"the run did not complete: {outcome.status} {outcome.error}")
    i = phase.get("first_step_index", len(stamps))
    loading = stall_stats(stamps[:i + 1])
    training = stall_stats(stamps[i:])
    train_s = phase["end"] - phase["first_step"]
    ticks = window.plots.tick_count - phase["ticks_at_first_step"]
    redraws = window.plots.refresh_count - phase["refresh_at_first_step"]
    costs = [c * 1000 for c in window.plots.refresh_seconds]
    result = {
        "loading": loading, "training": training,
        "loading_s": phase["first_step"] - phase["start"], "training_s": train_s,
        "tick_hz": ticks / train_s, "redraw_hz": redraws / train_s,
        "redraw_ms_mean": statistics.fmean(costs) if costs else float("nan"),
        "redraw_ms_max": max(costs) if costs else float("nan"),
        "steps": phase["steps"], "epochs": phase["epochs"], "folder": str(outcome.folder),
    }
    window.close()
    del window
    app.processEvents()
    return result


def _row(label, r):
    tr, lo = r["training"], r["loading"]
    ok = tr["p99"] <= TARGET_P99_MS and tr["max"] <= TARGET_MAX_MS
    lo_ok = lo["max"] <= TARGET_LOADING_MAX_MS
    return (f"| {label} | {r['training_s']:.0f} s | {tr['p50']:.1f} / {tr['p99']:.1f} / {tr['max']:.0f} ms "
            f"({tr['over_20']} of {tr['ticks']} ticks > 20 ms) | {'meets' if ok else '**misses**'} | "
            f"{lo['p99']:.1f} / {lo['max']:.0f} ms ({r['loading_s']:.1f} s): {'meets' if lo_ok else '**misses**'} | "
            f"{r['tick_hz']:.1f} Hz | "
            f"{r['redraw_ms_mean']:.1f} / {r['redraw_ms_max']:.0f} ms |")


def render(startup, results, args) -> str:
    paint = [t for t, _ in startup]
    tf_before = any(tf for _, tf in startup)
    ok = lambda cond: "meets" if cond else "**misses**"
    cores = os.cpu_count() or 2
    gui_threads = max(1, cores - 1)
    lines = [
        HEADING, "",
        f"`python bench/bench_gui.py --epochs {args.epochs} --train-limit {args.train_limit} "
        f"--test-limit {args.test_limit}` on {platform.platform()} ({cores} cores), Qt platform "
        f"`{os.environ.get('QT_QPA_PLATFORM')}`, {time.strftime('%Y-%m-%d')}. Seven cases, post-A, offline "
        "sample, batch 50, the window at 1600×1000, GIL switch interval 1 ms (as `ui.window.app` sets it).", "",
        "**Start-up** (process start → first paint of the window, `main.py` with "
        "`RCNN_WORKBENCH_REPORT_PAINT=exit`):", "",
        "| measure | value | target |", "|---|---|---|",
        f"| first painted window, median of {len(paint)} | {statistics.median(paint):.2f} s "
        f"(min {min(paint):.2f}, max {max(paint):.2f}) | ≤ 2 s: {ok(statistics.median(paint) <= 2.0)} |",
        f"| TensorFlow imported before that paint | {'yes' if tf_before else 'no'} | no: {ok(not tf_before)} |",
        "",
        "**While a seven-case run trains.** A stall is how late a 10 ms timer in the GUI thread fires "
        "(targets: p99 ≤ 20 ms and max ≤ 100 ms while training, max ≤ 250 ms while the engine "
        "loads). The plots' own timer should tick at ≥ 10 Hz (it is set to "
        "15 Hz). A redraw pushes new points to 7 cases × 4 plots.", "",
        "| TensorFlow threads, setting | training time | stall p50 / p99 / max while training | target | "
        "stall p99 / max while the engine loads | plot timer | redraw mean / max |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in results:
        lines.append(_row(label, r))
    lines += [
        "",
        "Runs train in an engine process (`workbench/execution/engine_process.py`): TensorFlow never loads in the "
        "window's process, so neither its import (which holds the GIL for ~0.7 s in one piece) nor its "
        "training steps compete with the GUI thread for the GIL; the GUI process only reads step events "
        "(at most one every 50 ms) and a few log lines per epoch from a pipe, and the plots redraw curves "
        "with new points from their 15 Hz timer, one plot a tick (a frame that repainted all four plots' "
        "axes, grids and curves at once was the longest stall left), with each axis and its grid cached as "
        "a pixmap until its range changes. The engine process runs at nice 10 on every core. "
        "\"Run pressed at once\" is the worst case: the run waits for a fresh engine process to load "
        "TensorFlow (the engine-loading column); a user who sets up a run first finds the warm spare "
        "(started 0.5 s after the window opens) ready. The baseline row, when present, is the named "
        "revision's own bench in the same invocation (before this change: training in a thread of the "
        "window's process).",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace (or append) only the "## GUI" section of bench/RESULTS.md."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if l.strip() == HEADING), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        new = "".join(lines[:start]) + text + ("\n" if end < len(lines) else "") + "".join(lines[end:])
    RESULTS.write_text(new.rstrip("\n") + "\n")


def _measure(args, threads: int, nice: int, run_at_ms: int, tree: Path, long: bool = False) -> dict:
    """One measurement in a fresh process (TensorFlow reads its thread count once), with `tree`'s code."""
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": str(threads),
           "RCNN_WORKBENCH_TRAIN_NICE": str(nice)}
    cmd = [sys.executable, str(tree / "bench" / "bench_gui.py"), "--child", "--epochs", str(args.epochs),
           "--train-limit", str(args.train_limit), "--test-limit", str(args.test_limit)]
    if tree == ROOT:
        cmd += ["--run-at-ms", str(run_at_ms)]
    if long:
        cmd += ["--long-overlay"]
    if args.switch_interval:
        cmd += ["--switch-interval", str(args.switch_interval)]
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=3600)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"the measurement in {tree} failed: {proc.stderr[-800:]}")
    return json.loads(line[7:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-limit", type=int, default=1000)
    parser.add_argument("--test-limit", type=int, default=300)
    parser.add_argument("--startup-repeats", type=int, default=5)
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="GIL switch interval in seconds (default: the app's own setting)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run-at-ms", type=int, default=300, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-rev", default=None,
                        help="also measure this git revision's window (its own bench, in a temporary "
                             "worktree) in the same invocation, as the baseline row")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--long-overlay", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tiny", action="store_true",
                        help="one small run (1 epoch, 200 images) with the long run overlaid; prints only")
    parser.add_argument("--only-default", action="store_true",
                        help="measure only the window's default setting (quicker; implies --no-write)")
    args = parser.parse_args()
    if args.child:                 # one measurement, in a fresh process (TF reads its thread count once)
        with tempfile.TemporaryDirectory(prefix="rcnn-bench-gui-") as tmp:
            print("RESULT " + json.dumps(run_bench(args, Path(tmp))), flush=True)
        return 0
    cores = os.cpu_count() or 2
    # (label, TensorFlow threads, training nice, when Run is pressed, source tree, the long run overlaid)
    settings = [(f"{cores}, Run pressed at once (a fresh engine process loads TensorFlow)", cores, 10, 300, ROOT,
                 False),
                (f"{cores}, Run pressed after the warm engine process has loaded", cores, 10, 10_000, ROOT, False),
                (f"{cores}, warm engine, an {LONG_EPOCHS}-epoch run of {LONG_POINTS} points an epoch overlaid "
                 f"(7 cases)", cores, 10, 10_000, ROOT, True)]
    if args.only_default:
        settings, args.no_write = settings[:1], True
    if args.tiny:
        settings, args.no_write = settings[2:], True
        args.epochs, args.train_limit, args.test_limit, args.startup_repeats = 1, 200, 100, 1
    with tempfile.TemporaryDirectory(prefix="rcnn-bench-gui-") as tmp:
        startup = startup_times(args.startup_repeats, Path(tmp))
        if args.baseline_rev:
            base = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(base), args.baseline_rev], cwd=ROOT,
                           check=True, capture_output=True)
            settings.append((f"{cores}, baseline `{args.baseline_rev}` (its own bench)", cores, 10, 300, base, False))
        try:
            results = [(label, _measure(args, threads, nice, run_at, tree, long))
                       for label, threads, nice, run_at, tree, long in settings]
        finally:
            if args.baseline_rev:
                subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True)
    text = render(startup, results, args)
    print(text)
    if not args.no_write:
        write_section(text)
        print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
