"""What one client of the command socket may send (lane/control.py), and how much of it reaches the audit table.

A line is at most `MAX_LINE` bytes (the longest real command, the documents' fields, is some 300); its JSON nests
at most `MAX_DEPTH` deep, checked before it is parsed, so that no line can make the parser recurse without
bound; each text field is at most `MAX_FIELD` characters and `data` holds only the documents' keys. A connection
sends at most `BURST` requests at once and `RATE` a second after that (a token bucket, in real time whatever the
lane clock's speed): the excess is answered with an error, and counted into one audit row rather than a row each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lane.commands import DATA_FIELDS, MAX_FIELD

MAX_LINE = 8 * 1024
MAX_DEPTH = 4  # a command is an object holding one object (`data`)
MAX_LANE = 16  # a lane id (config: 1 to 16 characters)
RATE = 5.0  # requests a second, sustained
BURST = 20  # requests at once
MAX_CLIENTS = 16  # connections open at the same time


def nesting(line: bytes) -> int:
    """How deep the JSON text `line` nests arrays and objects (brackets inside strings do not count)."""
    deepest = depth = 0
    in_string = escaped = False
    for byte in line:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def text_field(msg: dict[str, Any], key: str, limit: int = MAX_FIELD) -> str:
    """`msg[key]` as text of at most `limit` characters; ValueError naming the field otherwise."""
    value = msg.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    if len(value) > limit:
        raise ValueError(f"{key} longer than {limit} characters")
    return value


def data_fields(msg: dict[str, Any]) -> dict[str, str]:
    """`msg["data"]`: only the documents' keys (and gate), each value bounded like any text field."""
    data = msg.get("data") or {}
    if not isinstance(data, dict):
        raise ValueError("data must map names to text")
    unknown = [str(k)[:20] for k in data if k not in DATA_FIELDS]
    if unknown:
        raise ValueError(f"data: unknown key {unknown[0]!r} (known: {', '.join(DATA_FIELDS)})")
    return {k: text_field(data, k) for k in data}


class Bucket:
    """A token bucket: `take()` is True while the client keeps to `rate` a second with bursts up to `burst`."""

    def __init__(self, rate: float | None = None, burst: int | None = None, now: Callable[[], float] | None = None):
        self.rate = RATE if rate is None else rate
        self.burst = BURST if burst is None else burst
        self.now = now or time.monotonic
        self.tokens = float(self.burst)
        self.at = self.now()
        self.refused = 0  # requests refused since the last summary

    def take(self) -> bool:
        now = self.now()
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.refused += 1
        return False
