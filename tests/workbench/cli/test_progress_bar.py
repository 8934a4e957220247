"""The command line's progress: live on a terminal, one line per epoch in a file, numbered as the window does."""
from __future__ import annotations

import io

import pytest

from engine.events import CaseEpoch, EpochEvent, Progress, StepEvent
from workbench.records import metrics as M
from workbench.cli.main import ProgressBar, main
from workbench.core.config import load_preset
from tests.workbench.execution.test_throttle import ticking_clock


@pytest.fixture(autouse=True)
def redraw_interval_passes(monkeypatch):
    """Each reading of the throttle's clock is a second later: every step is past the redraw interval."""
    ticking_clock(monkeypatch, start=1000.0, tick=1.0)


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def _feed(bar, epochs=3, steps=4):
    total = epochs * steps
    bar.on_status("training")
    for epoch in range(epochs):
        for step in range(1, steps + 1):
            done = epoch * steps + step
            bar.on_step(StepEvent(0, epoch, step, steps, {"1": (1.0, 0.5)}, Progress(done, total, done, 1.0)))
        metrics = {"1": CaseEpoch(1.0, 0.5, 1.1, 0.4 + epoch / 10)}
        bar.on_epoch(EpochEvent(0, epoch, metrics, (), Progress((epoch + 1) * steps, total, 1.0, 2.0), 1.0), None)


def test_redirected_to_a_file_it_writes_one_line_per_epoch():
    config = load_preset("quick").with_train(epochs=3)
    stream = _Stream(tty=False)
    _feed(ProgressBar(config, stream=stream))
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert lines[0] == "training…"
    assert [line.split(" · epoch done")[0].split("% ")[-1] for line in lines[1:]] == [
        "epoch 0 of 0–2", "epoch 1 of 0–2", "epoch 2 of 0–2"]            # from 0, as in metrics.csv
    assert not any(" step " in line for line in lines)


def test_on_a_terminal_the_bar_redraws_in_place():
    config = load_preset("quick").with_train(epochs=3)
    stream = _Stream(tty=True)
    _feed(ProgressBar(config, stream=stream))
    text = stream.getvalue()
    assert text.count("\r\x1b[2K") >= 3 * 4       # every step redraws the same line
    assert "step 4/4" in text and text.count("\n") == 3   # the status is overwritten; each epoch kept
    assert "epoch 0 of 0–2 · step 1/4" in text and "epoch 2 of 0–2 · step 4/4" in text


def test_quiet_writes_nothing():
    stream = _Stream(tty=False)
    _feed(ProgressBar(load_preset("quick"), stream=stream, quiet=True))
    assert stream.getvalue() == ""


def test_a_run_prints_trials_and_epochs_numbered_as_the_window_and_metrics_csv_do(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--cases", "0,1", "--epochs", "2", "--trials", "2", "--train-limit", "50",
                 "--test-limit", "20", "--batch-size", "25", "--pack", "off", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    done = [line.split("% ", 1)[1].split(" · epoch done")[0] for line in err.splitlines() if "epoch done" in line]
    assert done == ["trial 0 of 0–1 · epoch 0 of 0–1", "trial 0 of 0–1 · epoch 1 of 0–1",
                    "trial 1 of 0–1 · epoch 0 of 0–1", "trial 1 of 0–1 · epoch 1 of 0–1"]
    assert "building trial 0 of 0–1…" in err and "building trial 1 of 0–1…" in err
    # The same numbers the run folder keeps.
    kept = sorted({(r.trial, r.epoch) for r in M.read_metrics(out / "metrics.csv")})
    assert [f"trial {t} of 0–1 · epoch {e} of 0–1" for t, e in kept] == done
    # Fraction, elapsed and ETA cover the whole run, not one trial: half way after trial 0.
    percents = [line.split("]", 1)[1].split("%")[0].strip() for line in err.splitlines() if "epoch done" in line]
    assert percents == ["25", "50", "75", "100"]


def test_a_packed_run_prints_each_trials_epochs_and_counts_the_pack_once(tmp_path, capsys):
    """Two trials in one pack: their epochs interleave, and the whole run is halfway after the
    pack's first epoch whichever trial reports it."""
    out = tmp_path / "run"
    assert main(["run", "--cases", "0,1", "--epochs", "2", "--trials", "2", "--train-limit", "50",
                 "--test-limit", "20", "--batch-size", "25", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    done = [line.split("% ", 1)[1].split(" · epoch done")[0] for line in err.splitlines() if "epoch done" in line]
    assert done == ["trial 0 of 0–1 · epoch 0 of 0–1", "trial 1 of 0–1 · epoch 0 of 0–1",
                    "trial 0 of 0–1 · epoch 1 of 0–1", "trial 1 of 0–1 · epoch 1 of 0–1"]
    assert "building trials 0–1 of 0–1 as one pack…" in err
    percents = [line.split("]", 1)[1].split("%")[0].strip() for line in err.splitlines() if "epoch done" in line]
    assert percents == ["50", "50", "100", "100"]
