"""`lane officer`: accounts added, listed, given a new PIN, disabled; bad input answered in one line, exit 1."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from lane.cli import main
from lane.errors import Refused
from lane.officer_cli import DEMO_OFFICER, demo_officer
from lane.officers import Officers
from lane.store import Store
from tests.conftest import ROOT

CONFIG = str(ROOT / "config" / "site.toml")


def officer(db: Path, monkeypatch: Any, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--config", CONFIG, "officer", *args, "--db", str(db)])


def login(db: Path, officer_id: str, pin: str) -> bool:
    store = Store(db, durable=False)
    try:
        Officers(store).login(officer_id, pin)
        return True
    except Refused:
        return False
    finally:
        store.close()


def test_add_list_passwd_disable(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    db = tmp_path / "lane.db"
    assert (
        officer(
            db,
            monkeypatch,
            "add",
            "87010123",
            "--role",
            "supervisor",
            "--name",
            "Sri Wahyuni",
            "--pin-stdin",
            stdin="s3cret-pin\n",
        )
        == 0
    )
    assert login(db, "87010123", "s3cret-pin")
    assert officer(db, monkeypatch, "list") == 0
    out = capsys.readouterr().out
    assert "87010123" in out and "supervisor" in out and "active" in out and "s3cret" not in out
    assert officer(db, monkeypatch, "passwd", "87010123", "--pin-stdin", stdin="other-pin\n") == 0
    assert login(db, "87010123", "other-pin") and not login(db, "87010123", "s3cret-pin")
    assert officer(db, monkeypatch, "disable", "87010123") == 0
    assert not login(db, "87010123", "other-pin")
    assert officer(db, monkeypatch, "enable", "87010123") == 0
    assert login(db, "87010123", "other-pin")


@pytest.mark.parametrize(
    ("args", "stdin", "why"),
    [
        (("add", "x1", "--role", "operator", "--pin-stdin"), "123\n", "6 to 128 printable characters"),
        (("add", "a b", "--role", "operator", "--pin-stdin"), "123456\n", "officer id: 1 to 32"),
        (("add", "x1", "--role", "operator"), "", "no terminal to ask the PIN on"),
        (("passwd", "nobody", "--pin-stdin"), "123456\n", "no officer 'nobody'"),
        (("disable", "nobody"), "", "no officer 'nobody'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: Any, capsys: Any, args: tuple[str, ...], stdin: str, why: str
) -> None:
    assert officer(tmp_path / "lane.db", monkeypatch, *args, stdin=stdin) == 1
    err = capsys.readouterr().err
    assert why in err and err.count("\n") == 1 and "Traceback" not in err


def test_the_demo_officer_gets_a_new_pin_each_run(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    demo_officer(db, "first-pin")
    demo_officer(db, "second-pin")
    assert login(db, DEMO_OFFICER, "second-pin") and not login(db, DEMO_OFFICER, "first-pin")
