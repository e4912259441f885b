"""What a lane tells its listeners (progress display, console, simulated people): transitions, prompts shown
to the driver, alerts for the operator, requests for an operator action, and device events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LaneEvent:
    lane: str
    kind: str  # "transition" | "prompt" | "alert" | "request" | "device"
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
