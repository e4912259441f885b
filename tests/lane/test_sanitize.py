"""lane.sanitize: nothing a terminal acts on gets through `terminal`/`line`, a spreadsheet formula gets through
`csv_cell` as text, and the log carries neither."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lane.sanitize import CONTROL, TerminalFormatter, csv_cell, guard_log, json_line, line, terminal


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("abort \x1b[31mred\x1b[0m", "abort red"),
        ("\x1b]8;;http://evil/\x07click\x1b]8;;\x1b\\", "click"),
        ("\x1b]0;title\x1b\\ok", "ok"),
        ("clear\x1b[2J\x1b[H", "clear"),
        ("c1 \x9b31m csi", "c1  csi"),
        ("bell\x07 back\x08 del\x7f", "bell back del"),
        ("nik \u202e7002", "nik 7002"),
        ("two\nlines\ttab", "two\nlines\ttab"),
        ("unterminated \x1b]52;c;ZXZpbA==", "unterminated "),
        ("c1 string starter \x90 alone keeps the rest", "c1 string starter  alone keeps the rest"),
    ],
)
def test_terminal_removes_escapes_and_controls(text: str, shown: str) -> None:
    assert terminal(text) == shown


def test_line_is_one_line() -> None:
    assert line("a\nb\tc\r\n") == "a b c "


@given(st.text())
def test_nothing_a_terminal_acts_on_gets_through(text: str) -> None:
    out = line(text)
    assert not any(c in out for c in "\x1b\x07\x9b\n\r") and not CONTROL.search(out)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","klik")', '\'=HYPERLINK("http://evil","klik")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'=1"),  # CR is a control character: removed, and what is left still begins with =
        ("\x1b[31m=1", "'=1"),
        ("-1.500", "-1.500"),
        ("+62", "+62"),
        ("dokumen palsu", "dokumen palsu"),
        (-3, -3),
        (1.5, 1.5),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_text(value: object, cell: object) -> None:
    assert csv_cell(value) == cell


def test_json_line_is_the_same_value_and_safe_to_print() -> None:
    row = {"file": "a\x9b31m\u202eb.png", "plate": "G 1234 AB"}
    text = json_line(json.dumps(row, ensure_ascii=False))
    assert json.loads(text) == row
    assert "\x9b" not in text and "\u202e" not in text


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A handler on the root logger writing to a string, as a site's logging set-up would add one."""
    root = logging.getLogger()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root.addHandler(handler)
    saved = [(h, h.formatter) for h in root.handlers]
    yield out
    for h, formatter in saved:
        h.setFormatter(formatter)
    root.removeHandler(handler)


def test_the_log_carries_no_escape_codes(stream: io.StringIO) -> None:
    guard_log()
    assert all(isinstance(h.formatter, TerminalFormatter) for h in logging.getLogger().handlers)
    logging.getLogger("lane.test").warning("lane %s: %s", "L1", "abort \x1b]0;owned\x07\x1b[2Jreason")
    assert stream.getvalue() == "WARNING lane L1: abort reason\n"  # the handler's own format kept
