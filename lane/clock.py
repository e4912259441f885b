"""The one clock of a site: real time, a scaled time for demos, or a virtual time that jumps to the next timer.

The clock is the event loop's own time. `TimeWarpLoop` is an asyncio selector loop whose `time()` runs at a
chosen speed, or, with speed `None`, jumps straight to the next scheduled timer whenever nothing is ready and
no real work (a thread, a socket) is in flight. So `asyncio.sleep`, `asyncio.timeout` and every device timer
follow the clock with no change to the code that uses them, and an 8-hour simulated day runs in seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")

#: While real work is in flight on a virtual clock, wait for it at most this long (real seconds) per turn.
_REAL_POLL = 0.01


class _WarpSelector(selectors.BaseSelector):
    """Delegates to the platform selector, but turns the loop's waits into jumps or scaled waits."""

    def __init__(self, speed: float | None) -> None:
        self._real = selectors.DefaultSelector()
        self.speed = speed
        self.offset = 0.0  # virtual seconds jumped so far
        self.busy = 0  # real work in flight (threads) that a jump must not skip over
        self.busy_since = 0.0
        self.busy_total = 0.0  # real seconds spent with work in flight (scaled clocks run 1:1 then)

    def begin_busy(self) -> None:
        if self.busy == 0:
            self.busy_since = time.monotonic()
        self.busy += 1

    def end_busy(self) -> None:
        self.busy -= 1
        if self.busy == 0:
            self.busy_total += time.monotonic() - self.busy_since

    def busy_seconds(self) -> float:
        return self.busy_total + (time.monotonic() - self.busy_since if self.busy else 0.0)

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if self.speed is not None:
            return self._real.select(None if timeout is None else timeout / self.speed)
        ready = self._real.select(0)
        if ready or timeout == 0:
            return ready
        if self.busy or timeout is None:
            return self._real.select(_REAL_POLL if timeout is not None else None)
        self.offset += timeout
        return []


class TimeWarpLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock runs `speed` times real time, or jumps (speed `None`)."""

    def __init__(self, speed: float | None) -> None:
        self._warp = _WarpSelector(speed)
        self._real_start = time.monotonic()
        super().__init__(self._warp)
        if speed is not None and speed <= 0:
            self.close()
            raise ValueError("speed must be positive")

    def time(self) -> float:
        if self._warp.speed is None:
            # Only jumps move a virtual clock (it holds still while real work is in flight, and takes no time for
            # it): the same seed gives the same day, and what it measures is people and devices alone.
            return self._warp.offset
        real = time.monotonic() - self._real_start
        # Waiting runs at `speed`; real work (an OCR read in a thread) runs at real time, so a sped-up demo
        # does not make a 0.2 s read look like several seconds of the lane's time.
        busy = self._warp.busy_seconds()
        return (real - busy) * self._warp.speed + busy


class Clock:
    """What lanes and devices read the time from: `monotonic()` for durations and timers, `wall()` for the
    UTC timestamp stored with each event. Bound to one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, start: datetime | None = None) -> None:
        self.loop = loop
        self._mono0 = loop.time()
        self._wall0 = (start or datetime.now(UTC)).timestamp()

    @property
    def virtual(self) -> bool:
        return isinstance(self.loop, TimeWarpLoop) and self.loop._warp.speed is None

    def monotonic(self) -> float:
        return self.loop.time()

    def wall(self) -> datetime:
        return datetime.fromtimestamp(self._wall0 + (self.loop.time() - self._mono0), UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def run_blocking(self, fn: Callable[..., T], *args: Any, executor: Executor | None = None) -> T:
        """Run CPU-bound or blocking work in a thread (the loop's default pool, or `executor`). The clock counts
        it at real time: a virtual clock does not jump while it runs and a scaled one does not speed it up."""
        warp = self.loop._warp if isinstance(self.loop, TimeWarpLoop) else None
        if warp is not None:
            warp.begin_busy()
        try:
            return await self.loop.run_in_executor(executor, fn, *args)
        finally:
            if warp is not None:
                warp.end_busy()


def new_loop(mode: str, speed: float = 1.0) -> asyncio.AbstractEventLoop:
    """An event loop for clock `mode`: "real" (wall time), "scaled" (`speed` x real time) or "virtual"."""
    if mode == "real":
        return asyncio.new_event_loop()
    if mode == "scaled":
        return TimeWarpLoop(speed)
    if mode == "virtual":
        return TimeWarpLoop(None)
    raise ValueError(f"unknown clock mode {mode!r}: expected real, scaled or virtual")


class Halt:
    """A request, from any thread, to stop what `run` runs: its main task is cancelled on its own loop, so that its
    `finally` blocks stop the lanes and close the store. The console in front of a controller thread (Ctrl-C,
    SIGTERM) uses it; a request made before the loop started is carried out when it starts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancel: Callable[[], None] | None = None
        self.requested = False

    def bind(self, loop: asyncio.AbstractEventLoop, task: asyncio.Future[Any]) -> None:
        def cancel() -> None:
            loop.call_soon_threadsafe(task.cancel)

        with self._lock:
            self._cancel = cancel
            if self.requested:
                cancel()

    def set(self) -> None:
        with self._lock:
            self.requested = True
            if self._cancel is not None:
                with contextlib.suppress(RuntimeError):  # the loop has already closed: nothing left to stop
                    self._cancel()


def run(
    main: Callable[[Clock], Any],
    mode: str = "real",
    speed: float = 1.0,
    start: datetime | None = None,
    halt: Halt | None = None,
) -> Any:
    """Run `main(clock)` to completion on a fresh loop of the given clock mode and return its result. With `halt`,
    `halt.set()` from another thread cancels it: asyncio.CancelledError is raised here once it has stopped."""
    loop = new_loop(mode, speed)
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        clock = Clock(loop, start)

        async def body() -> Any:
            task = asyncio.ensure_future(main(clock))
            if halt is not None:
                halt.bind(loop, task)
            return await task

        return runner.run(body())
