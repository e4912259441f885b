"""Crash and restart: a real `kill -9` of the controller in each stage of a cycle, then a restart on the same
database. The cycle is resumed or faulted, never duplicated, and every event committed before the kill is kept."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from flows.states import RESUMABLE, WORKING, Stage
from tests.conftest import ROOT, demo_args

pytestmark = pytest.mark.slow


def _demo(db: Path, renewals: int) -> list[str]:
    config = str(ROOT / "config" / "site.toml")
    return [sys.executable, "-m", "lane.cli", "--config", config, *demo_args(db, renewals, 30)]


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _kill_in(db: Path, stage: Stage) -> list[tuple[Any, ...]]:
    """Run the demo until lane L1 is in `stage`, read the committed events, then kill -9 it."""
    proc = subprocess.Popen(_demo(db, 1), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"demo ended before reaching {stage}: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                state = _rows(db, "select state from lane_state where lane = 'L1'")
            except sqlite3.OperationalError:
                state = []
            if state and state[0][0] == stage.value:
                events = _rows(db, "select * from events order by id")
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
                return events
            time.sleep(0.005)
        raise AssertionError(f"L1 never reached {stage}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("stage", WORKING, ids=[s.value for s in WORKING])
def test_kill_9_in_each_stage_then_restart(tmp_path: Path, stage: Stage) -> None:
    db = tmp_path / "lane.db"
    before = _kill_in(db, stage)
    assert before, "events were committed before the kill"

    done = subprocess.run(_demo(db, 0), cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]

    after = _rows(db, "select * from events order by id")
    assert after[: len(before)] == before, "no committed event is lost or changed"

    cycles = _rows(db, "select id, lane, outcome from cycles")
    assert len(cycles) == 1, f"the interrupted cycle is continued, never duplicated: {cycles}"
    cycle_id, lane, outcome = cycles[0]
    assert lane == "L1" and outcome in ("completed", "rejected", "aborted"), outcome

    restart = _rows(db, "select source, dest, cycle_id from events where trigger = 'restart' and lane = 'L1'")
    assert len(restart) == 1
    source, dest, held = restart[0]
    assert held == cycle_id
    assert source == stage.value
    assert dest == (stage.value if stage in RESUMABLE else "fault")
    if dest == "fault":
        resumed = _rows(db, f"select count(*) from operator_actions where cycle_id = {cycle_id} and action = 'resume'")
        assert resumed[0][0] >= 1, "the operator took the faulted lane on"
    arrivals = _rows(db, "select count(*) from events where trigger = 'vehicle_arrived'")
    assert arrivals[0][0] == 1
