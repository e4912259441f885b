"""Keeping lanes apart: one lane's failure, or one simulated driver's, never stops the other lanes.

A site runs every lane in one process, so work done for all lanes at once (their simulated traffic, starting and
stopping their devices) must not let one lane's exception end the others, as `asyncio.gather` does by default.
`each_lane` awaits one piece of work per lane and keeps going when one raises; `failed` says what went wrong in
one line (never a traceback) on the log and, given the lane's `alert`, to that lane's operator. A cancellation (a
Ctrl-C, SIGTERM) still stops them all. No I/O but the log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

log = logging.getLogger("lane")
T = TypeVar("T")
Alert = Callable[[str, str], None]  # (code, text): a lane's operator alert, as `LaneController.alert`


def failed(lane: str, what: str, err: BaseException, alert: Alert | None = None) -> str:
    """Log that `what` failed on `lane` (one line) and tell the lane's operator; the line."""
    message = f"{what} failed: {type(err).__name__}: {err}" if str(err) else f"{what} failed: {type(err).__name__}"
    log.error("lane %s: %s; the other lanes go on", lane, message)
    if alert is not None:
        try:
            alert("lane_isolated", message)
        except Exception as second:  # the alert itself (the store) failing must not stop the others either
            log.error("lane %s: could not tell the operator: %s: %s", lane, type(second).__name__, second)
    return message


async def each_lane(
    works: Mapping[str, Awaitable[T]], what: str, alerts: Mapping[str, Alert] | None = None
) -> dict[str, T]:
    """Await every lane's work at once; the results of the lanes whose work finished. A lane whose work raised
    is reported by `failed` (with its alert from `alerts`) while the others go on to their end."""
    lanes = list(works)
    results = await asyncio.gather(*works.values(), return_exceptions=True)
    done: dict[str, T] = {}
    for lane, result in zip(lanes, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception | asyncio.CancelledError):
                raise result  # KeyboardInterrupt, SystemExit: the process is stopping
            failed(lane, what, result, (alerts or {}).get(lane))
        else:
            done[lane] = result
    return done
