"""What the console shows, read from the store (read-only; WAL lets it read while the lanes write): each lane's
state, plate, driver (masked), time in stage against its budget, cycle time against the target, the prompt the
driver sees, the request waiting for the operator, its fresh alerts (each text once, none older than the
console's `message_seconds`), device health with why, and the last cycles. A lane that holds no cycle shows no
plate nor driver. `snapshot(None)` is the store as last written (no controller answers): every timer is taken at
the last time the store was written, so nothing runs on screen."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lane.central.lag import lag
from lane.config import SiteConfig
from lane.console.needs import Need, need_of
from lane.privacy import mask_name, mask_value, masked, scrub


@dataclass(frozen=True)
class Device:
    health: str
    why: str = ""


@dataclass(frozen=True)
class LaneView:
    lane: str
    lane_class: str
    state: str
    cycle_id: int | None
    plate: str
    driver: str  # masked name and masked NIK
    in_stage_s: float
    budget_s: float | None
    hard_s: float | None
    cycle_s: float | None
    prompt: str
    request: dict[str, Any]  # masked
    alerts: list[str]  # fresh, each text once, newest first
    devices: dict[str, Device]
    context: dict[str, Any] = field(default_factory=dict)  # the snapshot's (masked) context

    @property
    def need(self) -> Need:
        """Whether the lane needs the officer, for what, and how urgently (lane.console.needs)."""
        return need_of(self)

    def stage_colour(self) -> str:
        """Green within the budget, red past it (an overrun) and in a fault."""
        if self.state == "fault":
            return "red"
        return "green" if self.budget_s is None or self.in_stage_s <= self.budget_s else "red"


@dataclass(frozen=True)
class Snapshot:
    now: datetime
    lanes: list[LaneView]
    recent: list[dict[str, Any]] = field(default_factory=list)  # the last cycles that ended
    live: bool = True  # False: no controller answers; `now` is when the store was last written
    sync: str = ""  # the central sync's lag, when the site pushes to a central database (lane/central)


def _age(now: datetime, iso: str | None) -> float:
    if not iso:
        return 0.0
    return max(0.0, (now - datetime.fromisoformat(iso)).total_seconds())


class StoreReader:
    """Read-only view of a site database for the console."""

    def __init__(self, db: Path, config: SiteConfig, lanes: int = 5) -> None:
        self.db = db
        self.con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2, check_same_thread=False)
        self.con.row_factory = sqlite3.Row
        self.config = config
        self.flows = {lane.id: config.flow(lane) for lane in config.lanes}
        self.target_s = config.site.target_minutes * 60
        self.message_s = config.console.message_seconds
        self.recent_count = lanes

    def close(self) -> None:
        self.con.close()

    def last_written(self) -> datetime:
        """When the store was last written (a transition, notice or device event), or now when it is empty."""
        found = [
            self.con.execute(f"select at from {table} order by id desc limit 1").fetchone()  # the last row: no scan
            for table in ("events", "notices", "device_events")
        ]
        times = [datetime.fromisoformat(row[0]) for row in found if row and row[0]]
        return max(times) if times else datetime.now(UTC)

    def snapshot(self, now: datetime | None = None) -> Snapshot:
        """The store at `now` (the controller's clock); with None, as last written, not live."""
        live = now is not None
        at = now if now is not None else self.last_written()
        views = [self._lane(row, at) for row in self.con.execute("select * from lane_state order by lane")]
        recent = [
            {**dict(r), "reason": scrub(r["reason"] or "")}
            for r in self.con.execute(
                "select id, lane, plate, outcome, reason, duration, ended_at from cycles where outcome != 'open' "
                "order by id desc limit ?",
                [self.recent_count],
            )
        ]
        behind = lag(self.con, at) if self.config.central is not None else None
        return Snapshot(at, views, recent, live, behind.line() if behind else "")

    def _lane(self, row: sqlite3.Row, now: datetime) -> LaneView:
        lane, state, cycle_id = row["lane"], row["state"], row["cycle_id"]
        ctx = masked(json.loads(row["context"] or "{}")) if cycle_id is not None else {}  # idle: nobody's
        flow = self.flows.get(lane) or next(iter(self.flows.values()))
        budget = next((b for s, b in flow.budgets.items() if s.value == state), None)
        holder = ctx.get("holder") or {}
        driver = f"{mask_name(holder.get('name'))} {mask_value('nik', holder.get('nik') or '')}".strip()
        cycle_s = None
        if cycle_id is not None:
            started = self.con.execute("select started_at from cycles where id = ?", [cycle_id]).fetchone()
            cycle_s = _age(now, started[0]) if started else None
        since = row["since_at"]
        fresh = max(since, (now - timedelta(seconds=self.message_s)).isoformat(timespec="milliseconds"))
        notices = self.con.execute(
            "select kind, code, text, at from notices where lane = ? and at >= ? and kind in ('request', 'alert') "
            "order by id desc limit 40",
            [lane, since],
        ).fetchall()
        prompt = self.con.execute(
            "select text from notices where lane = ? and kind = 'prompt' order by id desc limit 1", [lane]
        ).fetchone()
        request: dict[str, Any] = next((_json(n["text"]) for n in notices if n["kind"] == "request"), {})
        request = masked(request)
        listed = {str(f) for f in request.get("failures") or ()}  # a failure the request lists is not an alert too
        alerts = [
            f"{n['code']}: {scrub(n['text'])}"
            for n in notices
            if n["kind"] == "alert" and n["at"] >= fresh and n["text"] not in listed
        ]
        health: dict[str, Device] = {}
        for dev in self.con.execute(
            "select device, detail from device_events where lane = ? and kind = 'health' order by id", [lane]
        ):
            detail = _json(dev["detail"])
            health[dev["device"].split(".", 1)[-1]] = Device(str(detail.get("health", "?")), str(detail.get("why", "")))
        return LaneView(
            lane=lane,
            lane_class=flow.lane_class.value,
            state=state,
            cycle_id=cycle_id,
            plate=str(ctx.get("plate", "")),
            driver=driver,
            in_stage_s=_age(now, since),
            budget_s=budget.soft if budget else None,
            hard_s=budget.hard if budget else None,
            cycle_s=cycle_s,
            prompt=prompt[0] if prompt else "",
            request=request,
            alerts=list(dict.fromkeys(alerts))[:5],
            devices=health,
            context=ctx,
        )


def _json(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
