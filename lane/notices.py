"""What a lane tells people: prompts shown to the driver (on the display, in the store, to listeners), alerts for
the operator, requests for an operator action (`pending`, what the operator is asked to do now), and the devices'
own events passed on. Every text is scrubbed of the holder's names before it is stored.

`LaneNotices` is a layer of `lane.controller.LaneController`, which sets the attributes declared here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from devices.errors import DeviceError
from devices.registry import LaneDevices
from flows.prompts import prompt
from lane.events import REQUESTS, EventKind
from lane.machine import LaneCore
from lane.privacy import masked, names_in, scrub
from lane.rules import RenewalRules


class LaneNotices(LaneCore):
    devices: LaneDevices
    rules: RenewalRules
    prompts: Mapping[str, tuple[str, str]] | None
    pending: dict[str, Any]  # what the operator is asked to do now

    @property
    def fee(self) -> int:
        """The PNBP tariff of the licence being renewed (of the lane's main class until the documents say)."""
        holder = self.ctx.get("holder")
        return self.rules.fee(holder["sim_class"] if holder else self.flow.classes_served[0])

    def alert(self, code: str, text: str) -> None:
        text = scrub(text, names_in(self.ctx))
        self.store.notice(self.lane_id, self.cycle_id, self.stamp(), self.state, "alert", code, text)
        self.emit(EventKind.ALERT, code=code, text=text)

    async def show(self, code: str, **values: Any) -> None:
        fee = f"{self.fee:,}".replace(",", ".")
        budget = self.flow.budgets.get(self.stage)
        remaining = round(max(0.0, budget.soft - (self.clock.monotonic() - self.since))) if budget else ""
        indonesian, english = prompt(
            code, self.state, self.flow.lane_class.value, self.prompts, fee=fee, remaining=remaining, **values
        )
        stored = scrub(indonesian, names_in(self.ctx))
        self.store.notice(self.lane_id, self.cycle_id, self.stamp(), self.state, "prompt", code, stored)
        self.emit(EventKind.PROMPT, code=code, id=indonesian, en=english)
        try:
            await self.devices.display.show(indonesian, english)
        except DeviceError as err:
            self.alert("display", str(err))

    def request(self, what: str, **detail: Any) -> None:
        """Ask the operator for something; written to the store (the console shows it) and told to listeners."""
        self.pending = {"what": what, "text": REQUESTS.get(what, what), **detail}
        text = json.dumps(masked(self.pending, names_in(self.ctx)), default=str, ensure_ascii=False)
        self.store.notice(self.lane_id, self.cycle_id, self.stamp(), self.state, "request", what, text)
        self.emit(EventKind.REQUEST, what=what, **detail)

    def _device_event(self, event: Any) -> None:
        self.store.device_event(self.lane_id, self.cycle_id, self.stamp(), event.device, event.kind, event.detail)
        self.emit(EventKind.DEVICE, device=event.device, device_kind=event.kind, **event.detail)
