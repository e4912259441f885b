"""The audit in `lane report`: the chain heads printed in the text, CSV and HTML reports (and checkable later with
`lane audit verify --head`), and `--show-personal` writing its audit row to the live store, never to a copy."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from lane import audit
from lane.report import cli, render_csv
from lane.report.cli import AUDIT_ACTION
from tests.lane.test_audit import _verify, make_store
from tests.lane.test_report import NIK, make_log
from tests.lane.test_report_cli import _run


@pytest.fixture(autouse=True)
def keep_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_yield_to_lanes", lambda: None)


def _heads(db: Path) -> tuple[audit.Head, ...]:
    con = sqlite3.connect(db)
    try:
        return audit.heads(con)
    finally:
        con.close()


def _shown(db: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT args, message FROM operator_actions WHERE action = ?", [AUDIT_ACTION]).fetchall()
    finally:
        con.close()


def test_every_report_prints_the_chain_heads(tmp_path: Path, capsys: Any) -> None:
    db = make_store(tmp_path / "a.db")
    csv_path, html_path = tmp_path / "r.csv", tmp_path / "r.html"
    assert _run(db, "--csv", str(csv_path), "--html", str(html_path)) == 0
    events, actions = _heads(db)
    assert (events.row_id, events.count, actions.row_id, actions.count) == (6, 6, 4, 4)
    text = capsys.readouterr().out
    assert re.search(rf"events\s+│\s+6\s+│\s+6\s+│\s+{events.hash}", text), text
    assert re.search(rf"operator_actions\s+│\s+4\s+│\s+4\s+│\s+{actions.hash}", text), text
    assert render_csv.read(csv_path)["audit"] == [
        {"chain": "events", "rows": "6", "head_row": "6", "hash": events.hash},
        {"chain": "operator_actions", "rows": "4", "head_row": "4", "hash": actions.hash},
    ]
    html = html_path.read_text()
    assert "Ujung rantai audit" in html and f'<td class="l">{actions.hash}</td>' in html
    assert _verify(db, "--head", actions.hash) == 0
    con = sqlite3.connect(db)  # later, the last operator action is deleted: the printed head shows it
    con.execute("DELETE FROM operator_actions WHERE id = 4")
    con.commit()
    con.close()
    assert _verify(db, "--head", actions.hash) == 1


def test_show_personal_against_a_copy_writes_its_row_to_the_live_store(tmp_path: Path, capsys: Any) -> None:
    live = make_log(tmp_path / "live.db")
    copy = tmp_path / "elsewhere" / "copy.db"
    copy.parent.mkdir()
    shutil.copy(live, copy)
    html = tmp_path / "r.html"
    assert _run(copy, "--show-personal", "--operator", "sup-7", "--html", str(html), "--quiet", live=live) == 0
    assert NIK in html.read_text()
    assert _shown(copy) == []  # the copy was only read
    ((args, message),) = _shown(live)
    assert json.loads(args)["db"] == str(copy.resolve()) and json.loads(args)["live"] is False
    assert message == f"names and NIKs shown unmasked in a report, read from {copy.resolve()}, not from the live store"


def test_show_personal_with_no_live_store_is_refused(tmp_path: Path, capsys: Any) -> None:
    copy = make_log(tmp_path / "copy.db")
    html = tmp_path / "r.html"
    gone = tmp_path / "var" / "lane.db"
    assert _run(copy, "--show-personal", "--operator", "sup-7", "--html", str(html), live=gone) == 1
    err = capsys.readouterr()
    assert err.err.strip() == (
        f"lane report: cannot write the audit row to the live store {gone}, personal data "
        f"not shown: the live store {gone} (store.path) is not there"
    )
    assert NIK not in err.out and not html.exists() and not gone.exists() and _shown(copy) == []


def test_the_live_store_chains_the_row_of_a_report_on_a_copy(tmp_path: Path) -> None:
    live = make_store(tmp_path / "live.db")
    copy = tmp_path / "copy.db"
    shutil.copy(live, copy)
    before = _heads(live)[1]
    assert _run(copy, "--show-personal", "--operator", "sup-7", "--quiet", live=live) == 0
    after = _heads(live)[1]
    assert after.row_id == before.row_id + 1 and _heads(copy)[1] == before
    assert _verify(live, "--head", before.hash, "--head", after.hash) == 0
