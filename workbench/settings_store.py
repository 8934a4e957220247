"""The window's memory between sessions: the last configuration, in QSettings.

The value is the configuration's own JSON form under a versioned key
(`last-config/v1`), so a future format can sit beside it. Anything that
cannot be read back (garbage, an old schema, a preset that no longer
exists) is ignored and the defaults are used: a broken settings file never
stops the window from opening.

`RCNN_WORKBENCH_SETTINGS=/path/file.ini` keeps the settings in that file
(tests and benchmarks use it so they never touch a user's settings).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QSettings

from .config import ConfigError, ExperimentConfig, load_preset

SETTINGS_ENV = "RCNN_WORKBENCH_SETTINGS"
ORGANISATION = "rcnn-workbench"
APPLICATION = "RCNN Workbench"
CONFIG_KEY = "last-config/v1"
DEFAULT_PRESET = "quick"


def default_config() -> ExperimentConfig:
    """What a first-run user sees: the quick preset (offline sample, all seven cases)."""
    return load_preset(DEFAULT_PRESET)


class SettingsStore:
    def __init__(self, path: Path | str | None = None):
        path = path if path is not None else os.environ.get(SETTINGS_ENV, "").strip() or None
        if path:
            self._settings = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self._settings = QSettings(ORGANISATION, APPLICATION)
        self.last_problem: str | None = None    # why the stored value was ignored, if it was

    @property
    def path(self) -> str:
        return self._settings.fileName()

    def load_config(self) -> ExperimentConfig:
        """The last saved configuration, or the default one; never raises."""
        self.last_problem = None
        try:
            raw = self._settings.value(CONFIG_KEY)
        except Exception as exc:              # an unreadable settings file
            self.last_problem = f"settings unreadable: {exc}"
            return default_config()
        if raw is None or raw == "":
            return default_config()
        try:
            data = json.loads(str(raw))
            if not isinstance(data, dict):
                raise ConfigError("not a configuration object")
            return ExperimentConfig.from_dict(data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:   # ConfigError is a ValueError
            self.last_problem = f"saved configuration ignored ({exc})"
            return default_config()

    def save_config(self, config: ExperimentConfig) -> None:
        self._settings.setValue(CONFIG_KEY, json.dumps(config.to_dict()))
        self._settings.sync()

    def value(self, key: str, default=None):
        try:
            value = self._settings.value(key)
        except Exception:
            return default
        return default if value is None else value

    def set_value(self, key: str, value) -> None:
        self._settings.setValue(key, value)

    def clear(self) -> None:
        self._settings.clear()
        self._settings.sync()
