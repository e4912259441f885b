"""A fast generator of realistic cycle logs with queue entries, for the report's figures (benchmarks/report.py) and
by hand: `python -m benchmarks.queue_log --db var/week.db --days 7 --lanes 4`. Not the lane engine: plain rows
written through SQL into a new store (its schema from lane.store), a 7-day 4-lane site in well under a second.

Each lane has its own single-file queue, open 08:00 to 16:00 site time. Arrivals are Poisson with an hour-of-day
profile (PROFILE: a morning peak) around `per_hour` a lane. A driver who finds `capacity` vehicles queueing balks
(a `balk` queue event, no cycle); one whose wait would pass their patience (exponential, mean `patience_s`)
reneges (a `renege` event at the moment they give up, no cycle). The others join (`join` event) and are served
in order: lane entry = max(arrival, the previous vehicle's exit + a drive-in gap), the wait by Lindley's
recursion. Service is lognormal (median `service_s`); 8 % are rejected at the documents (shorter, reason
given), 1 % aborted; the stage columns split the service in fixed proportions and each cycle's events
(transitions) are written so the slowest cycles have timelines. Every cycle's queue entry is matched by order.
Seeded: the same arguments make the same rows.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from lane.store import Store

#: Arrival rate by hour of the day (site time), as a multiple of the mean rate: a morning peak, a lunch dip.
PROFILE = {8: 0.8, 9: 1.4, 10: 1.5, 11: 1.1, 12: 0.7, 13: 0.9, 14: 1.0, 15: 0.6}
STAGES = ("arrived", "plate", "documents", "payment", "photo", "printing", "handover", "exiting")
SHARES = np.array([0.05, 0.05, 0.3, 0.12, 0.14, 0.2, 0.08, 0.06])  # of the service time, in stage order


@dataclass(frozen=True)
class Plan:
    days: int = 7
    lanes: int = 4
    per_hour: float = 8.0  # mean arrivals an hour a lane
    service_s: float = 360.0  # median service time
    capacity: int = 5  # vehicles queueing at which the next one balks
    patience_s: float = 1800.0
    first: date = date(2026, 3, 2)
    zone: str = "Asia/Jakarta"
    seed: int = 17


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds")


def generate(db: Path, plan: Plan = Plan()) -> dict[str, int]:
    """Write the log into a new store at `db` (an old one is replaced); returns the rows written by kind."""
    for suffix in ("", "-wal", "-shm", ".report-cache"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    rng = np.random.default_rng(plan.seed)
    tz = ZoneInfo(plan.zone)
    cycles: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    queue: list[tuple[object, ...]] = []
    cid = 0
    for d in range(plan.days):
        day = plan.first + timedelta(days=d)
        opening = datetime(day.year, day.month, day.day, min(PROFILE), tzinfo=tz)
        for n in range(plan.lanes):
            lane, cls = f"L{n + 1}", "A" if n % 2 == 0 else "C"
            arrivals = np.concatenate(
                [
                    (h - min(PROFILE)) * 3600 + np.sort(rng.uniform(0, 3600, rng.poisson(plan.per_hour * k)))
                    for h, k in PROFILE.items()
                ]
            )
            free = 0.0  # when the lane can take the next vehicle
            waiting: list[float] = []  # lane entry times of those still queueing
            for t in arrivals:
                waiting = [s for s in waiting if s > t]
                at = opening + timedelta(seconds=float(t))
                if len(waiting) >= plan.capacity:
                    queue.append((_iso(at), lane, "balk", "", None, None))
                    continue
                start = max(t, free + rng.lognormal(np.log(12), 0.3))
                if start - t > rng.exponential(plan.patience_s):
                    queue.append((_iso(at + timedelta(seconds=float(rng.uniform(0.3, 1.0) * (start - t)))), lane,
                                  "renege", "", None, None))  # fmt: skip
                    continue
                cid += 1
                plate = f"G {1000 + cid % 9000} {'AB'[cid % 2]}{'CDE'[cid % 3]}"
                roll = rng.uniform()
                outcome = "rejected" if roll < 0.08 else "aborted" if roll < 0.09 else "completed"
                service = float(rng.lognormal(np.log(plan.service_s), 0.25)) * (0.4 if outcome != "completed" else 1)
                stages = SHARES * service
                if outcome != "completed":
                    stages = np.concatenate([SHARES[:3] / SHARES[:3].sum(), np.zeros(5)]) * service * 0.8
                way_out = 0.0 if outcome == "completed" else service - float(stages.sum())
                free = start + service
                waiting.append(start)
                entered = opening + timedelta(seconds=float(start))
                queue.append((_iso(at), lane, "join", plate, None, None))
                queue.append((_iso(entered), lane, "assign", plate, lane, cid))
                reason = "surat keterangan sehat tidak ada" if outcome == "rejected" else (
                    "gangguan printer" if outcome == "aborted" else None)  # fmt: skip
                cycles.append((cid, lane, cls, plate, outcome, reason, _iso(entered),
                               _iso(entered + timedelta(seconds=service)), service, *map(float, stages), way_out, 0.0,
                               _iso(at), lane, "order", float(start - t)))  # fmt: skip
                clock, source = 0.0, "idle"
                for stage, seconds in zip(STAGES, stages, strict=True):
                    if seconds <= 0:
                        break
                    events.append((_iso(entered + timedelta(seconds=clock)), lane, cid, source, stage, "next"))
                    clock, source = clock + float(seconds), stage
                if way_out > 0:
                    events.append((_iso(entered + timedelta(seconds=clock)), lane, cid, source, "rejected", "reject"))
                    clock, source = clock + way_out, "rejected"
                events.append((_iso(entered + timedelta(seconds=clock)), lane, cid, source, "idle", "vehicle_left"))
    store = Store(db, durable=False)
    con = store.db.conn
    stage_cols = ", ".join(f"dur_{s}" for s in (*STAGES, "rejected", "fault"))
    con.execute("BEGIN")  # the store's connection commits each statement otherwise (isolation_level None)
    try:
        con.executemany(
            f"INSERT INTO cycles (id, lane, lane_class, plate, outcome, reason, started_at, ended_at, duration, "
            f"{stage_cols}, queued_at, queue_approach, queue_match, wait) VALUES ({', '.join('?' * 23)})",
            cycles,
        )
        con.executemany(
            "INSERT INTO events (at, mono, lane, cycle_id, source, dest, trigger, actor, detail) "
            "VALUES (?, 0, ?, ?, ?, ?, ?, 'generator', '{}')",
            events,
        )
        con.executemany(
            "INSERT INTO queue_events (at, mono, approach, kind, plate, lane, cycle_id, detail) "
            "VALUES (?, 0, ?, ?, ?, ?, ?, '{}')",
            queue,
        )
        con.execute("COMMIT")
    finally:
        store.close()
    kinds = {k: sum(1 for q in queue if q[2] == k) for k in ("join", "balk", "renege")}
    return {"cycles": len(cycles), "events": len(events), **kinds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--days", type=int, default=Plan.days)
    ap.add_argument("--lanes", type=int, default=Plan.lanes)
    ap.add_argument("--per-hour", type=float, default=Plan.per_hour)
    ap.add_argument("--first", type=date.fromisoformat, default=Plan.first)
    args = ap.parse_args()
    t0 = time.perf_counter()
    made = generate(args.db, Plan(days=args.days, lanes=args.lanes, per_hour=args.per_hour, first=args.first))
    print(f"{args.db}: {made} in {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
