"""The device a run trained on, as its manifest records it, in words for the window."""
from __future__ import annotations

import json
from pathlib import Path


def recorded_device(run_dir) -> dict | None:
    """manifest.json's environment.device (engine/device.py), or None when not (yet) recorded."""
    try:
        manifest = json.loads((Path(run_dir) / "manifest.json").read_text())
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
