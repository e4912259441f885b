"""The audit in `lane report`: the chain heads printed in the text, CSV and HTML reports (and checkable later with
`lane audit verify --head`), and `--show-personal` writing its audit row to the live store, never to a copy."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from lane import audit
from lane.report import cli, render_csv
from tests.lane.test_audit import _verify, make_store
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
    assert "Audit chain heads" in html and f'<td class="l">{actions.hash}</td>' in html
    assert _verify(db, "--head", actions.hash) == 0
    con = sqlite3.connect(db)  # later, the last operator action is deleted: the printed head shows it
    con.execute("DELETE FROM operator_actions WHERE id = 4")
    con.commit()
    con.close()
    assert _verify(db, "--head", actions.hash) == 1
