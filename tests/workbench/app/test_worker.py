"""The QThread bridge: signals, throttling, stop/pause/shutdown, errors; and the settings store."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")

from engine.events import StepEvent
from workbench.core.config import ExperimentConfig
from workbench.records.metrics import read_metrics
from workbench.app.settings_store import CONFIG_KEY, SettingsStore, default_config
from workbench.app.worker import new_run_dir

from tests.workbench.conftest import tiny_run as tiny


def test_tiny_run_emits_every_signal_and_writes_the_folder(qtbot, controller, tmp_path):
    seen = {name: [] for name in ("started", "status", "step", "epoch", "log", "trial_end", "failed")}
    for name, items in seen.items():
        getattr(controller, name).connect(items.append)
    with qtbot.waitSignal(controller.finished, timeout=90_000) as blocker:
        controller.start(tiny(), tmp_path / "run")
    outcome = blocker.args[0]
    assert outcome.status == "completed", outcome.error
    assert seen["started"] == [str(tmp_path / "run")]
    assert "training" in seen["status"]
    assert seen["step"] and all(isinstance(e, StepEvent) for e in seen["step"])
    assert seen["step"][-1].step == seen["step"][-1].steps_per_epoch     # the epoch's last step is never dropped
    assert [e.epoch for e in seen["epoch"]] == [0]
    assert "----- Case 0 -------" in seen["log"][-1] and "----- Case 1 -------" in seen["log"][-1]
    assert len(seen["trial_end"]) == 1 and not seen["failed"]
    rows = read_metrics(tmp_path / "run" / "metrics.csv")
    assert {(r.case, r.split) for r in rows} == {("0", "train"), ("0", "test"), ("1", "train"), ("1", "test")}
    assert not controller.running


def test_stop_ends_the_run_after_its_current_step_and_keeps_finished_epochs(qtbot, controller, tmp_path):
    epochs, steps = [], []
    controller.epoch.connect(epochs.append)
    controller.step.connect(steps.append)
    controller.start(tiny(epochs=200), tmp_path / "run")
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=90_000)
    with qtbot.waitSignal(controller.finished, timeout=90_000) as blocker:
        controller.stop()
        count = len(steps)
    assert len(steps) <= count + 1                  # at most the step in flight: it stopped after that step
    assert blocker.args[0].status == "stopped"
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "stopped"
    rows = read_metrics(tmp_path / "run" / "metrics.csv")
    assert len(rows) >= 4 * len(epochs) - 4 and {r.epoch for r in rows} >= {0}
    assert not controller.running


def test_pause_holds_steps_and_resume_continues(qtbot, controller, tmp_path):
    steps = []
    controller.step.connect(steps.append)
    controller.start(tiny(epochs=200), tmp_path / "run")
    qtbot.waitUntil(lambda: len(steps) >= 2, timeout=90_000)
    controller.pause()
    assert controller.paused
    # Once paused, at most the steps already under way may still arrive: one being computed, one on its way.
    count = len(steps)
    qtbot.waitSignal(controller.step, timeout=3_000, raising=False).wait()
    assert len(steps) <= count + 2
    count = len(steps)
    with qtbot.assertNotEmitted(controller.step, wait=700):
        pass
    assert len(steps) == count
    controller.resume()
    qtbot.waitUntil(lambda: len(steps) > count, timeout=90_000)   # guards against a hang, no speed asserted
    assert controller.shutdown(90_000)


def test_shutdown_mid_run_leaves_no_thread(qtbot, controller, tmp_path):
    steps = []
    controller.step.connect(steps.append)
    controller.start(tiny(epochs=200), tmp_path / "run")
    qtbot.waitUntil(lambda: len(steps) >= 1, timeout=90_000)
    thread = controller._thread
    assert controller.shutdown(90_000)             # True: it ended (a guard, not a measured time)
    assert not thread.isRunning() and not controller.running
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "stopped"


def test_engine_error_reaches_failed_signal_and_manifest(qtbot, controller, tmp_path):
    config = tiny(source=str(tmp_path / "no-such-file.npz"))
    with qtbot.waitSignal(controller.failed, timeout=90_000) as failed:
        controller.start(config, tmp_path / "run")
    assert "no-such-file.npz" in failed.args[0] and "\n" not in failed.args[0]
    qtbot.waitUntil(lambda: not controller.running, timeout=90_000)
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "no-such-file.npz" in manifest["error"]


def test_new_run_dir_uses_env_and_is_unique(tmp_path, monkeypatch):
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(tmp_path))
    config = ExperimentConfig()
    a = new_run_dir(config)
    assert a.parent == tmp_path and a.name.endswith("-post-a")
    assert a.is_dir() and not any(a.iterdir())       # created, exclusively, and empty
    b = new_run_dir(config)
    assert b != a and b.is_dir()


# ------------------------------------------------------------------ settings store
def test_settings_round_trip(tmp_path):
    store = SettingsStore(tmp_path / "s.ini")
    config = tiny().with_train(seed=7, learning_rate=0.002)
    store.save_config(config)
    again = SettingsStore(tmp_path / "s.ini").load_config()
    assert again == config


@pytest.mark.parametrize("garbage", ["{not json", "[1, 2]", json.dumps({"arch": "nope"}),
                                     json.dumps({"train": {"epochs": -3}}), json.dumps({"schema_version": 99})])
def test_corrupt_settings_fall_back_to_defaults(tmp_path, garbage):
    store = SettingsStore(tmp_path / "s.ini")
    store.set_value(CONFIG_KEY, garbage)
    store.sync()
    loaded = SettingsStore(tmp_path / "s.ini")
    assert loaded.load_config() == default_config()
    assert loaded.last_problem


def test_missing_settings_give_the_quick_preset_on_the_offline_sample(tmp_path):
    config = SettingsStore(tmp_path / "none.ini").load_config()
    assert config.preset == "quick" and config.data.source == "sample" and len(config.cases) == 7
