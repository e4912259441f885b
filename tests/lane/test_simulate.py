"""`lane simulate` and `lane demo` end to end: they finish, and the summary equals what the cycles table says."""

from __future__ import annotations

import contextlib
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lane.cli import main
from lane.summary import p90
from tests.conftest import ROOT, demo_args, run_command


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _figures(db: Path) -> dict[str, Any]:
    con = sqlite3.connect(db)
    outcomes = dict(con.execute("select outcome, count(*) from cycles group by outcome").fetchall())
    done = sorted(d for (d,) in con.execute("select duration from cycles where outcome = 'completed'"))
    stage_cols = [r[1] for r in con.execute("pragma table_info(cycles)") if r[1].startswith("dur_")]
    sums = con.execute(f"select duration, {'+'.join(stage_cols)} from cycles where outcome != 'open'").fetchall()
    con.close()
    return {"outcomes": outcomes, "done": done, "sums": sums}


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def test_simulate_8_hours_2_lanes_summary_matches_the_table(tmp_path: Path, capsys: Any) -> None:
    db = tmp_path / "sim.db"
    assert main(["simulate", "--hours", "8", "--lanes", "2", "--db", str(db), "--fast-store"]) == 0
    out = capsys.readouterr().out
    f = _figures(db)
    completed, rejected = f["outcomes"].get("completed", 0), f["outcomes"].get("rejected", 0)
    assert completed > 40, "8 hours at 5 an hour on 2 lanes serves about 80 vehicles"
    assert "open" not in f["outcomes"], "every cycle ended"
    assert re.search(rf"renewals completed: {completed}\s+rejected: {rejected}\b", out), out
    done = f["done"]
    assert f"median {_mmss(statistics.median(done))}" in out
    assert f"p90 {_mmss(p90(done))}" in out
    share = sum(1 for d in done if d < 600) / len(done)
    assert f"under 10 min: {share:.0%}" in out
    assert str(db) in out
    for duration, stage_sum in f["sums"]:
        assert stage_sum == pytest.approx(duration, abs=0.05), "stage durations add up to the cycle time"


def test_simulate_is_reproducible(tmp_path: Path, capsys: Any) -> None:
    outs = []
    for name in ("a.db", "b.db"):
        assert main(["simulate", "--hours", "2", "--lanes", "2", "--db", str(tmp_path / name), "--fast-store"]) == 0
        outs.append(capsys.readouterr().out.replace(name, "X"))
    assert outs[0] == outs[1]


@pytest.mark.slow  # spawns the lane command
def test_demo_plain_runs_a_few_renewals(tmp_path: Path, capsys: Any) -> None:
    db = tmp_path / "demo.db"
    code = main(demo_args(db, 3, 100))
    out = capsys.readouterr().out
    assert code == 0
    assert ("idle -> arrived" in out and "exiting -> idle" in out) or "rejected -> idle" in out
    f = _figures(db)
    assert sum(f["outcomes"].values()) == 3
    assert "renewals completed:" in out and str(db) in out


@pytest.mark.slow  # spawns the lane command
@pytest.mark.parametrize("started", [2, 1], ids=["started", "starting"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_starts_every_lane_and_stops_cleanly(tmp_path: Path, sig: signal.Signals, started: int) -> None:
    """Stopped once every lane has started, or as soon as the first has (the second may still be starting: what
    had started must still be stopped, or its devices' threads hold the process)."""
    db = tmp_path / "run.db"
    proc = subprocess.Popen(
        run_command(db),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        # Ctrl-C as on a terminal: a suite started in the background (`cmd &` in a script) ignores SIGINT, and an
        # ignored signal stays ignored in children, so `lane run` would rightly not see it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(sqlite3.OperationalError):  # the schema may not be there yet
                if db.exists() and len(_rows(db, "select lane from lane_state")) >= started:
                    break
            time.sleep(0.1 if started == 2 else 0.005)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "L1 #- idle -> idle (start by system)" in out
    if started == 2:
        assert "L2" in out
        assert sorted(r[0] for r in _rows(db, "select lane from events where trigger = 'start'")) == ["L1", "L2"]
    assert not (tmp_path / "run.sock").exists(), "the command socket is removed on the way out"


@pytest.mark.slow  # spawns the lane command
def test_simulate_interrupted_stops_its_lanes_and_says_where_the_cycles_are(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "lane.cli", "simulate", "--hours", "8", "--db", str(db), "--fast-store"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in the test above
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(sqlite3.OperationalError):
                if db.exists() and len(_rows(db, "select lane from events where trigger = 'start'")) >= 2:
                    break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert f"interrupted; the cycles so far are in {db}" in err and "Traceback" not in err


def test_help_lists_every_command(capsys: Any) -> None:
    assert main(["--help"]) == 0  # main returns argparse's exit code, as it does a usage error's
    out = capsys.readouterr().out
    for command in ("demo", "simulate", "run", "check-config"):
        assert command in out


@pytest.mark.slow  # spawns the lane command
def test_demo_over_the_serial_protocols_prints_cards_as_png(tmp_path: Path, capsys: Any) -> None:
    """The default demo: every device over its real protocol, to simulator processes, cards written as PNGs."""
    db = tmp_path / "demo.db"
    code = main(["demo", "--renewals", "2", "--speed", "20", "--db", str(db), "--plain"])
    out = capsys.readouterr().out
    assert code == 0, out
    outcomes = dict(_rows(db, "select outcome, count(*) from cycles group by outcome"))
    assert sum(outcomes.values()) == 2 and "open" not in outcomes
    cards = sorted((tmp_path / "cards").glob("*.png"))
    printed = _rows(db, "select count(*) from cards")[0][0]
    assert printed == outcomes.get("completed", 0) and len(cards) == printed
    kinds = {r[0] for r in _rows(db, "select distinct kind from device_events")}
    assert {"gate", "loop", "display", "print"} <= kinds


def test_simulate_closes_its_store_and_population_however_it_ends(tmp_path: Path, monkeypatch: Any) -> None:
    """A simulation stopped part-way (here a failure while it plans the arrivals; a Ctrl-C alike) closes them."""
    from lane import config as site_config
    from lane import simulate as sim
    from lane.holders import Registry
    from lane.store import Store
    from tests.conftest import run_virtual

    closed: list[str] = []
    monkeypatch.setattr(Store, "close", lambda self: closed.append("store"))
    monkeypatch.setattr(Registry, "close", lambda self: closed.append("registry"))

    def fail(*args: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(sim, "make_arrivals", fail)
    config = site_config.load()
    with pytest.raises(KeyboardInterrupt):
        run_virtual(lambda c: sim.simulate(c, config, list(config.lanes), tmp_path / "sim.db", sim.SimPlan(), False))
    assert sorted(closed) == ["registry", "store"]


# -- one lane's failure never stops the others ---------------------------------------------------------------------


def _simulate_two_lanes(tmp_path: Path, hours: float = 2.0) -> Any:
    from lane import config as site_config
    from lane import simulate as sim
    from tests.conftest import run_virtual

    config = site_config.load()
    plan = sim.SimPlan(hours=hours, per_hour=4.0, seed=3)
    # Pinned: the arrivals drawn depend on where the hours fall, and this day must be the same whenever it runs.
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta, a Monday
    return run_virtual(lambda c: sim.simulate(c, config, list(config.lanes), tmp_path / "sim.db", plan, False), start)


def _outcomes(db: Path, lane: str) -> dict[str, int]:
    return dict(_rows(db, f"select outcome, count(*) from cycles where lane = '{lane}' group by outcome"))


def test_one_lanes_traffic_failing_never_ends_the_other_lanes(tmp_path: Path, monkeypatch: Any, caplog: Any) -> None:
    """L1's simulated traffic fails outright: it is logged and told to L1's operator; L2 serves its day."""
    from lane.people import LanePeople

    traffic = LanePeople.traffic

    async def failing(self: LanePeople, *args: Any) -> None:
        if self.lane_id == "L1":
            raise RuntimeError("the L1 queue fell over")
        await traffic(self, *args)

    monkeypatch.setattr(LanePeople, "traffic", failing)
    summary = _simulate_two_lanes(tmp_path)
    db = tmp_path / "sim.db"
    served = _outcomes(db, "L2")
    assert served.get("completed", 0) >= 3 and "open" not in served, served
    assert summary.completed == served.get("completed", 0)
    assert "lane L1: its simulated traffic failed: RuntimeError: the L1 queue fell over" in caplog.text
    alerts = _rows(db, "select lane, text from notices where code = 'lane_isolated'")
    assert alerts == [("L1", "its simulated traffic failed: RuntimeError: the L1 queue fell over")]


def test_a_driver_who_gives_up_waiting_ends_neither_the_lane_nor_the_others(
    tmp_path: Path, monkeypatch: Any, caplog: Any
) -> None:
    """The demo's failure: a driver waiting at the entry boom gave up (a timeout), and that ended every lane. Now
    the driver backs out, is logged, and both lanes serve the rest of their day."""
    from devices.virtual import VirtualLane

    drive_in = VirtualLane.drive_in
    calls: list[str] = []

    async def impatient(self: VirtualLane, *args: Any, **kwargs: Any) -> None:
        calls.append(self.name)
        if calls.count(self.name) == 1 and self.name.startswith("L1"):
            self.entry_loop.set(True)
            raise TimeoutError  # waited for the entry boom and drove away
        await drive_in(self, *args, **kwargs)

    monkeypatch.setattr(VirtualLane, "drive_in", impatient)
    _simulate_two_lanes(tmp_path)
    db = tmp_path / "sim.db"
    for lane in ("L1", "L2"):
        outcomes = _outcomes(db, lane)
        assert outcomes.get("completed", 0) >= 3 and "open" not in outcomes, (lane, outcomes)
    assert caplog.text.count("gave up at the entry: TimeoutError") == 1


def test_a_lane_whose_device_fails_to_start_is_reported_and_the_others_run(tmp_path: Path) -> None:
    import asyncio

    from devices.virtual import VirtualDisplay
    from lane import config as site_config
    from lane.holders import Registry
    from lane.site import Site
    from lane.store import Store
    from tests.conftest import run_virtual

    async def main(clock: Any) -> None:
        config = site_config.load()
        store = Store(tmp_path / "lane.db", durable=False)
        registry = Registry(tmp_path / "registry.db")
        site = Site(config, store, clock, registry=registry, var=tmp_path)
        display = site.lanes["L1"].devices.display
        assert isinstance(display, VirtualDisplay)

        async def broken() -> None:
            raise OSError("no such port /dev/ttyUSB2")

        display.start = broken  # type: ignore[method-assign]
        try:
            await site.start()
            assert sorted(lane.lane_id for lane in site._running) == ["L1", "L2"]
            await asyncio.sleep(1.0)
        finally:
            await site.stop()
            store.close()
            registry.close()

    run_virtual(main)
    states = dict(_rows(tmp_path / "lane.db", "select lane, state from lane_state"))
    assert states == {"L1": "idle", "L2": "idle"}
    alerts = _rows(tmp_path / "lane.db", "select lane, text from notices where code = 'lane_isolated'")
    assert alerts == [("L1", "starting L1.display failed: OSError: no such port /dev/ttyUSB2")]
