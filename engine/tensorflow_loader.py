"""Load TensorFlow without its start-up chatter (unless asked for it).

TensorFlow 2.21 writes its start-up lines (oneDNN notice, CUDA stub probe,
"All log messages before absl::InitializeLog()") from C++ before absl reads
TF_CPP_MIN_LOG_LEVEL, and twice because two of its libraries carry absl, so
no environment variable silences them. We therefore catch file descriptor 2
while `import tensorflow` runs and write back only what matters: lines at or
above TF_CPP_MIN_LOG_LEVEL (default 3, fatal only: otherwise a CPU-only
machine shows "failed call to cuInit" errors that mean nothing there) and
anything that is not a TensorFlow log line (a Python warning, say). With
RCNN_WORKBENCH_VERBOSE set nothing is caught. The dropped lines go to the "engine.tensorflow" logger at
DEBUG level.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import threading

VERBOSE_ENV = "RCNN_WORKBENCH_VERBOSE"
_LOG = logging.getLogger("engine.tensorflow")
_LOCK = threading.Lock()
# absl/glog layout: I0000 00:00:1795324954.939804    7425 port.cc:153] message
_ABSL_LINE = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:[\d.]+\s+\d+ [^\]]*\] ")
_ABSL_BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}


def _min_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    except ValueError:
        return 3


def filter_startup_lines(text: str, min_level: int) -> tuple[list[str], list[str]]:
    """Split captured stderr into (kept, dropped) lines."""
    kept, dropped = [], []
    dropping = False                  # a dropped message's continuation lines go with it
    for line in text.splitlines():
        match = _ABSL_LINE.match(line)
        if match:
            dropping = _SEVERITY[match.group(1)] < min_level
        elif line.strip() == _ABSL_BANNER:
            dropping = True
        elif not line.strip():
            continue
        (dropped if dropping else kept).append(line)
    return kept, dropped


def import_tensorflow():
    """`import tensorflow`, quietly unless verbose; returns the module."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    verbose = os.environ.get(VERBOSE_ENV, "").strip() not in ("", "0")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if verbose else "3")
    if verbose:
        import tensorflow
        return tensorflow
    with _LOCK:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):     # no usable stderr (e.g. a desktop launch)
            import tensorflow
            return tensorflow
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                import tensorflow
            finally:
                try:
                    sys.stderr.flush()
                except (OSError, ValueError):
                    pass
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                kept, dropped = filter_startup_lines(sink.read().decode("utf-8", "replace"), _min_level())
                for line in dropped:
                    _LOG.debug("%s", line)
                if kept:
                    sys.stderr.write("\n".join(kept) + "\n")
                    sys.stderr.flush()
    return tensorflow
