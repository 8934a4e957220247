"""An error in one line: the file and reason of an OS error, the workbench's own message bare, else its type."""
import errno

from workbench.core.config import ConfigError
from workbench.core.one_line import one_line


def test_an_os_error_names_its_file_and_reason():
    assert one_line(OSError(errno.ENOSPC, "No space left on device", "/runs/a/metrics.csv")) == \
        "/runs/a/metrics.csv: No space left on device"


def test_the_workbenchs_own_errors_are_their_message_and_others_carry_their_type():
    assert one_line(ConfigError("--epochs must be ≥ 1\nmore")) == "--epochs must be ≥ 1"
    assert one_line(RuntimeError("the pipe broke\nsecond line")) == "RuntimeError: the pipe broke"
    assert one_line(KeyError()) == "KeyError"


def test_a_traced_tensorflow_error_is_told_by_its_cause_on_the_last_line():
    traced = RuntimeError("in user code:\n\n    File \"trainer.py\", line 3\n    Incompatible shapes: [50,10] vs [25,10]")
    assert one_line(traced) == "RuntimeError: Incompatible shapes: [50,10] vs [25,10]"
