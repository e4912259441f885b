"""What a lane tells its listeners (progress display, console, simulated people): transitions, prompts shown
to the driver, alerts for the operator, requests for an operator action, device events, operator commands and
photo problems. `EventKind` lists every kind a lane emits; it is a `StrEnum`, so `event.kind == "alert"` holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """Every kind of event a lane emits."""

    TRANSITION = "transition"  # the lane moved (source, dest, trigger, actor, the trigger's plain data)
    PROMPT = "prompt"  # shown to the driver (code, id, en)
    ALERT = "alert"  # for the operator (code, text)
    REQUEST = "request"  # the operator is asked for an action (what, detail)
    DEVICE = "device"  # a device reported something (device, device_kind, detail)
    OPERATOR = "operator"  # an operator command, done or refused (action, operator, ok, message)
    PHOTO_PROBLEM = "photo_problem"  # a photo failed the gate (problems, attempt)


@dataclass(frozen=True)
class LaneEvent:
    lane: str
    kind: EventKind
    stage: str
    cycle_id: int | None
    at: float  # clock monotonic seconds
    data: dict[str, Any] = field(default_factory=dict)


LaneListener = Callable[[LaneEvent], None]

#: Requests the lane makes of the operator, by stage.
REQUESTS = {
    "plate": "type the plate",
    "documents": "check the documents, then confirm or reject",
    "payment": "confirm the payment with its receipt number",
    "photo": "accept the photo or retake it",
    "handover": "confirm the card was handed over",
    "card_out": "the printer cannot say: did a card come out? answer card_out out=yes or out=no",
    "fault": "clear the fault, then resume or abort",
}
