"""The report against `lane simulate` on a larger log (a simulated day of four lanes, about 150 cycles): the
summary line simulate prints must be what the report's totals print, and the breakdowns must add up to them."""

from __future__ import annotations

import contextlib
import io
import re
import sqlite3
import statistics
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from lane.cli import main as lane_main
from lane.config import load
from lane.report import cli, query
from lane.report.model import Figures, Period, Report
from lane.summary import Summary, p90
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # reports over simulated days


@pytest.fixture(autouse=True)
def keep_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    """run() lowers its process's priority; here that process is the test session: not in these tests."""
    monkeypatch.setattr(cli, "_yield_to_lanes", lambda: None)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    db = tmp_path_factory.mktemp("report-sim") / "sim.db"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = lane_main(["simulate", "--hours", "8", "--lanes", "4", "--db", str(db), "--fast-store"])
    assert code == 0
    return db, out.getvalue().splitlines()


def _report(db: Path, lanes: tuple[str, ...] = ()) -> Report:
    config = load(ROOT / "config" / "site.toml")
    con = query.connect(db)
    try:  # simulate starts at 08:00 today, site time: the default period (the last 7 days) holds all of it
        return query.build(con, config, Period.last_days(config.site.timezone), lanes, slowest=5)
    finally:
        con.close()


def _summary(f: Figures, db: Path) -> Summary:
    return Summary(
        completed=f.completed,
        rejected=f.rejected,
        aborted=f.aborted,
        open=f.open,
        median_s=f.median_s,
        p90_s=f.p90_s,
        under_target=f.under_target,
        target_s=600.0,
        db=str(db),
        total_median_s=f.total_time.median_s,
        total_p90_s=f.total_time.p90_s,
        total_under_target=f.total_time.under_target,
        wait_median_s=f.wait_time.median_s,
        wait_p90_s=f.wait_time.p90_s,
        unqueued=f.unqueued,
    )


def test_the_summary_line_is_the_reports_totals(simulated: tuple[Path, list[str]]) -> None:
    db, printed = simulated
    r = _report(db)
    assert r.total.total > 100, "8 hours at 5 an hour on 4 lanes"
    assert _summary(r.total, db).lines() == printed
    assert r.total.abandoned == 0


def test_the_breakdowns_add_up_to_the_totals(simulated: tuple[Path, list[str]]) -> None:
    db, _ = simulated
    r = _report(db)
    for part in (r.by_lane, r.by_day, r.by_hour):
        for field in ("completed", "rejected", "aborted", "abandoned", "open"):
            assert sum(getattr(f, field) for f in part) == getattr(r.total, field), field
        assert max(f.max_s or 0 for f in part) == r.total.max_s
    assert [f.key for f in r.by_lane] == ["L1", "L2", "L3", "L4"]
    assert sum(r.histogram.counts) == r.total.completed
    assert [c.total_s for c in r.slowest] == sorted((c.total_s for c in r.slowest), reverse=True)
    for cycle in r.slowest:  # each timeline covers its cycle, stage by stage
        assert sum(s.seconds for s in cycle.steps) == pytest.approx(cycle.duration_s, abs=0.01)
        assert re.fullmatch(r"(\w\*\*\*( \w\*\*\*)*)?", cycle.holder), cycle.holder  # masked, or none recorded
        assert re.fullmatch(r"(\d{6}\*{8}\d{2})?", cycle.nik), cycle.nik


def test_lane_figures_and_stage_medians_match_the_table(simulated: tuple[Path, list[str]]) -> None:
    db, _ = simulated
    r = _report(db)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    stages = {(s.group, s.stage): s for s in r.stages}
    for f in r.by_lane:
        done = sorted(
            d for (d,) in con.execute("SELECT duration FROM cycles WHERE lane = ? AND outcome = 'completed'", [f.key])
        )
        assert (f.median_s, f.p90_s, f.max_s) == (statistics.median(done), p90(done), done[-1])
        assert f.under_target == sum(1 for d in done if d < 600) / len(done)
        docs = [
            d
            for (d,) in con.execute(
                "SELECT dur_documents FROM cycles WHERE lane = ? AND outcome = 'completed'", [f.key]
            )
        ]
        assert stages[f.key, "documents"].median_s == statistics.median(docs)
        assert stages[f.key, "documents"].budget_s == 120.0
    con.close()
    one = _report(db, ("L3",))
    assert one.total == Figures(**{**one.by_lane[0].__dict__, "key": "site"})


def test_the_report_command_runs_on_it(simulated: tuple[Path, list[str]], tmp_path: Path, capsys: Any) -> None:
    db, _ = simulated
    config = load(ROOT / "config" / "site.toml")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    first = con.execute("SELECT min(started_at) FROM cycles").fetchone()[0]
    con.close()
    day = Period(date.min, date.min, config.site.timezone).local(first).date().isoformat()  # the simulated day
    assert (
        cli.main(
            [
                "--config",
                str(ROOT / "config" / "site.toml"),
                "--db",
                str(db),
                "--from",
                day,
                "--to",
                day,
                "--html",
                str(tmp_path / "r.html"),
                "--csv",
                str(tmp_path / "r.csv"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Per lajur, berdampingan" in out and "10 siklus terlama (waktu total)" in out
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_the_day_cache_gives_the_same_report(simulated: tuple[Path, list[str]], tmp_path: Path) -> None:
    """Seen from the next day (the simulated day closed), the report made with the day cache, empty and then full,
    is the report made from the rows, for the site and for one lane."""
    db, _ = simulated
    config = load(ROOT / "config" / "site.toml")
    period = Period.last_days(config.site.timezone)
    tomorrow = datetime.combine(period.last + timedelta(days=1), time(12), period.tz)
    kept = tmp_path / "sim.report-cache"

    def made(lanes: tuple[str, ...], with_cache: bool) -> Report:
        con = query.connect(db)
        try:
            return query.build(con, config, period, lanes, slowest=5, now=tomorrow, cache=kept if with_cache else None)
        finally:
            con.close()

    for lanes in ((), ("L3",)):
        rows = made(lanes, False)
        assert made(lanes, True) == rows
        assert made(lanes, True) == rows
    con = sqlite3.connect(kept)
    assert [d for (d,) in con.execute("SELECT day FROM blocks")] == [d.isoformat() for d in period.days()]
    con.close()
