"""The `lane` command's argument checking: the parser that reports a usage error in one line (exit 2), and the
types every numeric or file flag is read with, so that a bad value is refused where it is typed, naming the flag
and the range, before anything starts. Exit codes of every `lane` command (README "Exit codes"):

- 0: done;
- 1: the work ran and failed, or found a problem (a database that is not there, refused rows, a failed check);
- 2: a usage or configuration error: nothing was started;
- 130: interrupted (Ctrl-C or SIGTERM) after a clean stop.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

USAGE = 2
FAILED = 1
INTERRUPTED = 130


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: `lane simulate: --hours: expected ..., got -3 (lane simulate
    --help)`. Sub-command parsers are made of the same class (argparse's add_subparsers does that)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # `--lane` is not taken for `--lanes`
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(USAGE)


def number(
    kind: type[int] | type[float], low: float | None = None, high: float | None = None, above: bool = False
) -> Callable[[str], float]:
    """An argparse type: a finite int or float within [low, high] (or above `low` when `above`)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        too_low = low is not None and (value <= low if above else value < low)
        if too_low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {_range(low, high, above)}, got {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def _range(low: float | None, high: float | None, above: bool) -> str:
    if low is not None and high is not None and not above:
        return f"{low:g} to {high:g}"
    lo = "" if low is None else (f"more than {low:g}" if above else f"at least {low:g}")
    hi = "" if high is None else f"at most {high:g}"
    return " and ".join(p for p in (lo, hi) if p)


def whole(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number within [low, high]."""
    check = number(int, low, high)

    def parse(text: str) -> int:
        return int(check(text))

    parse.__name__ = "int"
    return parse


def positive(high: float | None = None) -> Callable[[str], float]:
    """An argparse type: a number more than 0 (and at most `high`)."""
    return number(float, 0, high, above=True)


def out_file(text: str) -> Path:
    """An argparse type: a file the command will write: its folder must exist and be writable, and it must not be a
    folder itself. Checked before any work is done, so a typo is not found after a long run."""
    path = Path(text)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"the folder {folder} is not writable")
    return path


def in_file(text: str) -> Path:
    """An argparse type: a file the command reads: it must exist and be a file."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text} does not exist")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a file")
    return path


def iso_date(text: str) -> date:
    """An argparse type: a day written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day YYYY-MM-DD, got {text!r}") from None
