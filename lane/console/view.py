"""How the console writes what it read (lane.console.state) on screen: the lanes' table rows in order of urgency,
the selected lane's detail, and a request's fields as plain lines, never a raw data structure, every personal
value masked (lane.privacy) and every text from outside made safe for the terminal (lane.sanitize)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.markup import escape

from lane.console.needs import mmss
from lane.console.state import LaneView
from lane.privacy import mask_value, scrub

LANE_COLUMNS = ("lane", "SIM", "state", "needs you for", "plate", "driver", "in stage", "budget", "cycle", "devices")

#: How a request's fields are named on screen; the others are shown by their own name, "_" as a space.
FIELD_NAMES = {"prefill": "pre-registered", "failures": "failures", "problems": "photo problems", "job": "card job"}
#: Fields of a request that are not shown (the request's kind and text are its first line; ids are for the lane).
HIDDEN = frozenset({"what", "text", "prereg_id", "cause", "stage"})


def ordered(views: Iterable[LaneView]) -> list[LaneView]:
    """Most urgent first (lane.console.needs), then the longest waiting, then by lane id."""
    return sorted(views, key=lambda v: (v.need.rank, -v.in_stage_s if v.need.asked else 0.0, v.lane))


def _text(value: Any) -> str:
    return escape(scrub(str(value)))


def _value(key: str, value: Any) -> str:
    """One field's value as text: a mapping as `name value` pairs, a list joined, each value masked by its key."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k.replace('_', ' ')} {_value(k, v)}" for k, v in value.items() if k not in HIDDEN and v)
    if isinstance(value, list | tuple):
        return "; ".join(_value(key, v) for v in value)
    return _text(mask_value(key, value))


def request_lines(request: Mapping[str, Any]) -> list[str]:
    """The request waiting for the officer: what it asks, then each field on its own line (a list of failures
    one line each)."""
    if not request:
        return []
    lines = [f"[b yellow]waiting for you:[/] {_text(request.get('text') or request.get('what', ''))}"]
    for key, value in request.items():
        if key in HIDDEN or value in (None, "", [], {}):
            continue
        name = FIELD_NAMES.get(key, key.replace("_", " "))
        if key == "failures" and isinstance(value, list):
            lines += [f"  [red]x[/] {_text(v)}" for v in dict.fromkeys(str(v) for v in value)]
        else:
            lines.append(f"  {name}: {_value(key, value)}")
    return lines


def row(v: LaneView, target_s: float) -> tuple[str, ...]:
    """The lane's row: its need first in colour, the timer red past its budget and in a fault."""
    need = v.need
    colour = v.stage_colour()
    over = v.cycle_s is not None and v.cycle_s > target_s
    cycle_colour = "red" if over else ("yellow" if v.cycle_s and v.cycle_s > 0.8 * target_s else "green")
    down = [d for d, h in v.devices.items() if h.health != "ok"]
    cycle = f"[{cycle_colour}]{mmss(v.cycle_s)}[/]" if v.cycle_s is not None else "-"
    return (
        v.lane,
        v.lane_class,
        f"[b red]{v.state}[/]" if v.state == "fault" else v.state,
        f"[b {need.colour}]{escape(need.text)}[/]" if need.text else "",
        _text(v.plate),
        _text(v.driver),
        f"[{colour}]{mmss(v.in_stage_s)}[/]",
        mmss(v.budget_s),
        cycle,
        "[red]" + ", ".join(down) + "[/]" if down else "[green]ok[/]",
    )


def detail(v: LaneView | None, live: bool = True) -> str:
    """The selected lane in full: state, what the driver sees, the request, fresh alerts, every device's health."""
    if v is None:
        return "no lanes in the store yet"
    cycle = f"cycle #{v.cycle_id}" if v.cycle_id is not None else "no vehicle"
    lines = [f"[b]{v.lane}[/b] {v.state}  {cycle}  driver sees: [i]{_text(v.prompt)}[/i]"]
    need = v.need
    if need.rank < 3:  # a fault, a device down, an overrun: said first, in red
        lines.append(f"[b red]needs you: {escape(need.text)}[/]")
    lines += request_lines(v.request)
    lines += [f"[red]alert[/] {escape(a)}" for a in v.alerts]
    devices = ", ".join(
        f"{d} [red]{h.health}{': ' + escape(h.why) if h.why else ''}[/]" if h.health != "ok" else f"{d} ok"
        for d, h in v.devices.items()
    )
    lines.append("devices: " + (devices or "all ok"))
    if not live:
        lines.append("[b red]the controller is not running: this is the lane as last recorded[/]")
    return "\n".join(lines)


def once(message: str, lane: LaneView | None) -> str:
    """A refusal whose reasons the lane's request already lists (the documents' failures) says so instead of
    listing them again."""
    listed = {str(f) for f in (lane.request.get("failures") or ())} if lane else set()
    head, _, rest = message.partition(": ")
    parts = rest.split("; ") if rest else []
    if listed and parts and all(p in listed for p in parts):
        return f"{head}: {len(parts)} failure(s), listed above"
    return message
