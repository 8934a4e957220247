"""Which device TensorFlow trains on here: recorded in every manifest, shown in the status bar.

The trainer leaves placement to TensorFlow, which puts the step on the first
visible GPU when there is one and on the CPU otherwise; this reports the same
choice. The numbers of a run can differ between a CPU and a GPU (and between
GPU models), so a re-run compares devices before it compares numbers.
"""
from __future__ import annotations

import logging
import platform
from pathlib import Path

_LOG = logging.getLogger(__name__)


def _cpu_model() -> str:
    """The CPU's marketing name where the system says it (Linux /proc/cpuinfo), else the architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def training_device() -> dict:
    """{"type": "CPU"|"GPU", "name": TensorFlow's device name, "description", "label", "gpus": count}.

    Loads TensorFlow (quietly) if it is not loaded yet.
    """
    from .tensorflow_loader import import_tensorflow
    tf = import_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    _LOG.debug("TensorFlow %s sees %d GPU(s): %s", tf.__version__, len(gpus), [g.name for g in gpus])
    if gpus:
        try:
            details = tf.config.experimental.get_device_details(gpus[0])
        except (ValueError, RuntimeError):
            details = {}
        model = details.get("device_name") or "GPU"
        capability = details.get("compute_capability")
        description = model + (f" (compute capability {capability[0]}.{capability[1]})" if capability else "")
        return {"type": "GPU", "name": "/device:GPU:0", "description": description,
                "label": f"GPU: {model}", "gpus": len(gpus)}
    return {"type": "CPU", "name": "/device:CPU:0", "description": _cpu_model(),
            "label": "CPU", "gpus": 0}


def describe(device: dict | None) -> str:
    """One short phrase for a recorded device (old manifests have none)."""
    if not device:
        return "device not recorded"
    return device.get("label") or device.get("type", "unknown device")
