"""The device a run trained on, as its manifest records it, in words for the window."""
from __future__ import annotations

from pathlib import Path

from workbench.core.json_reader import read_json


def recorded_device(run_dir) -> dict | None:
    """manifest.json's environment.device (engine/device.py), or None when not (yet) recorded."""
    try:
        manifest = read_json(Path(run_dir) / "manifest.json", what="run manifest")
    except (OSError, ValueError):
        return None
    device = (manifest.get("environment") or {}).get("device")
    return device if isinstance(device, dict) else None


def device_text(device: dict | None) -> str:
    """Short status-bar text: "CPU", "GPU: NVIDIA …"; empty when unknown."""
    if not device:
        return ""
    return str(device.get("label") or device.get("type") or "")


def device_tooltip(device: dict | None) -> str:
    if not device:
        return ""
    return f"Trained on {device.get('type')}: {device.get('description')} ({device.get('name')})"
