"""The one command interface for operator actions. The console, the simulated operator and the tests all
build a `Command` and hand it to `Site.execute`, which routes it to the lane and writes the audit row."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    CONFIRM = "confirm"  # documents checked / payment received (needs receipt) / photo accepted / card handed over
    REJECT = "reject"  # documents refused (needs reason)
    ENTER_PLATE = "enter_plate"  # type the plate (needs plate)
    RETRY = "retry"  # run the current stage again (retake photo, re-read plate, re-print after a failed print)
    ABORT = "abort"  # end the cycle and let the vehicle out (needs reason)
    RESUME = "resume"  # after a fault is cleared, go back to the stage that faulted
    OPEN_LANE = "open_lane"
    CLOSE_LANE = "close_lane"  # at once when idle, else after the vehicle in the lane has left
    CLEAR_PRINTER = "clear_printer"  # clear the printer's mechanical error state


@dataclass(frozen=True)
class Command:
    lane: str
    action: Action
    operator: str
    reason: str = ""
    plate: str = ""
    receipt: str = ""

    def args(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k in ("reason", "plate", "receipt") and v}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def parse(text: str, operator: str) -> Command:
    """A command from one line, as typed: `LANE ACTION [key=value ...]`, e.g. `L1 abort reason=driver left`.
    Raises ValueError with what was expected."""
    words = text.split()
    if len(words) < 2:
        raise ValueError("expected: LANE ACTION [reason=... plate=... receipt=...]")
    lane, action, rest = words[0], words[1].lower(), " ".join(words[2:])
    try:
        act = Action(action)
    except ValueError:
        raise ValueError(f"unknown action {action!r}; one of: {', '.join(a.value for a in Action)}") from None
    values: dict[str, str] = {}
    key = None
    for part in rest.split(" ") if rest else []:
        name, eq, value = part.partition("=")
        if eq and name in ("reason", "plate", "receipt"):
            key = name
            values[key] = value
        elif key is not None:
            values[key] += " " + part
        else:
            raise ValueError(f"expected key=value (reason, plate or receipt), got {part!r}")
    return Command(lane, act, operator, **values)
