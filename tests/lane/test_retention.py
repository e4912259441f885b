"""The retention policy removes exactly what it says: photos, plate crops and the cycles' full NIKs and names
older than their days are gone, newer ones and open cycles kept; a dry run changes nothing; every run that changes
something is audited; `lane run`'s daily task applies it day after day."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lane.cli import main
from lane.clock import Clock
from lane.config import ConfigError, Retention, parse
from lane.retention import DAY_S, daily
from lane.store import Store
from tests.conftest import ROOT, run_command, run_virtual

NIK, NAME, SIM = "3310046908608118", "TRI RAHMAWATI", "2320792618423"
MASKED = {"nik": "331004********18", "holder_name": "T*** R***", "sim_number": "232079*****23"}


def _cycle(store: Store, cid: int, lane: str, outcome: str, started: datetime, ended: datetime | None) -> None:
    store.db.table("cycles").insert(
        {
            "id": cid,
            "lane": lane,
            "lane_class": "A",
            "outcome": outcome,
            "started_at": started.isoformat(),
            "ended_at": ended.isoformat() if ended else None,
            "nik": NIK,
            "holder_name": NAME,
            "sim_number": SIM,
        }
    )


def _file(path: Path, at: datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


@pytest.fixture
def site(tmp_path: Path) -> dict[str, Any]:
    """Cycles that ended 400, 100, 40 and 10 days ago, one open since 500 days, one abandoned (no end) 400 days
    ago; a photo and a plate crop of each, as old as its cycle; and files the policy must not touch."""
    now = datetime.now(UTC)
    var = tmp_path / "var"
    store = Store(var / "lane.db", durable=False)
    ages = {1: 400, 2: 100, 3: 40, 4: 10}
    files: dict[str, Path] = {}
    for cid, days in ages.items():
        end = now - timedelta(days=days)
        _cycle(store, cid, "L1", "completed", end - timedelta(minutes=9), end)
    _cycle(store, 5, "L2", "open", now - timedelta(days=500), None)
    _cycle(store, 6, "L2", "abandoned", now - timedelta(days=400), None)
    for cid, days in {**ages, 5: 500, 6: 400}.items():
        at = now - timedelta(days=days)
        lane = "L1" if cid <= 4 else "L2"
        files[f"photo{cid}"] = _file(var / "photos" / f"{lane}-{cid:06d}-0-ok.jpg", at)
        files[f"plate{cid}"] = _file(var / "plates" / f"{lane}-{cid:06d}.png", at)
    old = now - timedelta(days=400)
    files["other_lane"] = _file(var / "photos" / "L9-000001-0-ok.jpg", old)  # no cycle 1 on lane L9 here
    files["no_cycle"] = _file(var / "photos" / "L1-000099-0-ok.jpg", old)
    files["newer_file"] = _file(var / "photos" / "L1-000001-1-rejected.jpg", now)  # another store's, say
    files["not_ours"] = _file(var / "photos" / "notes.txt", old)
    store.close()
    return {"db": var / "lane.db", "files": files}


def _state(db: Path) -> tuple[set[str], dict[int, dict[str, Any]], list[dict[str, Any]]]:
    store = Store(db, durable=False)
    try:
        present = {p.name for folder in ("photos", "plates") for p in (db.parent / folder).iterdir()}
        cycles = {
            r["id"]: {k: r[k] for k in ("nik", "holder_name", "sim_number")}
            for r in store.db.query("select * from cycles")
        }
        audit = list(store.db.query("select lane, operator, action, args, result, message from operator_actions"))
        return present, cycles, audit
    finally:
        store.close()


def test_a_dry_run_prints_what_would_go_and_changes_nothing(site: dict[str, Any], capsys: Any) -> None:
    before = _state(site["db"])
    assert main(["retention", "run", "--db", str(site["db"]), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "photos: 4 would be removed" in out and "plate crops: 3 would be removed" in out
    assert "2 cycles would be masked: 1, 6" in out and "dry run: nothing changed" in out
    assert "L1-000003-0-ok.jpg" in out and "L1-000003.png" not in out
    assert _state(site["db"]) == before


def test_a_run_removes_exactly_what_the_policy_says_and_audits_it(site: dict[str, Any], capsys: Any) -> None:
    files = site["files"]
    assert main(["retention", "run", "--db", str(site["db"])]) == 0
    out = capsys.readouterr().out
    assert "photos: 4 removed" in out and "2 cycles masked" in out
    present, cycles, audit = _state(site["db"])
    gone = {"photo1", "photo2", "photo3", "photo6", "plate1", "plate2", "plate6"}  # photos 30 days, plates 90
    assert present == {p.name for key, p in files.items() if key not in gone}
    assert cycles[1] == cycles[6] == MASKED, "ended (or abandoned) over 365 days ago"
    assert all(cycles[c] == {"nik": NIK, "holder_name": NAME, "sim_number": SIM} for c in (2, 3, 4, 5))
    assert len(audit) == 1
    row = audit[0]
    assert (row["lane"], row["operator"], row["action"], row["result"]) == ("*", "system", "retention", "ok")
    assert json.loads(row["args"])["cycles"] == [1, 6] and json.loads(row["args"])["photos"] == 4
    assert main(["retention", "run", "--db", str(site["db"])]) == 0, "a second run finds nothing"
    assert _state(site["db"])[2] == audit, "and writes no audit row"


def test_a_missing_database_is_one_line_not_a_traceback(tmp_path: Path, capsys: Any) -> None:
    assert main(["retention", "run", "--db", str(tmp_path / "none.db")]) == 1
    assert capsys.readouterr().out.strip() == f"lane retention: no database at {tmp_path / 'none.db'}"
    assert not (tmp_path / "none.db").exists()


def test_the_policy_is_validated_and_shipped(tmp_path: Path) -> None:
    data = tomllib.loads((ROOT / "config" / "site.toml").read_text())
    assert parse(data).retention == Retention(photos_days=30, plates_days=90, personal_days=365)
    data["retention"]["photos_days"] = 0
    with pytest.raises(ConfigError, match=r"retention\.photos_days: Input should be greater than or equal to 1"):
        parse(data, "site.toml")


def test_the_daily_task_applies_the_policy_every_day(tmp_path: Path) -> None:
    async def scenario(clock: Clock) -> list[str]:
        store = Store(tmp_path / "lane.db", durable=False)
        now = clock.wall()
        _cycle(store, 1, "L1", "completed", now - timedelta(days=400), now - timedelta(days=400))
        _cycle(store, 2, "L1", "completed", now - timedelta(days=365, hours=-12), now - timedelta(days=365, hours=-12))
        task = asyncio.create_task(daily(clock, tmp_path / "lane.db", Retention(), tmp_path, durable=False))
        await clock.sleep(DAY_S / 2)  # the first run masked cycle 1; cycle 2 is 365 days old 12 hours later
        first = [r["nik"] for r in store.db.query("select nik from cycles order by id")]
        await clock.sleep(DAY_S)
        task.cancel()
        second = [r["nik"] for r in store.db.query("select nik from cycles order by id")]
        audits = [r["message"] for r in store.db.query("select message from operator_actions")]
        store.close()
        assert first == [MASKED["nik"], NIK] and second == [MASKED["nik"]] * 2
        return audits

    audits = run_virtual(scenario)
    assert audits == ["0 photos and 0 plate crops removed, personal data of 1 cycles masked"] * 2


@pytest.mark.slow
def test_lane_run_applies_the_policy_as_it_starts(site: dict[str, Any]) -> None:
    db = site["db"]
    cmd = run_command(db)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline, audited = time.monotonic() + 60, list[tuple[str]]()
        while time.monotonic() < deadline and not audited:
            time.sleep(0.2)
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            audited = con.execute("select message from operator_actions where action = 'retention'").fetchall()
            con.close()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    # Cycle 5, open on L2 with no lane holding it, is closed as abandoned at start-up: it goes too.
    assert audited == [("5 photos and 4 plate crops removed, personal data of 3 cycles masked",)]
    assert not site["files"]["photo1"].exists() and site["files"]["photo4"].exists()
