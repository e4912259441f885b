"""`lane report` as a command: options, exit codes, the audit row of --show-personal, the CSV and HTML files; and
the store opened read-only, readable while a lane writes, never in a lane's way."""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from lane.report import cli, query, render_csv, render_html, render_text
from lane.report.cli import AUDIT_ACTION
from lane.store import Stamp, Store, TransitionRecord
from tests.conftest import ROOT
from tests.lane.test_report import CONFIG, NIK, PERIOD, make_log


@pytest.fixture(autouse=True)
def keep_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    """run() lowers its process's priority; here that process is the test session: not in these tests."""
    monkeypatch.setattr(cli, "_yield_to_lanes", lambda: None)


def test_the_report_process_runs_at_niceness_10() -> None:
    code = "import os; from lane.report.cli import _yield_to_lanes; _yield_to_lanes(); print(os.nice(0))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert int(done.stdout) >= 10


def _run(db: Path, *options: str, live: Path | None = None) -> int:
    """`lane report --db DB ...` for a site whose live store (store.path) is `live`, by default `db` itself."""
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", "--db", str(db), "--from", "2026-03-02", "--to", "2026-03-03", *options])
    store = CONFIG.store.model_copy(update={"path": str(live or db)})
    return cli.run(args, CONFIG.model_copy(update={"store": store}))


def _audit(db: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT lane, cycle_id, operator, action, args, result FROM operator_actions WHERE action = ?",
            [AUDIT_ACTION],
        ).fetchall()
    finally:
        con.close()


def test_terminal_csv_and_html(tmp_path: Path, capsys: Any) -> None:
    db = make_log(tmp_path / "log.db")
    csv_path, html_path = tmp_path / "r.csv", tmp_path / "r.html"
    assert _run(db, "--csv", str(csv_path), "--html", str(html_path), "--lang", "en") == 0
    out = capsys.readouterr().out
    assert "Test Site: 2026-03-02 to 2026-03-03 (Asia/Jakarta)" in out
    # cars, completed, rejected, aborted, other; total median, p90, goal met; wait; service median, p90; no queue
    site_row = (
        r"site\s+│\s+8\s+│\s+5\s+│\s+1\s+│\s+1\s+│\s+1\s+│\s+7:00.0\s+│\s+10:36.0\s+│\s+60%\s+│\s+-\s+│\s+-\s+│"
        r"\s+7:00.0\s+│\s+10:36.0\s+│\s+5\s+│"
    )
    assert re.search(site_row, out), out
    assert f"wrote {csv_path}" in out and f"wrote {html_path}" in out
    tables = render_csv.read(csv_path)
    site = next(r for r in tables["figures"] if r["by"] == "site")
    assert (site["completed"], site["rejected"], site["median_s"], site["p90_s"], site["under_target_share"]) == (
        "5",
        "1",
        "420.000",
        "636.000",
        "0.6000",
    )
    assert [r["key"] for r in tables["figures"] if r["by"] == "day"] == ["2026-03-02", "2026-03-03"]
    assert {r["stage"]: r["median_s"] for r in tables["stages"] if r["group"] == "L1"}["documents"] == "150.000"
    assert [r["cycle"] for r in tables["slowest"]] == ["3", "5", "6", "2", "1", "7", "4"]
    assert {"name": "personal_data", "value": "masked"} in tables["report"]
    html = html_path.read_text()
    assert html.count("<svg") == 8 and "7:00.0" in html  # seven charts and the slowest cycles' timelines


def test_personal_data_masked_everywhere_by_default(tmp_path: Path, capsys: Any) -> None:
    db = make_log(tmp_path / "log.db")
    assert _run(db, "--csv", str(tmp_path / "r.csv"), "--html", str(tmp_path / "r.html")) == 0
    for text in (capsys.readouterr().out, (tmp_path / "r.csv").read_text(), (tmp_path / "r.html").read_text()):
        assert "Budi" not in text and "Santoso" not in text and NIK not in text and NIK[6:14] not in text
        assert "B*** S***" in text and "332501********07" in text
    assert _audit(db) == []


def test_show_personal_needs_an_operator_and_is_audited(tmp_path: Path, capsys: Any) -> None:
    db = make_log(tmp_path / "log.db")
    html = tmp_path / "r.html"
    assert _run(db, "--show-personal", "--html", str(html)) == 2
    assert "--show-personal needs --operator" in capsys.readouterr().err
    assert not html.exists() and _audit(db) == []
    assert _run(db, "--show-personal", "--operator", "  ", "--quiet") == 2
    assert _run(db, "--show-personal", "--operator", "sup-7", "--lane", "L2", "--html", str(html), "--quiet") == 0
    rows = _audit(db)
    assert len(rows) == 1
    lane, cycle, operator, action, args, result = rows[0]
    assert (lane, cycle, operator, action, result) == ("*", None, "sup-7", AUDIT_ACTION, "ok")
    assert json.loads(args) == {
        "from": "2026-03-02",
        "to": "2026-03-03",
        "lanes": ["L2"],
        "csv": "",
        "html": str(html),
        "terminal": False,
        "db": str(db.resolve()),
        "live": True,
    }
    text = html.read_text()
    assert "Budi Santoso" in text and NIK in text and "data pribadi" in text


def test_bad_arguments_exit_2_and_a_missing_database_1(tmp_path: Path, capsys: Any) -> None:
    db = make_log(tmp_path / "log.db")
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["report", "--from", "02-03-2026"])
    assert exit_info.value.code == 2 and "expected a date as YYYY-MM-DD" in capsys.readouterr().err
    args = parser.parse_args(["report", "--db", str(db), "--from", "2026-03-04", "--to", "2026-03-03"])
    assert cli.run(args, CONFIG) == 2
    assert "--from 2026-03-04 is after --to 2026-03-03" in capsys.readouterr().err
    assert _run(tmp_path / "none.db") == 1
    assert "no database there" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_a_long_period_is_shown_by_month_on_the_terminal(tmp_path: Path, capsys: Any) -> None:
    db = make_log(tmp_path / "log.db")
    assert _run(db, "--from", "2026-02-01", "--to", "2026-03-12", "--csv", str(tmp_path / "r.csv")) == 0
    out = capsys.readouterr().out
    assert "Per bulan" in out and "(40 hari: per hari di --csv dan --html)" in out and "│ 2026-03-02 │" not in out
    rows = render_csv.read(tmp_path / "r.csv")["figures"]
    assert [(r["key"], r["completed"]) for r in rows if r["by"] == "month"] == [("2026-02", "0"), ("2026-03", "7")]
    assert len([r for r in rows if r["by"] == "day"]) == 40
    tables = render_csv.read(tmp_path / "r.csv")  # a long period reads the tables straight through: same rows
    assert [(r["outcome"], r["count"]) for r in tables["reasons"]] == [("aborted", "1"), ("rejected", "1")]
    assert sum(int(r["count"]) for r in tables["overrides"]) == 5 + 1  # the abort on 03-05 is in this period
    assert [r["cycle"] for r in tables["slowest"]][:3] == ["3", "5", "6"]


def test_default_period_ends_today_in_site_time() -> None:
    args = argparse.Namespace(first=None, last=None)
    period = cli.period_of(args, "Asia/Jakarta", datetime(2026, 3, 3, 18, 0, tzinfo=UTC))
    assert (period.first, period.last) == (date(2026, 2, 26), date(2026, 3, 4))
    args = argparse.Namespace(first=None, last=date(2026, 3, 3))
    assert cli.period_of(args, "Asia/Jakarta").first == date(2026, 2, 25)


def test_the_connection_cannot_write(tmp_path: Path) -> None:
    con = query.connect(make_log(tmp_path / "log.db"))
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|query_only"):
        con.execute("DELETE FROM cycles")
    con.close()
    assert sqlite3.connect(tmp_path / "log.db").execute("SELECT count(*) FROM cycles").fetchone()[0] == 10


def _transition(store: Store) -> None:
    when = Stamp(datetime(2026, 3, 3, 4, 0, tzinfo=UTC), 1.0)
    store.transition(
        TransitionRecord(
            "L1",
            "A",
            when,
            "idle",
            "arrived",
            "vehicle_arrived",
            "entry_loop",
            {},
            None,
            True,
            True,
            {},
            {"context": {}},
        )
    )


def test_a_lane_commits_while_a_report_reads(tmp_path: Path) -> None:
    db = make_log(tmp_path / "log.db")
    lane = Store(db, durable=True)
    lane.db.execute("PRAGMA busy_timeout = 0")  # blocked would mean "database is locked" at once, not a wait
    con = query.connect(db)
    con.execute("BEGIN")
    assert con.execute("SELECT count(*) FROM cycles").fetchone()[0] == 10  # the report's snapshot is open
    _transition(lane)  # the lane commits all the same
    assert con.execute("SELECT count(*) FROM cycles").fetchone()[0] == 10  # and the report still sees its snapshot
    con.execute("COMMIT")
    con.close()
    lane.close()


def test_a_report_reads_while_a_lane_holds_its_write_transaction(tmp_path: Path) -> None:
    db = make_log(tmp_path / "log.db")
    lane = Store(db, durable=True)
    lane.db.conn.execute("BEGIN IMMEDIATE")
    lane.db.conn.execute("UPDATE cycles SET outcome = 'completed', duration = 1 WHERE id = 8")  # not committed
    con = query.connect(db)
    con.execute("PRAGMA busy_timeout = 0")
    r = query.build(con, CONFIG, PERIOD)
    con.close()
    lane.db.conn.execute("ROLLBACK")
    lane.close()
    assert (r.total.completed, r.total.open) == (5, 1)


def test_renderers_handle_an_empty_period(tmp_path: Path) -> None:
    con = query.connect(make_log(tmp_path / "log.db"))
    r = query.build(con, CONFIG, type(PERIOD)(date(2027, 1, 1), date(2027, 1, 1), "Asia/Jakarta"))
    con.close()
    assert r.total.total == 0 and r.total.median_s is None and r.slowest == () and r.by_hour == ()
    assert r.held == ("2026-03-01", "2026-03-04")  # cycles 9 and 10, in site time
    html = render_html.render(r)
    said = "Tidak ada siklus dari 2027-01-01 s.d. 2027-01-01. Basis data memuat siklus dari 2026-03-01 s.d. 2026-03-04."
    assert "tidak ada pada periode ini" in html and said in html
    assert "No cycles from 2027-01-01 to 2027-01-01. The database holds cycles from 2026-03-01 to 2026-03-04." in (
        render_html.render(r, "en")
    )
    render_text.render(r, open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    text = (tmp_path / "out.txt").read_text()
    assert "situs" in text and said in " ".join(text.split())  # the total row
    render_csv.save(r, tmp_path / "empty.csv")
    tables = render_csv.read(tmp_path / "empty.csv")
    assert tables["figures"][0]["median_s"] == "" and tables["rules"][1]["text"] == said


def test_files_only_reports_do_not_load_rich(tmp_path: Path) -> None:
    """`--quiet` with --csv and --html (a supervisor's scheduled report) needs no terminal table: rich stays out."""
    db = make_log(tmp_path / "log.db")
    argv = [
        "--db",
        str(db),
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-03",
        "--quiet",
        "--csv",
        str(tmp_path / "r.csv"),
        "--html",
        str(tmp_path / "r.html"),
    ]
    code = f"import sys; from lane.report.cli import main; main({argv!r}); print('rich' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.splitlines()[-1] == "False"
    assert (tmp_path / "r.csv").stat().st_size and (tmp_path / "r.html").stat().st_size


def test_the_terminal_table_shows_data_as_written_not_as_markup(tmp_path: Path) -> None:
    db = make_log(tmp_path / "log.db")
    con = sqlite3.connect(db)
    with con:  # a reason with rich's markup brackets in it, as a device or an operator may write one
        con.execute("UPDATE cycles SET reason = '[bold]gate [/] stuck [Errno 5] :smile:' WHERE id = 4")
    con.close()
    con = query.connect(db)
    r = query.build(con, CONFIG, PERIOD)
    con.close()
    out = tmp_path / "out.txt"
    with out.open("w") as f:
        render_text.render(r, f)
    assert "[bold]gate [/] stuck [Errno 5] :smile:" in out.read_text()


def test_closed_days_are_kept_in_the_cache_unless_no_cache(tmp_path: Path, capsys: Any) -> None:
    db = make_log(tmp_path / "log.db")
    kept = tmp_path / "log.db.report-cache"
    assert _run(db, "--quiet", "--no-cache") == 0
    assert not kept.exists()
    assert _run(db, "--quiet", "--csv", str(tmp_path / "a.csv")) == 0
    assert kept.exists(), "2026-03-02 is long over"
    assert _run(db, "--quiet", "--csv", str(tmp_path / "b.csv")) == 0
    made, read = render_csv.read(tmp_path / "a.csv"), render_csv.read(tmp_path / "b.csv")
    assert made.keys() == read.keys()
    for table in made:  # all but the minute the report was made
        assert [r for r in made[table] if r.get("name") != "generated"] == [
            r for r in read[table] if r.get("name") != "generated"
        ]
