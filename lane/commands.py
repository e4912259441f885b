"""The one command interface for operator actions. The console, the simulated operator and the tests all
build a `Command` and hand it to `Site.execute`, which routes it to the lane and writes the audit row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from flows.nik import mask


class Action(StrEnum):
    CONFIRM = "confirm"  # documents (pre-registered) / payment (needs receipt) / photo (needs reason if it failed) /
    # card handed over
    DOCUMENTS = "documents"  # the documents as entered: nik, sim, health_no, health_date, psych_no, psych_date, bpjs
    REJECT = "reject"  # documents refused (needs reason)
    ENTER_PLATE = "enter_plate"  # type the plate (needs plate); later, until the card is printed, correct it
    RETRY = "retry"  # run the current stage again (retake photo, re-read plate, re-print after a failed print)
    ABORT = "abort"  # end the cycle and let the vehicle out (needs reason)
    RESUME = "resume"  # after a fault is cleared, go back to the stage that faulted
    OPEN_LANE = "open_lane"
    CLOSE_LANE = "close_lane"  # at once when idle, else after the vehicle in the lane has left
    CLEAR_PRINTER = "clear_printer"  # clear the printer's mechanical error state
    OPEN_GATE = "open_gate"  # by hand, in any state (needs gate=entry|exit and a reason); the lane does not move
    REPRINT = "reprint"  # at hand-over: the card is spoilt; print a new one, the old one is void (needs reason)
    CARD_OUT = "card_out"  # the printer cannot say whether the job's card came out: out=yes records it, out=no voids
    # the job and prints again
    APPROVE = "approve"  # a supervisor approves the manual receipt another officer entered (lane/receipts.py)
    LOOKUP = "lookup"  # past renewals by one of plate=, sim= or nik= (lane/lookup.py; audited like any command)
    REISSUE = "reissue"  # a new card for a renewal whose driver has left (cycle= and a reason; the old card is void)


#: Characters of a reason, plate, receipt or documents' field, at most, in a request and in an audit row.
MAX_FIELD = 500


def clip(text: str, limit: int = MAX_FIELD) -> str:
    """`text` cut to `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Command:
    lane: str
    action: Action
    operator: str
    reason: str = ""
    plate: str = ""
    receipt: str = ""
    data: dict[str, str] = field(default_factory=dict)  # the documents' fields, for Action.DOCUMENTS

    def args(self) -> dict[str, Any]:
        """The command's fields for its audit row: each one bounded, NIK and SIM number masked."""
        out: dict[str, Any] = {k: clip(v) for k, v in asdict(self).items() if k in ("reason", "plate", "receipt") and v}
        if self.data:
            out["data"] = {
                clip(k, 20): clip(mask(v) if k in ("nik", "sim") else v)
                for k, v in list(self.data.items())[: len(DATA_FIELDS)]
            }
        return out


#: Keys that go into Command.data: the documents fields, which gate to open by hand, whether a card came out,
#: an abort after payment confirmed (confirm=yes), the renewal a card is reissued for (cycle=).
DATA_FIELDS = (
    "nik",
    "sim",
    "health_no",
    "health_date",
    "psych_no",
    "psych_date",
    "bpjs",
    "gate",
    "out",
    "confirm",
    "cycle",
)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def parse(text: str, operator: str) -> Command:
    """A command from one line, as typed: `LANE ACTION [key=value ...]`, e.g. `L1 abort reason=driver left` or
    `L1 documents nik=3325... sim=1234... health_no=SKS/123/X/2026 health_date=2026-11-20 ...`.
    Raises ValueError with what was expected."""
    words = text.split()
    if len(words) < 2:
        raise ValueError("expected: LANE ACTION [reason=... plate=... receipt=... nik=... sim=...]")
    lane, action, rest = words[0], words[1].lower(), words[2:]
    try:
        act = Action(action)
    except ValueError:
        raise ValueError(f"unknown action {action!r}; one of: {', '.join(a.value for a in Action)}") from None
    keys = ("reason", "plate", "receipt", *DATA_FIELDS)
    values: dict[str, str] = {}
    key = None
    for part in rest:
        name, eq, value = part.partition("=")
        if eq and name in keys:
            key = name
            values[key] = value
        elif key is not None:
            values[key] += " " + part
        else:
            raise ValueError(f"expected key=value ({', '.join(keys)}), got {part!r}")
    data = {k: values.pop(k) for k in DATA_FIELDS if k in values}
    return Command(lane, act, operator, data=data, **values)
