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


def test_a_shared_queue_never_sends_a_motorcycle_to_a_sim_a_lane(tmp_path: Path, monkeypatch: Any) -> None:
    from devices.virtual import VirtualDisplay

    shown: list[tuple[str, str, str]] = []
    show = VirtualDisplay._show

    async def noted(self: VirtualDisplay, indonesian: str, english: str) -> None:
        shown.append((self.name, indonesian, english))
        await show(self, indonesian, english)

    monkeypatch.setattr(VirtualDisplay, "_show", noted)
    lanes = {"L1": "A", "L2": "C", "L3": "A", "L4": "C"}
    sim = "arrival_profile = { 8 = 40.0, 9 = 40.0 }\nclass_mix = { A = 0.5, C = 0.5 }"
    config = site(tmp_path, lanes, 'layout = "shared"\nhosts = { A = "L3" }', sim)
    db = tmp_path / "sim.db"
    assert main(["--config", str(config), "simulate", "--hours", "2", "--db", str(db), "--fast-store"]) == 0
    got = rows(db, "select lane, lane_class, queue_approach, queue_match from cycles")
    assert len(got) > 40 and {a for _, _, a, _ in got} == {"A", "C"}
    assert all(cls == approach for _, cls, approach, _ in got), "each lane takes only its class's queue"
    assert {lane for lane, *_ in got} == set(lanes), "the sign sends drivers to every lane of the class"
    assigned = rows(db, "select approach, lane from queue_events where kind = 'assign'")
    assert len(assigned) == len(got) and all(lanes[lane] == approach for approach, lane in assigned)
    assert {m for *_, m in got} == {"order"}
    signs = [(name, i, e) for name, i, e in shown if name.endswith("queue_sign")]
    assert len(signs) == len(got) and {name for name, *_ in signs} == {"L3.queue_sign", "L2.queue_sign"}
    a_sign = {i for name, i, _ in signs if name == "L3.queue_sign"}  # the SIM A queue's sign, on its host L3
    assert a_sign == {"Lajur L1 ->", "Lajur L3 ->"} and ("L2.queue_sign", "Lajur L4 ->", "Lane L4 ->") in signs


def test_a_full_queue_balks_and_impatient_drivers_renege(tmp_path: Path) -> None:
    sim = 'arrival_profile = { 8 = 60.0 }\nclass_mix = { A = 1.0 }\npatience = { kind = "fixed", value = 400.0 }'
    config = site(tmp_path, {"L1": "A"}, "capacity = 3", sim)
    db = tmp_path / "sim.db"
    assert main(["--config", str(config), "simulate", "--hours", "1", "--db", str(db), "--fast-store"]) == 0
    kinds = dict(rows(db, "select kind, count(*) from queue_events group by kind"))
    assert kinds.get("balk", 0) > 5 and kinds.get("renege", 0) > 0, kinds
    cycles = rows(db, "select count(*) from cycles")[0][0]
    assert kinds["join"] == cycles + kinds["renege"], "every driver who joined was served or left"
    assert rows(db, "select count(*) from queue_events where kind = 'join' and detail = 'left'") == [(kinds["renege"],)]
    waits = [w for (w,) in rows(db, "select wait from cycles")]
    assert max(waits) <= 400.0 + 1e-6, "nobody waits past their patience"
    assert rows(db, "select count(*) from notices where code = 'queue_full'")[0][0] > 0


def test_days_are_appended_from_their_start(tmp_path: Path) -> None:
    config = site(tmp_path, {"L1": "A", "L2": "C"}, "", "arrival_profile = { 9 = 8.0, 10 = 8.0 }")
    db = tmp_path / "sim.db"
    args = ["--config", str(config), "simulate", "--db", str(db), "--fast-store"]
    assert main([*args, "--days", "2", "--start", "2026-03-02"]) == 0
    first = rows(db, "select count(*), min(started_at), max(started_at) from cycles")[0]
    assert first[0] > 10 and first[1] >= "2026-03-02T02" and first[2] < "2026-03-03T05", first  # 09-11 WIB
    assert main([*args, "--start", "2026-03-04"]) == 0
    days = rows(db, "select substr(started_at, 1, 10), count(*) from cycles group by 1")
    assert [d for d, _ in days] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert sum(n for _, n in days) > first[0]


def test_simulate_refuses_a_bad_days_value(tmp_path: Path, capsys: Any) -> None:
    assert main(["simulate", "--days", "0", "--db", str(tmp_path / "x.db")]) == 2
    assert "--days: expected 1 to 366, got 0" in capsys.readouterr().err
