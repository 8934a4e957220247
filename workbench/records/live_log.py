"""The console's live log: a few lines per finished epoch, appended, never re-sent whole.

transparency.txt (the run folder's log in the published post-A layout) has one block per
case, so it changes in the middle as a run goes on; sending it whole every epoch made the
window re-lay-out a growing text in its GUI thread. The console instead gets, per epoch,
one line per case in the order they finished; the file's text is shown once at the end.
Epochs and trials are numbered from 0, as in metrics.csv and transparency.txt.
"""
from __future__ import annotations


def _number(value: float) -> str:
    return f"{value:.6g}" if value == value else "nan"


def epoch_lines(event, case_names: dict[str, str], trials: int = 1) -> str:
    """The console text for one EpochEvent (ends with a newline)."""
    where = f"trial {event.trial} · " if trials > 1 else ""
    lines = [f"====== {where}epoch {event.epoch} ======"]
    for key, m in event.metrics.items():
        name = case_names.get(key, key)
        flag = "  DIVERGED" if m.diverged else ""
        lines.append(f"case {key} ({name}): train cost {_number(m.train_cost)}, acc {_number(m.train_accuracy)}"
                     f" | test cost {_number(m.test_cost)}, acc {_number(m.test_accuracy)}{flag}")
    return "\n".join(lines) + "\n"
