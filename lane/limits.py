"""What one client of the command socket may send (lane/control.py), and how much of it reaches the audit table.

A line is at most `MAX_LINE` bytes (the longest real command, the documents' fields, is some 300); its JSON nests
at most `MAX_DEPTH` deep, checked before it is parsed, so that no line can make the parser recurse without
bound; each text field is at most `lane.commands.MAX_FIELD` characters and `data` holds only the documents' keys
(the messages' models, lane/wire.py). A connection sends at most `BURST` requests at once and `RATE` a second after
that (a token bucket, in real time whatever the lane clock's speed): the excess is answered with an error, and
counted into one audit row rather than a row each.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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
