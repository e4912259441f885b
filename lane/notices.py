"""What a lane tells people: prompts shown to the driver (on the display, in the store, to listeners), alerts for
the operator, requests for an operator action (`pending`, what the operator is asked to do now), and the devices'
own events passed on. Every text is scrubbed of the holder's names before it is stored. A prompt is laid out for
the lane's sign (`flows.signs`) and its screens shown in turn, re-rendered so that `{remaining}` counts down.

`LaneNotices` is a layer of `lane.controller.LaneController`, which sets the attributes declared here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from devices.errors import DeviceError
from devices.registry import LaneDevices
from flows.prompts import prompt
from flows.signs import SignSize, screens
from lane.events import REQUESTS, EventKind
from lane.machine import LaneCore
from lane.privacy import masked, names_in, scrub
from lane.rules import RenewalRules

#: Seconds between two renderings of a prompt of several screens or with a countdown.
SIGN_REFRESH = 5.0


class LaneNotices(LaneCore):
    sign = SignSize()  # the lane's sign (`[lanes.sign]`): what its prompts are laid out for
    _sign_tasks: tuple[asyncio.Task[None], ...] = ()  # the task turning the sign's screens, if any
    _tasks: list[asyncio.Task[None]]  # the stage's work (lane.controller), which the sign's task joins
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
        """Show the prompt `code` on the lane sign, screen by screen (`flows.signs.screens`, laid out for the
        lane's `sign`); a prompt of several screens, or one counting down `{remaining}`, is shown again every
        `SIGN_REFRESH` seconds until the next prompt (the next screen, the seconds left now)."""
        for task in self._sign_tasks:
            task.cancel()
        indonesian, english = self._prompt(code, values)
        stored = scrub(" ".join(indonesian.split()), names_in(self.ctx))  # one line: its screens run together
        self.store.notice(self.lane_id, self.cycle_id, self.stamp(), self.state, "prompt", code, stored)
        self.emit(EventKind.PROMPT, code=code, id=indonesian, en=english)
        pages = screens(indonesian, english, self.sign)
        await self._display(pages[0])
        counting = self._prompt(code, {**values, "remaining": -1}) != self._prompt(code, {**values, "remaining": -2})
        if len(pages) > 1 or counting:
            task = asyncio.get_running_loop().create_task(self._turn_pages(code, values), name=f"{self.lane_id}:sign")
            self._sign_tasks = (task,)
            self._tasks.append(task)  # cancelled with the stage's work

    def _prompt(self, code: str, values: Mapping[str, Any]) -> tuple[str, str]:
        fee = f"{self.fee:,}".replace(",", ".")
        budget = self.flow.budgets.get(self.stage)
        remaining = round(max(0.0, budget.soft - (self.clock.monotonic() - self.since))) if budget else ""
        filled = {"fee": fee, "remaining": remaining, **values}
        return prompt(code, self.state, self.flow.lane_class.value, self.prompts, **filled)

    async def _turn_pages(self, code: str, values: Mapping[str, Any]) -> None:
        """The sign's next screen every SIGN_REFRESH seconds, re-rendered (the seconds left count down)."""
        shown = 0
        while True:
            await self.clock.sleep(SIGN_REFRESH)
            pages = screens(*self._prompt(code, values), self.sign)
            shown = (shown + 1) % len(pages)
            await self._display(pages[shown])

    async def _display(self, page: tuple[str, str]) -> None:
        try:
            await self.devices.display.show(*page)
        except DeviceError as err:
            self.alert("display", str(err))

    def reasons(self) -> tuple[str, str]:
        """Why the renewal was refused, for the sign: each failure of the document check on a line of its own, the
        Indonesian text in the first, the English in the second; nothing else (an officer's note is never shown)."""
        if self.ctx.get("outcome") != "rejected":  # aborted: the officer's reason is not for the driver
            return "", ""
        pairs = [p for p in self.ctx.get("failure_texts") or () if isinstance(p, list | tuple) and len(p) == 2]
        return "\n".join(str(p[0]) for p in pairs), "\n".join(str(p[1]) for p in pairs)

    def request(self, what: str, **detail: Any) -> None:
        """Ask the operator for something; written to the store (the console shows it) and told to listeners."""
        self.pending = {"what": what, "text": REQUESTS.get(what, what), **detail}
        text = json.dumps(masked(self.pending, names_in(self.ctx)), default=str, ensure_ascii=False)
        self.store.notice(self.lane_id, self.cycle_id, self.stamp(), self.state, "request", what, text)
        self.emit(EventKind.REQUEST, what=what, **detail)

    def _device_event(self, event: Any) -> None:
        self.store.device_event(self.lane_id, self.cycle_id, self.stamp(), event.device, event.kind, event.detail)
        self.emit(EventKind.DEVICE, device=event.device, device_kind=event.kind, **event.detail)
