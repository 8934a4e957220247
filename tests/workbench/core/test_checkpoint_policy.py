"""--checkpoint-every: N epochs, a time, or off; always at a trial's end unless off."""
import pytest

from workbench.core.checkpoint_policy import ENVIRONMENT, CheckpointClock, CheckpointPolicy


class Ticks:
    """A clock the test moves by hand."""
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize("text,epochs,seconds", [("3", 3, None), ("10m", None, 600.0), ("30s", None, 30.0),
                                                 ("1h", None, 3600.0), ("off", None, None), (" OFF ", None, None)])
def test_the_forms_parse(text, epochs, seconds):
    policy = CheckpointPolicy.parse(text)
    assert (policy.epochs, policy.seconds) == (epochs, seconds)


@pytest.mark.parametrize("text", ["0", "-1", "soon", "10 minutes", "0m", "1.5", ""])
def test_other_forms_are_refused_in_one_line(text):
    with pytest.raises(ValueError) as caught:
        CheckpointPolicy.parse(text)
    assert "--checkpoint-every" in str(caught.value) and "\n" not in str(caught.value)


def test_the_default_is_time_based_unless_the_machine_says_otherwise(monkeypatch):
    monkeypatch.delenv(ENVIRONMENT, raising=False)
    assert CheckpointPolicy.parse(None).seconds == 300.0
    monkeypatch.setenv(ENVIRONMENT, "off")
    assert CheckpointPolicy.parse(None).off


def test_every_n_epochs_and_at_the_end():
    clock = CheckpointClock(CheckpointPolicy.parse("2"))
    assert [clock.due(e, last=e == 5) for e in range(1, 6)] == [False, True, False, True, True]


def test_a_time_based_policy_writes_at_most_that_often_counted_from_the_start_and_at_the_end():
    ticks = Ticks()
    clock = CheckpointClock(CheckpointPolicy.parse("10s"), clock=ticks)
    clock.start()
    ticks.now += 9
    assert not clock.due(1, last=False)
    ticks.now += 1
    assert clock.due(2, last=False)
    clock.written()
    ticks.now += 3
    assert not clock.due(3, last=False)
    assert clock.due(4, last=True)


def test_off_never_writes_not_even_at_the_end():
    assert not CheckpointClock(CheckpointPolicy.parse("off")).due(4, last=True)


def test_unstarted_time_based_clock_is_due_at_once():
    assert CheckpointClock(CheckpointPolicy.parse("1h")).due(1, last=False)
