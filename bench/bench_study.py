"""Studies: wall time of the same study on every backend, against `local`, in one invocation.

Two studies, each run by `main.py study` in a fresh process per backend (so
every backend pays its own start-up, as a user's study does):

- post-B: four vanilla trials (seeds 0-3), the seven published cases;
- post-A: two trials (seeds 0-1), the seven published cases.

Backends: `local` (today's behaviour: one process, TensorFlow's default
threads), `processes` (W workers × 1 thread) and `ray` (W actors × 1 thread on
a local Ray started for the study). Reported: wall time and its ratio to
local; each parallel backend's start-up (workers up, TensorFlow loaded)
and its wall time without it, so Ray can be compared with processes "once
its workers are up"; Ray's fixed memory (its daemons, and one idle actor
with TensorFlow loaded) measured separately; and a projection, from the
measured post-A throughput per trial, of 5 seeds × 7 cases × the published
post-A set-up (801 epochs × 60,000 images) on 8 and 64 workers.

    python bench/bench_study.py                 # the benchmark (idle machine; several minutes)
    python bench/bench_study.py --tiny          # a smoke check of the script (seconds of training)
    python bench/bench_study.py --write         # also append the figures to bench/RESULTS.md
    python bench/bench_study.py --data mnist    # full MNIST (downloaded once) instead of the offline sample
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("local", "processes", "ray")
PUBLISHED_POST_A = {"epochs": 801, "images": 60_000}


def study_args(kind: str, a) -> list[str]:
    common = ["--cases", "all", "--data", a.data, "--quiet"]
    if kind == "post-b":
        return ["--preset", "post-b", "--arch", "vanilla", "--seeds", "0-3", "--epochs", str(a.epochs),
                "--train-limit", str(a.train_limit), "--test-limit", str(a.test_limit), *common]
    return ["--preset", "quick", "--arch", "post-a", "--seeds", "0-1", "--epochs", str(a.epochs),
            "--batch-size", "50", "--train-limit", str(a.post_a_train_limit),
            "--test-limit", str(a.test_limit), *common]


def run_backend(kind: str, backend: str, a, scratch: Path) -> dict:
    out = scratch / f"{kind}-{backend}"
    cmd = [sys.executable, str(ROOT / "main.py"), "study", *study_args(kind, a), "--backend", backend,
           "--out", str(out)]
    if backend != "local":
        cmd += ["--workers", str(a.workers), "--threads-per-worker", "1"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RCNN_WORKBENCH_TRAIN_NICE": "0"}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{kind} on {backend} failed ({done.returncode}): "
                         f"{(done.stderr.strip().splitlines() or ['?'])[-1]}")
    state = json.loads((out / "study.json").read_text())
    step_s, epoch_s, images = [], [], 0
    for t in state["trials"]:
        manifest = json.loads((out / t["folder"] / "manifest.json").read_text())
        trial = manifest["trials"][0]
        step_s.append(sum(trial["train_seconds"].values()))        # lockstep: the cases share each step
        batch = manifest["config"]["train"]["batch_size"]
        images = manifest["data"]["n_train"] // batch * batch        # training images per epoch
        walls = sorted({(r.split(",")[2], float(r.split(",")[6]))
                        for r in (out / t["folder"] / "metrics.csv").read_text().splitlines()[1:] if r})
        walls = [w for _, w in sorted((int(e), w) for e, w in walls)]
        if len(walls) >= 2:                   # steady state: epochs after the first (which compiles the step)
            epoch_s.append((walls[-1] - walls[0]) / (len(walls) - 1))
    startup = (state.get("backend") or {}).get("startup_s") or 0.0
    return {"wall_s": wall, "startup_s": startup, "trials": len(state["trials"]),
            "train_s_per_trial": sum(step_s) / len(step_s), "images_per_epoch": images,
            "epoch_s": sum(epoch_s) / len(epoch_s) if epoch_s else None}


RAY_MEMORY = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
import ray
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0
def children(root):
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for c in kids.get(pid, []):
            out.append(c); todo.append(c)
    return out
t0 = time.perf_counter()
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=100 * 2**20)
init_s = time.perf_counter() - t0
time.sleep(3)
daemons = children(os.getpid())
daemons_kb = sum(rss_kb(p) for p in daemons)
from workbench.execution.backends.ray_backend import TrialActor
t0 = time.perf_counter()
actor = ray.remote(TrialActor).options(num_cpus=1, max_concurrency=2).remote(1, "bench")
facts = ray.get(actor.ready.remote())
actor_s = time.perf_counter() - t0
actor_kb = rss_kb(facts["pid"])
ray.shutdown()
print(json.dumps({"init_s": init_s, "daemons_mb": daemons_kb / 1024, "n_daemons": len(daemons),
                  "actor_start_s": actor_s, "actor_mb": actor_kb / 1024}))
"""


def ray_memory() -> dict:
    done = subprocess.run([sys.executable, "-c", RAY_MEMORY, str(ROOT)], capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _hms(s: float) -> str:
    h, rest = divmod(int(round(s)), 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def projection(post_a: dict) -> list[str]:
    """5 seeds × 7 cases × published post-A: each seed is one trial (its 7 cases train in lockstep)."""
    if not post_a.get("epoch_s"):
        return ["- not projected: run at least 2 epochs (the first epoch includes compiling the step)"]
    rate = post_a["images_per_epoch"] / post_a["epoch_s"]      # images/s per trial, 1 thread, test pass included
    trial_s = PUBLISHED_POST_A["epochs"] * PUBLISHED_POST_A["images"] / rate
    lines = [f"- measured post-A on {post_a['backend']} (1 thread per trial, epochs after the first): "
             f"{rate:.0f} training images/s per trial (7 cases in lockstep, test pass included), so one "
             f"published trial (801 epochs × 60,000 images) takes about {trial_s / 3600:.0f} h on one core "
             f"of this machine."]
    for workers in (8, 64):
        waves = math.ceil(5 / workers)
        lines.append(f"- 5 seeds on {workers} workers × 1 thread: {waves} wave(s) of at most {min(5, workers)} "
                     f"parallel trials → about {waves * trial_s / 3600:.0f} h (plus start-up); "
                     f"{max(0, workers - 5)} worker(s) idle — a 5-trial study cannot use more than 5 workers. "
                     + ("Giving each trial more threads (--threads-per-worker) is the only way to use them; "
                        "how far that helps depends on the thread scaling of the node (not measured here)."
                        if workers > 5 else ""))
    return lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tiny", action="store_true", help="smoke check: a few hundred images, one epoch")
    p.add_argument("--data", default="sample")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--train-limit", type=int, default=4000, help="post-B training images")
    p.add_argument("--post-a-train-limit", type=int, default=1000)
    p.add_argument("--test-limit", type=int, default=500)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--backends", default=",".join(BACKENDS))
    p.add_argument("--write", action="store_true", help="append the figures to bench/RESULTS.md")
    a = p.parse_args()
    if a.tiny:
        a.epochs, a.train_limit, a.post_a_train_limit, a.test_limit = 2, 200, 100, 100
    backends = [b.strip() for b in a.backends.split(",") if b.strip()]

    results: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-study-") as tmp:
        for kind in ("post-b", "post-a"):
            for backend in backends:                                   # interleaved: same machine state
                print(f"{kind} on {backend}…", file=sys.stderr, flush=True)
                results.setdefault(kind, {})[backend] = run_backend(kind, backend, a, Path(tmp))
    memory = ray_memory() if "ray" in backends else {}

    lines = [f"### Studies: {platform.node()}, {os.cpu_count()} cores, {a.workers} workers × 1 thread, "
             f"data {a.data}, {a.epochs} epoch(s){' (--tiny smoke check, not a figure)' if a.tiny else ''}", ""]
    lines.append("| study | backend | wall | speed-up vs local (local wall ÷ this) | start-up | wall without start-up | train s/trial |")
    lines.append("|---|---|---|---|---|---|---|")
    for kind, by in results.items():
        base = by.get("local", {}).get("wall_s")
        for backend, r in by.items():
            ratio = f"{base / r['wall_s']:.2f}×" if base else "-"
            lines.append(f"| {kind} ({r['trials']} trials) | {backend} | {r['wall_s']:.1f} s | {ratio} | "
                         f"{r['startup_s']:.1f} s | {r['wall_s'] - r['startup_s']:.1f} s | "
                         f"{r['train_s_per_trial']:.1f} s |")
    pb = results.get("post-b", {})
    if "ray" in pb and "processes" in pb:
        ray_up = pb["ray"]["wall_s"] - pb["ray"]["startup_s"]
        proc_up = pb["processes"]["wall_s"] - pb["processes"]["startup_s"]
        lines += ["", f"Ray once its workers are up, post-B: {ray_up:.1f} s against processes' {proc_up:.1f} s "
                      f"({(ray_up / proc_up - 1) * 100:+.0f}%; target within ±10%)."]
    if "local" in pb and "processes" in pb:
        lines.append(f"processes against local, post-B: {pb['local']['wall_s'] / pb['processes']['wall_s']:.2f}× "
                     f"(target ≥ 1.2× on 2 cores).")
    if memory:
        if "error" in memory:
            lines.append(f"Ray memory: not measured ({memory['error']})")
        else:
            lines.append(f"Ray fixed cost: ray.init {memory['init_s']:.1f} s, its {memory['n_daemons']} daemon "
                         f"process(es) {memory['daemons_mb']:.0f} MB RSS; one idle actor with TensorFlow loaded "
                         f"{memory['actor_mb']:.0f} MB RSS, up in {memory['actor_start_s']:.1f} s.")
    pa = results.get("post-a", {})
    source = "processes" if "processes" in pa else next(iter(pa), None)
    if source:
        lines += ["", "Projection, 5 seeds × 7 cases × published post-A:"]
        lines += projection({**pa[source], "backend": source})
    text = "\n".join(lines)
    print(text)
    if a.write:
        path = ROOT / "bench" / "RESULTS.md"
        with open(path, "a") as handle:
            handle.write("\n" + text + "\n")
        print(f"appended to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
