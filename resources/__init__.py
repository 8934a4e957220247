"""Small data shipped with the application: presets, the offline sample, published logs, icons.

An importable package so `pip install .` carries it as package data; every
reader finds a file through `importlib.resources` (here), never through a
path built from another module's `__file__`.
"""
from __future__ import annotations

from importlib import resources as _resources
from importlib.resources.abc import Traversable


def root() -> Traversable:
    return _resources.files(__name__)


def presets() -> Traversable:
    """Folder of preset JSON files."""
    return root() / "presets"


def sample() -> Traversable:
    """The offline MNIST sample (see README_sample.md)."""
    return root() / "mnist_sample.npz"


def published_logs() -> Traversable:
    """Folder of the 2018 console logs that the workbench can import and overlay."""
    return root() / "published_logs"


def claims() -> Traversable:
    """The published claims and the comparison that tests each (workbench.claims.claim_set)."""
    return root() / "claims.json"


def claim_scales() -> Traversable:
    """The study sizes `claims --scale quick|medium|published` runs."""
    return root() / "claim_scales.json"


def icon(kind: str = "svg") -> Traversable:
    """The application icon, "svg" or "png"."""
    return root() / "icons" / f"rcnn-workbench.{kind}"
