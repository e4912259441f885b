"""Personal-data figures, run by hand (`.venv/bin/python -m benchmarks.privacy [--days 365] [--per-day 100]`):

1. what masking adds to the lane's hot path: `lane.privacy.masked` on a documents_ok trigger's data, and
   `snapshot_context` on a cycle's context with its holder (microseconds a call; a transition costs about 1 ms);
2. the retention policy on a year of a busy site: `plan` (reads) and `apply` (removes the photos and plate crops,
   masks the cycles, one transaction) over `--days` x `--per-day` cycles, each with a photo and a plate crop;
3. the _v7 migration on a store written before masking, with the events and notices of those cycles.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import timeit
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lane import retention
from lane.config import Retention
from lane.privacy import masked, names_in, snapshot_context
from lane.store import MIGRATIONS, Store

ROOT = Path(__file__).resolve().parent.parent

NIK, NAME, SIM = "3310046908608118", "TRI RAHMAWATI", "2320792618423"
HOLDER = {
    "name": NAME,
    "nik": NIK,
    "sim_number": SIM,
    "sim_class": "A",
    "address": "JL. MERDEKA 1",
    "birth_place": "BATANG",
    "birth_date": "1990-04-09",
    "issued": "2021-12-01",
    "expires": "2026-12-01",
}


def hot_path() -> None:
    data = {"checked": True, "holder_name": NAME, "nik": NIK, "sim_number": SIM, "sim_class": "A", "prereg_id": None}
    ctx = {
        "plate": "G 1234 AB",
        "holder": HOLDER,
        "holder_name": NAME,
        "nik": NIK,
        "sim_number": SIM,
        "fee": 80000,
        "prefill": {"prereg_id": 1, "nik": NIK, "sim": SIM},
        "retries": {},
    }
    for what, call in (
        ("masked(trigger data)", lambda: masked(data, names_in(ctx))),
        ("snapshot_context(ctx)", lambda: snapshot_context(ctx)),
    ):
        n = 20000
        print(f"{what:24} {timeit.timeit(call, number=n) / n * 1e6:6.1f} us a call")


def build(tmp: Path, days: int, per_day: int, now: datetime) -> Path:
    db = tmp / "var" / "lane.db"
    store = Store(db, durable=False)
    photos, plates = tmp / "var" / "photos", tmp / "var" / "plates"
    photos.mkdir()
    plates.mkdir()
    cycles, events, notices = [], [], []
    for i in range(days * per_day):
        cid = i + 1
        end = now - timedelta(days=days) + timedelta(days=i / per_day)
        cycles.append(
            {
                "id": cid,
                "lane": "L1",
                "lane_class": "A",
                "outcome": "completed",
                "started_at": end.isoformat(),
                "ended_at": end.isoformat(),
                "nik": NIK,
                "holder_name": NAME,
                "sim_number": SIM,
            }
        )
        detail = json.dumps({"checked": True, "holder_name": NAME, "nik": NIK, "sim_number": SIM})
        events += [
            {"cycle_id": cid, "trigger": "documents_ok", "detail": detail},
            {"cycle_id": cid, "trigger": "paid", "detail": json.dumps({"receipt": f"R{cid}", "fee": 80000})},
        ]
        notices += [
            {
                "cycle_id": cid,
                "kind": "request",
                "text": json.dumps({"what": "documents", "prefill": {"prereg_id": cid, "nik": NIK, "sim": SIM}}),
            },
            {"cycle_id": cid, "kind": "prompt", "text": "Bayar"},
        ]
        stamp = end.timestamp()
        for path in (photos / f"L1-{cid:06d}-0-ok.jpg", plates / f"L1-{cid:06d}.png"):
            path.write_bytes(b"x")
            os.utime(path, (stamp, stamp))
    store.db.table("cycles").insert_all(cycles)
    store.db.table("events").insert_all(events)
    store.db.table("notices").insert_all(notices)
    store.close()
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=100)
    args = parser.parse_args()
    hot_path()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db = build(tmp, args.days, args.per_day, now)
        n = args.days * args.per_day
        store = Store(db, durable=True)
        t0 = time.perf_counter()
        todo = retention.plan(store, Retention(), db.parent, now)
        t1 = time.perf_counter()
        retention.apply(store, todo, time.monotonic())
        t2 = time.perf_counter()
        print(
            f"retention over {n} cycles ({n} photos, {n} plate crops): plan {t1 - t0:.2f} s, apply {t2 - t1:.2f} s "
            f"({len(todo.photos)} photos, {len(todo.plates)} crops removed, {len(todo.cycles)} cycles masked)"
        )
        t0 = time.perf_counter()
        again = retention.plan(store, Retention(), db.parent, now)
        print(f"the next day's plan: {time.perf_counter() - t0:.2f} s ({len(again.cycles)} cycles left to mask)")
        t0 = time.perf_counter()
        with store.transaction():
            MIGRATIONS[6](store.db)  # schema version 7: what a store written before masking goes through once
        store.close()
        print(f"_v7 migration over {n} cycles ({2 * n} events, {2 * n} notices): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
