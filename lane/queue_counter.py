"""The counter of a polled queue loop (issue 17). The I/O module's inputs are polled, and a car joining the queue
may stand on the queue loop for less than a poll; the module's counter counts it all the same
(docs/protocols.md#the-queue-loop-issue-17). `LoopCounter` reads that counter on each edge the poll does see and
every `poll` seconds besides, and tells its keeper one join for each vehicle counted since the last reading:
those no edge told are flagged "counted, not seen". `fresh()` waits for a new reading, so that a lane's vehicle is
matched to the queue only once the counter has been read after it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from devices.base import VehicleLoop
from devices.codecs.iomap import passed_since
from devices.errors import DeviceError

log = logging.getLogger(__name__)


class LoopCounter:
    def __init__(self, name: str, loop: VehicleLoop, poll: float, join: Callable[[str], None]) -> None:
        """`join(how)` is called once for each vehicle counted ("" when an edge told it)."""
        self.name = name
        self.loop = loop
        self.poll = poll
        self.join = join
        self._edges = 0  # edges seen since the counter was last read
        self._wake = asyncio.Event()
        self._waiters: list[asyncio.Future[None]] = []

    def edge(self) -> None:
        """The poll saw a vehicle roll onto the loop: read the counter now."""
        self._edges += 1
        self._wake.set()

    async def fresh(self, limit: float | None = None) -> None:
        """Return once the counter has been read anew (or after `limit`, three polls by default)."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3 * self.poll if limit is None else limit):
                await waiter

    async def run(self) -> None:
        mark: int | None = None
        self._wake.set()  # the first reading at once: the count that vehicles are counted from
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self._wake.wait()
            edges, self._edges = self._edges, 0
            self._wake.clear()
            try:
                now = await self.loop.passes()
            except DeviceError as err:
                log.warning("queue %s: loop counter: %s", self.name, err)
                now = None
            if now is not None:
                counted = passed_since(mark, now) if mark is not None else 0
                for i in range(counted):
                    self.join("" if i < edges else "counted, not seen")
                self._edges += max(0, edges - counted)  # edges the counter does not show yet: in its next reading
                mark = now
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
