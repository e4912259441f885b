"""`lane report` lists the manual receipts of its period (cycles a supervisor approved on a receipt the payment
point never recorded): on the terminal, in the CSV and in the HTML, with the count and who approved each."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from lane.report import render_csv
from tests.lane.test_report import make_log, report
from tests.lane.test_report_cli import _run

MANUAL = {2: ("KWT-0042", "sup-2"), 7: ("KWT-0051", "sup-9"), 10: ("KWT-0060", "sup-2")}  # 10: after the period


def manual_log(tmp_path: Path) -> Path:
    db = make_log(tmp_path / "log.db")
    con = sqlite3.connect(db)
    with con:
        for cid, (receipt, approver) in MANUAL.items():
            con.execute(
                "UPDATE cycles SET receipt = ?, receipt_manual = 1, approved_by = ? WHERE id = ?",
                [receipt, approver, cid],
            )
        con.execute("UPDATE cycles SET receipt = 'PP-1', receipt_manual = 0 WHERE id = 1")
    con.close()
    return db


def test_the_report_lists_the_periods_manual_receipts(tmp_path: Path) -> None:
    manual_log(tmp_path)
    r = report(tmp_path)
    assert [(m.cycle, m.lane, m.started, m.receipt, m.approved_by, m.outcome) for m in r.manual_receipts] == [
        (2, "L1", "2026-03-02 08:40", "KWT-0042", "sup-2", "completed"),
        (7, "L2", "2026-03-03 10:20", "KWT-0051", "sup-9", "completed"),
    ]
    assert [m.cycle for m in report(tmp_path, lanes=("L2",)).manual_receipts] == [7]


def test_terminal_csv_and_html_show_them(tmp_path: Path, capsys: Any) -> None:
    db = manual_log(tmp_path)
    csv_path, html_path = tmp_path / "r.csv", tmp_path / "r.html"
    assert _run(db, "--csv", str(csv_path), "--html", str(html_path)) == 0
    out = capsys.readouterr().out
    assert "Kuitansi manual, disetujui supervisor: 2" in out and "KWT-0051" in out and "KWT-0060" not in out
    rows = render_csv.read(csv_path)["manual_receipts"]
    assert [(m["cycle"], m["receipt"], m["approved_by"]) for m in rows] == [
        ("2", "KWT-0042", "sup-2"),
        ("7", "KWT-0051", "sup-9"),
    ]
    html = html_path.read_text()
    assert "Kuitansi manual, disetujui supervisor: 2" in html and "KWT-0042" in html
