"""What the console shows, read from the store (read-only; WAL lets it read while the lanes write): each lane's
state, plate, driver (NIK masked), time in stage against its budget, cycle time against the target, the prompt
the driver sees, the request waiting for the operator, recent alerts, device health, and the last cycles."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.nik import mask
from lane.central.lag import lag
from lane.config import SiteConfig


@dataclass(frozen=True)
class LaneView:
    lane: str
    lane_class: str
    state: str
    cycle_id: int | None
    plate: str
    driver: str  # name and masked NIK
    in_stage_s: float
    budget_s: float | None
    hard_s: float | None
    cycle_s: float | None
    prompt: str
    request: dict[str, Any]
    alerts: list[str]
    devices: dict[str, str]  # device -> health

    def stage_colour(self) -> str:
        if self.budget_s is None or self.in_stage_s <= self.budget_s:
            return "green"
        return "yellow" if self.hard_s is None or self.in_stage_s <= self.hard_s else "red"


@dataclass(frozen=True)
class Snapshot:
    now: datetime
    lanes: list[LaneView]
    recent: list[dict[str, Any]] = field(default_factory=list)  # the last cycles that ended
    sync: str = ""  # the central sync's lag, when the site pushes to a central database (lane/central)


def _age(now: datetime, iso: str | None) -> float:
    if not iso:
        return 0.0
    return max(0.0, (now - datetime.fromisoformat(iso)).total_seconds())


class StoreReader:
    """Read-only view of a site database for the console."""

    def __init__(self, db: Path, config: SiteConfig, lanes: int = 5) -> None:
        self.con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2, check_same_thread=False)
        self.con.row_factory = sqlite3.Row
        self.config = config
        self.flows = {lane.id: config.flow(lane) for lane in config.lanes}
        self.target_s = config.site.target_minutes * 60
        self.recent_count = lanes

    def close(self) -> None:
        self.con.close()

    def snapshot(self, now: datetime | None = None) -> Snapshot:
        now = now or datetime.now(UTC)
        views = []
        for row in self.con.execute("select * from lane_state order by lane"):
            views.append(self._lane(row, now))
        recent = [
            dict(r)
            for r in self.con.execute(
                "select id, lane, plate, outcome, reason, duration, ended_at from cycles where outcome != 'open' "
                "order by id desc limit ?",
                [self.recent_count],
            )
        ]
        behind = lag(self.con, now) if self.config.central is not None else None
        return Snapshot(now, views, recent, behind.line() if behind else "")

    def _lane(self, row: sqlite3.Row, now: datetime) -> LaneView:
        lane, state, cycle_id = row["lane"], row["state"], row["cycle_id"]
        ctx = json.loads(row["context"] or "{}")
        flow = self.flows.get(lane) or next(iter(self.flows.values()))
        budget = next((b for s, b in flow.budgets.items() if s.value == state), None)
        holder = ctx.get("holder") or {}
        driver = f"{holder.get('name', '')} {mask(holder.get('nik', ''))}".strip() if holder else ""
        cycle_s = None
        if cycle_id is not None:
            started = self.con.execute("select started_at from cycles where id = ?", [cycle_id]).fetchone()
            cycle_s = _age(now, started[0]) if started else None
        since = row["since_at"]
        notices = self.con.execute(
            "select kind, code, text, at from notices where lane = ? and at >= ? order by id desc limit 40",
            [lane, since],
        ).fetchall()
        prompt = self.con.execute(
            "select text from notices where lane = ? and kind = 'prompt' order by id desc limit 1", [lane]
        ).fetchone()
        request: dict[str, Any] = next((json.loads(n["text"]) for n in notices if n["kind"] == "request"), {})
        alerts = [f"{n['code']}: {n['text']}" for n in notices if n["kind"] == "alert"][:5]
        health: dict[str, str] = {}
        for dev in self.con.execute(
            "select device, detail from device_events where lane = ? and kind = 'health' order by id", [lane]
        ):
            health[dev["device"].split(".", 1)[-1]] = json.loads(dev["detail"]).get("health", "?")
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
            alerts=alerts,
            devices=health,
        )
