"""Live progress of a running site on the terminal: a rich table of the lanes with the latest events below it
when stdout is a terminal, plain lines otherwise. A listener of lane events; it never writes the store. Reasons,
plates and prompts come from people and files: every line and cell goes through lane.sanitize.line, and the
table's data cells are rich Text (shown as written, not read as markup)."""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from lane import sanitize
from lane.controller import LaneController
from lane.events import LaneEvent


class Progress:
    def __init__(self, lanes: dict[str, LaneController], tz: str, out: TextIO, show: str) -> None:
        """`show`: "live" (the rich table), "plain" (a line an event) or "quiet" (nothing)."""
        self.lanes = lanes
        self.tz = ZoneInfo(tz)
        self.out = out
        self.recent: deque[str] = deque(maxlen=12)
        self.live: Live | None = None
        if show == "live":
            self.live = Live(get_renderable=self._render, refresh_per_second=4, transient=False, redirect_stdout=False)
        if show != "quiet":
            for lane in lanes.values():
                lane.listeners.append(self.on_event)

    def __enter__(self) -> Progress:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.refresh()
            self.live.__exit__(*exc)

    def _time(self, lane: LaneController) -> str:
        return lane.clock.wall().astimezone(self.tz).strftime("%H:%M:%S")

    def on_event(self, ev: LaneEvent) -> None:
        lane = self.lanes[ev.lane]
        d = ev.data
        if ev.kind == "transition":
            plate = lane.ctx.get("plate", "")
            extra = f" {d['reason']}" if d.get("reason") else (f" {d['cause']}" if d.get("cause") else "")
            line = (
                f"{self._time(lane)} {ev.lane} #{d.get('cycle') or '-'} {d['source']} -> {d['dest']}"
                f" ({d['trigger']} by {d['actor']}) {plate}{extra}"
            )
        elif ev.kind == "alert":
            line = f"{self._time(lane)} {ev.lane} ! {d['code']}: {d['text']}"
        else:
            return
        if self.live is None:
            print(sanitize.line(line), file=self.out, flush=True)
        else:
            self.recent.append(sanitize.line(line))

    def _render(self) -> Group:
        first = next(iter(self.lanes.values()))
        now_text = first.clock.wall().astimezone(self.tz).strftime("%H:%M:%S %Z")
        table = Table(title=f"{first.rules.office}  {now_text}", expand=False)
        for col in ("lane", "class", "state", "plate", "in stage", "budget", "cycle", "prompt"):
            table.add_column(col)
        for lane in self.lanes.values():
            if not hasattr(lane, "machine"):  # not started yet
                continue
            now = lane.clock.monotonic()
            in_stage = now - lane.since
            budget = lane.flow.budgets.get(lane.stage)
            style = (
                "green"
                if budget is None or in_stage <= budget.soft
                else ("yellow" if in_stage <= budget.hard else "red")
            )
            cycle = sum(lane.durations.values()) + (in_stage if lane.cycle_id else 0.0)
            prompt = lane.devices.display.current[0]
            table.add_row(
                lane.lane_id,
                lane.flow.lane_class.value,
                lane.state,
                Text(sanitize.line(lane.ctx.get("plate", ""))),
                f"[{style}]{in_stage:4.0f} s[/]",
                "-" if budget is None else f"{budget.soft:g} s",
                f"{cycle / 60:4.1f} min" if lane.cycle_id else "-",
                Text(sanitize.line(prompt)),
            )
        return Group(table, *(Text(line) for line in self.recent))


def site_time(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S %Z")
