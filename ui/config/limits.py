"""What the window's fields can show, checked before a configuration is put into them.

A configuration may come from a settings file, a saved configuration or a
run's manifest made by the command line, which accepts numbers no field of
the window can hold (10^10 epochs, a 2^40 training limit). Such a
configuration is not shown half-way or allowed to crash a widget: the window
shows the default instead and says why, in one line.
"""
from __future__ import annotations

from workbench.core.config import ExperimentConfig

EPOCHS_MAX = 1_000_000          # the case panel's fields (ui/config/case_panel.py)
BATCH_MAX = 1_000_000
LEARNING_RATE_MAX = 10.0
SEED_MAX = 2**31 - 1
TRIALS_MAX = 100
LIMIT_MAX = 10_000_000          # the data panel's spin boxes (ui/config/data_panel.py)


def window_problem(config: ExperimentConfig) -> str | None:
    """Why the window cannot show `config` as it is, or None."""
    t, d = config.train, config.data
    checks = (
        ("epochs", t.epochs, EPOCHS_MAX), ("batch size", t.batch_size, BATCH_MAX),
        ("learning rate", t.learning_rate, LEARNING_RATE_MAX), ("seed", t.seed, SEED_MAX),
        ("trials", config.trials, TRIALS_MAX), ("training limit", d.train_limit or 0, LIMIT_MAX),
        ("test limit", d.test_limit or 0, LIMIT_MAX), ("training skip", d.train_skip or 0, LIMIT_MAX),
    )
    for name, value, maximum in checks:
        if value > maximum:
            return f"{name} {value:,} is more than the window's fields hold ({maximum:,})"
    return config.problem()
