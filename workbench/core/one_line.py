"""An error in the one line a run folder, a study.json entry or the window shows for it.

A training run can fail anywhere (data, TensorFlow's tracing, a full disk); the
record keeps the traceback, and this line says what happened without it.
"""
from __future__ import annotations


def one_line(exc: BaseException) -> str:
    """'<file>: <reason>' for an OS error, the bare message for the workbench's own errors,
    '<Type>: <message>' otherwise; TensorFlow's traced errors by their cause (their last line)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # TensorFlow wraps errors raised while tracing: the cause is on the last line.
    text = lines[-1] if lines and lines[0].startswith("in user code") else (lines[0] if lines else "")
    name = type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    if name in ("DataError", "ConfigError", "ValueError", "RunFolderError"):
        return text or name
    return f"{name}: {text}" if text else name
