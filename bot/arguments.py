"""The command line's argument types: each checks a value while the arguments are parsed, so a bad one is refused
before anything is read or written, with a message that says what to give instead (argparse prints it and exits 2).
"""

from __future__ import annotations

import argparse
from datetime import date

from flows.campaigns import InvalidRound, check_round


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2026-12-18") from None


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def percentage(text: str) -> float:
    value = text.rstrip("%")
    try:
        number = float(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage between 0 and 100, e.g. 50")
    return number / 100


def round_label(text: str) -> str:
    """A round of the data tool (``flows.campaigns.check_round``: "2026", "2026-27")."""
    try:
        return check_round(text)
    except InvalidRound:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a round: use a short label of letters and digits such as 2026 or 2026-27 (up to 20 "
            "characters; space . _ / - allowed after the first)"
        ) from None
