"""The queue before the lanes, end to end through `lane simulate` (lane/queue.py, lane/queue_people.py): waits are
Lindley's recursion on fixed times; balking, reneging and the queue columns land in the store; `--days --start`
appends; a shared queue never sends a motorcycle to a SIM A lane."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from lane.cli import main

STEPS = {"drive_in": 10, "drive_out": 6, "documents": 90, "payment": 30, "photo": 20, "handover": 12}
NO_MISHAPS = "documents_rejected = 0.0\nphoto_retake = 0.0\nplate_unread = 0.0\nprinter_out_of_cards = 0.0\n"


def site(tmp_path: Path, lanes: dict[str, str], queues: str, simulation: str) -> Path:
    """A site file with these lanes (id -> class), `[queues]` and `[simulation]` lines; every step time fixed."""
    steps = {**STEPS, "operator_reaction": 5, "plate_typing": 5, "refill": 5}
    text = '[site]\nname = "Test"\noffice_code = "T-1"\n'
    text += "".join(f'[[lanes]]\nid = "{i}"\nclass = "{c}"\n' for i, c in lanes.items())
    text += f"[queues]\n{queues}\n[simulation]\npreregistered = 0.0\n{simulation}\n[simulation.steps]\n"
    text += "".join(f'{k} = {{ kind = "fixed", value = {v}.0 }}\n' for k, v in steps.items())
    text += f"[simulation.mishaps]\n{NO_MISHAPS}"
    path = tmp_path / "site.toml"
    path.write_text(text)
    return path


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_one_lane_with_fixed_times_gives_lindleys_waits(tmp_path: Path) -> None:
    """W[n+1] = max(0, W[n] + S[n] - A[n+1]) with A fixed (20 an hour: 180 s) and S each cycle's service (lane
    entry to exit), the same for every cycle since every step time is fixed."""
    profile = 'arrival_profile = { 8 = 20.0, 9 = 20.0 }\narrivals = "fixed"'
    config = site(tmp_path, {"L1": "A"}, "capacity = 100", profile)
    db = tmp_path / "sim.db"
    assert main(["--config", str(config), "simulate", "--hours", "2", "--db", str(db), "--fast-store"]) == 0
    got = rows(db, "select queued_mono, started_mono, wait, duration, queue_match from cycles order by id")
    assert len(got) == 40
    services = {round(s, 3) for _, _, _, s, _ in got}
    assert len(services) == 1 and min(services) > 180, "fixed service times, longer than the arrival gap"
    (service,) = services
    queued = [q for q, *_ in got]
    assert [b - a for a, b in itertools.pairwise(queued)] == pytest.approx([180.0] * 39, abs=1e-6)
    lindley = [0.0]
    for _ in got[1:]:
        lindley.append(max(0.0, lindley[-1] + service - 180.0))
    assert [w for _, _, w, _, _ in got] == pytest.approx(lindley, abs=0.002)
    assert [s - q for q, s, *_ in got] == pytest.approx(lindley, abs=0.002)
    assert {m for *_, m in got} == {"order"}
    assert rows(db, "select count(*) from queue_events where kind = 'join' and cycle_id is not null") == [(40,)]
