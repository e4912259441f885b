"""Whether a lane needs the officer, for what, and how urgently: the console sorts its lanes by this and rings the
terminal bell when an alarm (a red one) appears. In order: a fault, a device down, a stage past its budget (the
alarms, red), a request waiting for the officer (yellow), then lanes at work, idle and closed (nothing asked).
Pure: a function of what the console read from the store (lane.console.state)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lane.events import REQUESTS

if TYPE_CHECKING:
    from lane.console.state import LaneView


@dataclass(frozen=True)
class Need:
    rank: int  # 0 most urgent; FAULT .. REQUEST need the officer
    text: str  # what for, in a few words ("" when nothing is asked)
    colour: str  # Rich colour of the text

    @property
    def asked(self) -> bool:
        """The officer is needed: an alarm or a request."""
        return self.rank <= REQUEST

    @property
    def alarm(self) -> bool:
        """Something is wrong (red, and the bell): a fault, a device down, an overrun."""
        return self.rank < REQUEST


FAULT, DEVICE, OVERRUN, REQUEST, WORKING, IDLE, CLOSED = range(7)

#: What each request asks, in a few words for the table (the detail says it in full: lane.events.REQUESTS).
SHORT = {
    "plate": "type the plate",
    "documents": "check documents",
    "payment": "confirm payment",
    "photo": "accept or retake photo",
    "handover": "hand over the card",
    "card_out": "did a card come out?",
    "fault": "clear the fault",
}


def mmss(seconds: float | None) -> str:
    return "-" if seconds is None else f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def need_of(view: LaneView) -> Need:
    if view.state == "fault":
        cause = str(view.request.get("cause") or view.context.get("fault_cause") or "")
        where = str(view.request.get("stage") or "")
        return Need(FAULT, "fault" + (f": {cause}" if cause else "") + (f" in {where}" if where else ""), "red")
    down = [
        f"{name} {d.health}" + (f": {d.why}" if d.why else "") for name, d in view.devices.items() if d.health != "ok"
    ]
    if down:
        return Need(DEVICE, "; ".join(down), "red")
    if view.budget_s is not None and view.in_stage_s > view.budget_s:
        return Need(OVERRUN, f"{view.state} over budget by {mmss(view.in_stage_s - view.budget_s)}", "red")
    what = str(view.request.get("what") or "")
    if what:
        return Need(REQUEST, SHORT.get(what) or REQUESTS.get(what, what), "yellow")
    if view.state == "idle":
        return Need(IDLE, "", "")
    if view.state == "closed":
        return Need(CLOSED, "", "")
    return Need(WORKING, "", "")
