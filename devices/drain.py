"""Draining a serial line: read and drop input until the line has been quiet, before a request.

Line noise leaves a backlog behind it (in the OS's buffer, in a serial-to-Ethernet converter, still on its way).
pyserial's `in_waiting` does not measure it (the `socket://` handler says 0 or 1) and `reset_input_buffer` drops
only what is there at that instant, so neither clears it; `drain` reads until nothing has come for four
characters' time, `QUIET_MIN` at least (sockets and USB adapters deliver bytes in bursts). Works on any
pyserial port (hardware, `socket://`, a pseudo-terminal, `loop://`); the one I/O is reading that port.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from devices.errors import DeviceTimeout

log = logging.getLogger(__name__)

QUIET_MIN = 0.02  # seconds: a USB adapter's latency timer is 16 ms, a converter's packets come as bursts


def quiet_time(baudrate: int) -> float:
    """Four characters' time on the line, and never under QUIET_MIN (a socket's packets come in bursts)."""
    return max(QUIET_MIN, 40 / baudrate)


def drain(port: Any, name: str, most: float, quiet: float | None = None, wait: bool = True) -> int:
    """Read and drop input until none has come for `quiet` seconds (default: four characters' time at the port's
    baud rate); the number of bytes dropped. With `wait=False` a line with nothing waiting right now counts as
    quiet at once (`in_waiting` asked only whether anything is there, never how much); with bytes waiting, or with
    `wait`, the reading goes on until the line has been quiet, however much was queued. DeviceTimeout (cause
    `line_noise`) when it is still not quiet after `most` seconds."""
    if not wait:
        with contextlib.suppress(OSError, AttributeError, NotImplementedError, ValueError):
            if not port.in_waiting:
                return 0
    if quiet is None:
        quiet = quiet_time(int(getattr(port, "baudrate", 9600) or 9600))
    saved = port.timeout
    dropped = 0
    deadline = time.monotonic() + most
    port.timeout = quiet
    try:
        while chunk := port.read(65536):
            dropped += len(chunk)
            if time.monotonic() > deadline:
                raise DeviceTimeout(name, f"line not quiet after {most:g} s ({dropped} bytes of noise)", "line_noise")
    finally:
        port.timeout = saved
    if dropped:
        log.debug("link %s: dropped %d stale bytes", name, dropped)
    return dropped
