"""Text from outside made safe for where it goes: a terminal, a log, a spreadsheet.

Abort reasons, holder names, plates typed by an operator and file names all come from people or from files, and
all of them end up printed somewhere. Two rules, used by every writer in `lane/`:

- a terminal (the text report, the plain progress lines, the log, `lane registry lookup`, `lane plates read`) gets
  no control characters: ANSI/ECMA-48 escape sequences are removed whole, then every C0 and C1 control character
  and DEL, and the bidirectional overrides that make text read differently from what it is ("Trojan Source").
  `terminal` keeps newlines and tabs, where a line break means something (a traceback); `line` makes one line.
- a CSV cell that a spreadsheet would run as a formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage
  return: the OWASP CSV-injection rule) gets a leading apostrophe, so `=HYPERLINK(...)` stays text. Numbers, and
  strings that are plain numbers such as "-1.500", are left as they are.
"""

from __future__ import annotations

import logging
import re
from typing import Any

#: An escape sequence: CSI (ESC [ or the C1 byte 0x9b) with its parameters; OSC, DCS, SOS, PM and APC strings
#: (ESC ], P, X, ^, _) up to their terminator (BEL or ST) or the end of the text; any other two-byte escape. The
#: C1 string starters alone are dropped as single characters (below), not with the text after them.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
#: Control characters a terminal acts on (C0 but tab and newline, DEL, C1), and the bidi embeddings, overrides
#: and isolates.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\n]")
#: Every control character (Unicode category Cc), for fields that must hold none: a name, a number, a key.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
#: JSON leaves these unescaped (ensure_ascii=False); a terminal would act on them.
_JSON_RAW = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal(text: object) -> str:
    """`text` as a string a terminal shows and does not act on: escape sequences and control characters gone,
    newlines and tabs kept."""
    return _CONTROLS.sub("", _ESCAPES.sub("", str(text)))


def line(text: object) -> str:
    """`text` as one terminal line: as `terminal`, with newlines and tabs made spaces."""
    return _BREAKS.sub(" ", terminal(text))


def csv_cell(value: object) -> object:
    """A value for a CSV cell: numbers as they are; text without control characters (newlines and tabs kept:
    the csv module quotes them) and, when a spreadsheet would read it as a formula, behind an apostrophe."""
    if not isinstance(value, str):
        return value
    text = _CONTROLS.sub("", _ESCAPES.sub("", value))
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_row(row: Any) -> list[object]:
    """Every cell of a row through `csv_cell`."""
    return [csv_cell(v) for v in row]


def json_line(text: str) -> str:
    """A line of JSON (from json.dumps(..., ensure_ascii=False)) with the characters a terminal acts on but JSON
    leaves raw written as \\u escapes: the same JSON value, safe to print."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class TerminalFormatter(logging.Formatter):
    """A log formatter whose lines carry no escape sequences nor control characters (tracebacks keep their
    line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal(super().format(record))


def guard_log() -> None:
    """Make every log line safe for a terminal: the root logger's handlers get a `TerminalFormatter` with their
    format; with no handler, one like logging's last resort (warnings and worse, the message alone, to stderr)."""
    root = logging.getLogger()
    if not root.handlers:
        stderr = logging.StreamHandler()
        stderr.setLevel(logging.WARNING)
        root.addHandler(stderr)
    for handler in root.handlers:
        if not isinstance(handler.formatter, TerminalFormatter):
            fmt = handler.formatter._fmt if handler.formatter is not None else None
            handler.setFormatter(TerminalFormatter(fmt))
