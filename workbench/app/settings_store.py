"""The window's memory between sessions: plain JSON data in one file, never pickled objects.

The file (default ``$XDG_CONFIG_HOME/rcnn-workbench/settings.json``, i.e.
``~/.config/rcnn-workbench/settings.json``; ``RCNN_WORKBENCH_SETTINGS=/path``
keeps it elsewhere, as tests and benchmarks do) holds one JSON object. The
last configuration sits under a versioned key (``last-config/v1``) in its own
JSON form, so a future format can sit beside it.

Why not QSettings: reading a QSettings value that holds a Python object
unpickles it, so a planted settings file could run code when the window
starts. Here nothing but JSON is ever parsed. Anything that cannot be read
back (not JSON, a pickled or Qt-serialised value, an old schema, a preset
that no longer exists) is ignored with a one-line reason in `last_problem`,
and the defaults are used: a broken settings file never stops the window
from opening.
"""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from workbench.core.config import ConfigError, ExperimentConfig, load_preset
from workbench.core.paths import APP_NAME

SETTINGS_ENV = "RCNN_WORKBENCH_SETTINGS"
CONFIG_KEY = "last-config/v1"
DEFAULT_PRESET = "quick"
MAX_BYTES = 1024 * 1024
_BYTES_TAG = "$base64"


def default_config() -> ExperimentConfig:
    """What a first-run user sees: the quick preset (offline sample, all seven cases)."""
    return load_preset(DEFAULT_PRESET)


def default_settings_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    return (Path(base).expanduser() if base else Path.home() / ".config") / APP_NAME / "settings.json"


def _looks_serialised(raw: bytes) -> str | None:
    """Name the kind of non-JSON object serialisation found in a settings file, if any."""
    if raw[:1] == b"\x80" or b"PyObjectWrapper" in raw or b"\\x80\\x4" in raw:
        return "a pickled Python object"
    if b"@Variant(" in raw or b"@ByteArray(" in raw:
        return "a Qt-serialised value"
    return None


def _plain(value):
    """JSON-ready plain data; bytes (e.g. a window geometry) as base64 text."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (bytes, bytearray)):
        return {_BYTES_TAG: base64.b64encode(bytes(value)).decode("ascii")}
    if hasattr(value, "data") and callable(value.data) and type(value).__name__ == "QByteArray":
        return {_BYTES_TAG: base64.b64encode(bytes(value.data())).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v) for k, v in value.items()}
    raise TypeError(f"settings hold plain data only (text, numbers, lists, objects), not {type(value).__name__}")


def _unplain(value):
    if isinstance(value, dict) and set(value) == {_BYTES_TAG} and isinstance(value[_BYTES_TAG], str):
        try:
            return base64.b64decode(value[_BYTES_TAG], validate=True)
        except ValueError:
            return None
    return value


class SettingsStore:
    def __init__(self, path: Path | str | None = None):
        path = path if path is not None else os.environ.get(SETTINGS_ENV, "").strip() or None
        self._path = Path(path) if path else default_settings_path()
        self.last_problem: str | None = None    # why (part of) the stored settings were ignored
        self._data: dict = {}
        self._read_problem: str | None = None
        self._load()

    @property
    def path(self) -> str:
        return str(self._path)

    # ------------------------------------------------------------------ file
    def _load(self) -> None:
        try:
            with open(self._path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return
        except OSError as exc:
            self._read_problem = f"settings file {self._path} unreadable ({exc.strerror}); ignored"
            return
        if len(raw) > MAX_BYTES:
            self._read_problem = f"settings file {self._path} is larger than 1 MiB; ignored"
            return
        kind = _looks_serialised(raw)
        if kind:
            self._read_problem = f"settings file {self._path} holds {kind}; ignored, not loaded"
            return
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            self._read_problem = f"settings file {self._path} is not JSON ({getattr(exc, 'msg', exc)}); ignored"
            return
        if not isinstance(data, dict):
            self._read_problem = f"settings file {self._path} is not a JSON object; ignored"
            return
        self._data = data

    def sync(self) -> None:
        """Write the settings (atomically; plain JSON)."""
        from workbench.core.atomic_write import atomic_write
        self._path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self._path, json.dumps(self._data, indent=2, sort_keys=True) + "\n")
        self._read_problem = None

    # ------------------------------------------------------------ configuration
    def load_config(self) -> ExperimentConfig:
        """The last saved configuration, or the default one; never raises."""
        self.last_problem = self._read_problem
        raw = self._data.get(CONFIG_KEY)
        if raw is None or raw == "":
            return default_config()
        try:
            data = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(data, dict):
                raise ConfigError("not a configuration object")
            return ExperimentConfig.from_dict(data)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            self.last_problem = f"saved configuration ignored ({exc})"
            return default_config()

    def save_config(self, config: ExperimentConfig) -> None:
        self._data[CONFIG_KEY] = config.to_dict()
        self.sync()

    # ---------------------------------------------------------------- values
    def value(self, key: str, default=None):
        value = self._data.get(key)
        return default if value is None else _unplain(value)

    def set_value(self, key: str, value) -> None:
        self._data[key] = _plain(value)

    def clear(self) -> None:
        self._data = {}
        self.sync()
