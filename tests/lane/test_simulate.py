"""`lane simulate` and `lane demo` end to end: they finish, and the summary equals what the cycles table says."""

from __future__ import annotations

import re
import sqlite3
import statistics
from pathlib import Path
from typing import Any

import pytest

from lane.cli import main
from lane.summary import p90


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


def test_demo_plain_runs_a_few_renewals(tmp_path: Path, capsys: Any) -> None:
    db = tmp_path / "demo.db"
    code = main(["demo", "--renewals", "3", "--speed", "400", "--db", str(db), "--plain",
                 "--plate-reader", "operator"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert ("idle -> arrived" in out and "exiting -> idle" in out) or "rejected -> idle" in out
    f = _figures(db)
    assert sum(f["outcomes"].values()) == 3
    assert "renewals completed:" in out and str(db) in out
