"""The environment record: everything outside the configuration that changes a run's numbers.

`capture()` is plain JSON data and callable in any process (the window, the
CLI, a study's worker process or Ray node), before or after TensorFlow loads.
`apply_threads(record)` puts recorded TensorFlow thread settings (and the
oneDNN switch) in place before TensorFlow initialises, which is what makes a
re-run of a run made with TF_NUM_INTRAOP_THREADS=1 repeat it bit for bit.
`differences(recorded, current)` names what a re-run cannot reproduce.
"""
from __future__ import annotations

import hashlib
import os
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from engine import ENGINE_VERSION, ENGINE_VERSIONS
from workbench.core.version import app_version  # noqa: F401  (recorded in every manifest)

ROOT = Path(__file__).resolve().parents[2]

INTRA_ENV, INTER_ENV, ONEDNN_ENV = "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "TF_ENABLE_ONEDNN_OPTS"
# Variables that change numbers or the hardware TensorFlow uses; recorded as they were (None: unset).
NUMERIC_ENV = (INTRA_ENV, INTER_ENV, ONEDNN_ENV, "OMP_NUM_THREADS", "TF_DETERMINISTIC_OPS",
               "TF_CUDNN_DETERMINISTIC", "CUDA_VISIBLE_DEVICES", "TF_XLA_FLAGS")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_state(root: Path = ROOT) -> dict:
    """{"commit": sha or None, "dirty": bool or None}: the code that ran."""
    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5)
    try:
        head = git("rev-parse", "HEAD")
        if head.returncode != 0:
            return {"commit": None, "dirty": None}
        status = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": head.stdout.strip() or None,
            "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}


def cpu_info() -> dict:
    model, flags = platform.processor() or None, None
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model in (None, "", "x86_64"):
                    model = value.strip()
                elif key in ("flags", "Features") and flags is None:
                    flags = " ".join(sorted(value.split()))
                if key == "" and flags is not None:
                    break          # the first processor's block is enough
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    return {"model": model, "flags": flags, "count": os.cpu_count(), "usable": usable,
            "machine": platform.machine()}


def _int_env(name: str) -> int | None:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return None


def thread_settings() -> dict:
    """TensorFlow's requested thread pools: tf.config when TF is loaded and set, else the env vars.

    0 means TensorFlow's default, which is the number of usable CPUs (recorded under cpu.usable).
    """
    intra, inter = _int_env(INTRA_ENV) or 0, _int_env(INTER_ENV) or 0
    source = "environment" if (intra or inter) else "default"
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        try:
            t_intra = tf.config.threading.get_intra_op_parallelism_threads()
            t_inter = tf.config.threading.get_inter_op_parallelism_threads()
        except Exception:
            t_intra = t_inter = 0
        if t_intra or t_inter:
            intra, inter, source = t_intra or intra, t_inter or inter, "tf.config"
    return {"intra_op": int(intra), "inter_op": int(inter), "source": source}


def capture(argv: list[str] | None = None) -> dict:
    """The environment of the calling process as plain JSON data."""
    git = git_state()
    return {
        "app_version": app_version(),
        "engine_version": ENGINE_VERSION,
        "python": platform.python_version(),
        "tensorflow": _version("tensorflow") or _version("tensorflow-cpu"),
        "numpy": _version("numpy"),
        "pyside6": _version("PySide6-Essentials") or _version("PySide6"),
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "command_line": list(sys.argv if argv is None else argv),
        "git": git,
        "git_commit": git.get("commit"),
        "cpu": cpu_info(),
        "cpu_count": os.cpu_count(),
        "threads": thread_settings(),
        "onednn": os.environ.get(ONEDNN_ENV),          # None: TensorFlow's default (on, on x86 Linux)
        "env": {name: os.environ.get(name) for name in NUMERIC_ENV},
    }


def tensorflow_facts() -> dict:
    """What the training process knows once TensorFlow is loaded: threads as TF sees them, devices."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return {}
    facts = {"threads": thread_settings()}
    try:
        facts["devices"] = [d.name for d in tf.config.list_logical_devices()]
    except Exception:
        pass
    return facts


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_checksums(paths) -> list[dict]:
    """[{"path", "bytes", "sha256"}] for every data file used; unreadable ones say why."""
    out = []
    for p in paths:
        p = Path(p)
        try:
            out.append({"path": str(p.resolve()), "bytes": p.stat().st_size, "sha256": sha256_file(p)})
        except OSError as exc:
            out.append({"path": str(p), "bytes": None, "sha256": None, "error": exc.strerror})
    return out


# ------------------------------------------------------------------- re-runs
def apply_threads(record: dict) -> list[str]:
    """Put the recorded thread counts and oneDNN switch in place for TensorFlow; call before it loads.

    Returns what could not be applied (recorded vs current), empty when all was.
    """
    problems = []
    threads = (record or {}).get("threads") or {}
    tf = sys.modules.get("tensorflow")
    # Environment variables only take effect before TensorFlow loads; once it has, changing them
    # would only make this process's later records lie about what it runs with.
    for key, name in (("intra_op", INTRA_ENV), ("inter_op", INTER_ENV)) if tf is None else ():
        value = threads.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            continue
        if value:
            os.environ[name] = str(value)
        else:
            os.environ.pop(name, None)
    if tf is not None:
        for key, setter, getter in (
                ("intra_op", "set_intra_op_parallelism_threads", "get_intra_op_parallelism_threads"),
                ("inter_op", "set_inter_op_parallelism_threads", "get_inter_op_parallelism_threads")):
            value = threads.get(key)
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            try:
                getattr(tf.config.threading, setter)(value)
            except Exception:
                current = thread_settings()[key]
                if current != value:
                    problems.append(f"{key.replace('_', '-')} threads: recorded {value}, current {current} "
                                    f"(TensorFlow is already running in this process; "
                                    f"use `main.py rerun` from a fresh process)")
    if "onednn" in (record or {}):
        wanted, current = record.get("onednn"), os.environ.get(ONEDNN_ENV)
        if tf is not None and wanted != current:
            problems.append(f"oneDNN ({ONEDNN_ENV}): recorded {wanted!r}, current {current!r} "
                            f"(TensorFlow is already loaded in this process)")
        elif wanted is None:
            os.environ.pop(ONEDNN_ENV, None)
        else:
            os.environ[ONEDNN_ENV] = str(wanted)
    return problems


def _get(record: dict, dotted: str):
    value = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


# (dotted key, label) of facts that can change the numbers.
NUMERIC_FACTS = (
    ("tensorflow", "TensorFlow"), ("numpy", "NumPy"), ("python", "Python"),
    ("threads.intra_op", "intra-op threads"), ("threads.inter_op", "inter-op threads"),
    ("onednn", "oneDNN (TF_ENABLE_ONEDNN_OPTS)"), ("cpu.model", "CPU model"), ("cpu.flags", "CPU flags"),
    ("cpu.usable", "usable CPUs"), ("git.commit", "git commit"), ("git.dirty", "uncommitted changes"),
    ("env.OMP_NUM_THREADS", "OMP_NUM_THREADS"), ("env.CUDA_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES"),
)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + f"… ({len(text)} chars)"


def engine_difference(recorded: dict, current: dict) -> str | None:
    """"engine: ..." when the engine that wrote the record computes differently from the current one.

    A manifest without an engine version was written by engine version 1 (before versions were
    recorded), so a re-run of it says that the engine changed instead of a bare mismatch.
    """
    if not recorded:
        return None
    then, now = recorded.get("engine_version", 1), current.get("engine_version", ENGINE_VERSION)
    if then == now:
        return None
    def name(v):
        return f"version {v} ({ENGINE_VERSIONS[v]})" if v in ENGINE_VERSIONS else f"version {_short(v)}"
    return (f"engine: recorded {name(then)}, current {name(now)}; the same maths, summed in another "
            f"order, so float32 results differ in their last bits")


def differences(recorded: dict, current: dict) -> list[str]:
    """'label: recorded X, current Y' for each fact that differs (facts the record lacks are skipped)."""
    engine = engine_difference(recorded, current)
    out = [engine] if engine else []
    for key, label in NUMERIC_FACTS:
        then = _get(recorded, key)
        if then is None and key not in ("onednn", "git.dirty") and not key.startswith("env."):
            continue            # not recorded (an older manifest): nothing to say
        if key.startswith("env.") and "env" not in (recorded or {}):
            continue
        if key == "onednn" and "onednn" not in (recorded or {}):
            continue
        if key == "git.dirty" and then is None:
            continue
        now = _get(current, key)
        if then != now:
            if key == "cpu.flags" and then and now:
                a, b = set(str(then).split()), set(str(now).split())
                out.append(f"{label}: recorded has {len(a - b)} flag(s) the current CPU lacks "
                           f"({' '.join(sorted(a - b)[:5])}), current has {len(b - a)} more")
            else:
                out.append(f"{label}: recorded {_short(then)}, current {_short(now)}")
    return out
