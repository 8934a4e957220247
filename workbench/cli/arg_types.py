"""Argument types shared by every subcommand (run, study, claims): one wording for a bad number."""
from __future__ import annotations

import argparse


def int_at_least(minimum: int):
    """An argparse type: a whole number ≥ minimum, or one line saying what is wrong."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} must be ≥ {minimum}")
        return value
    return parse


positive_int, nonneg_int = int_at_least(1), int_at_least(0)


def number(text):
    """An argparse type: any float, or one line saying the text is not a number."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
