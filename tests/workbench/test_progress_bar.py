"""The command line's progress: live on a terminal, one line per epoch in a file."""
from __future__ import annotations

import io

from engine.events import CaseEpoch, EpochEvent, Progress, StepEvent
from workbench.cli import ProgressBar
from workbench.config import load_preset


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
            bar._last = 0.0                       # as if the redraw interval had passed
        metrics = {"1": CaseEpoch(1.0, 0.5, 1.1, 0.4 + epoch / 10)}
        bar.on_epoch(EpochEvent(0, epoch, metrics, (), Progress((epoch + 1) * steps, total, 1.0, 2.0), 1.0), None)


def test_redirected_to_a_file_it_writes_one_line_per_epoch():
    config = load_preset("quick").with_train(epochs=3)
    stream = _Stream(tty=False)
    _feed(ProgressBar(config, stream=stream))
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert lines[0] == "training…"
    assert [line.split(" done")[0].split()[-1] for line in lines[1:]] == ["1/3", "2/3", "3/3"]
    assert not any(" step " in line for line in lines)


def test_on_a_terminal_the_bar_redraws_in_place():
    config = load_preset("quick").with_train(epochs=3)
    stream = _Stream(tty=True)
    _feed(ProgressBar(config, stream=stream))
    text = stream.getvalue()
    assert text.count("\r\x1b[2K") >= 3 * 4       # every step redraws the same line
    assert "step 4/4" in text and text.count("\n") == 3   # the status is overwritten; each epoch kept


def test_quiet_writes_nothing():
    stream = _Stream(tty=False)
    _feed(ProgressBar(load_preset("quick"), stream=stream, quiet=True))
    assert stream.getvalue() == ""
