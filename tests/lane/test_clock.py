"""The clock: a virtual clock jumps to the next timer, a scaled one runs at its speed, real work is not skipped."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from lane import clock as clocks
from lane.clock import Clock, TimeWarpLoop


def test_virtual_clock_jumps_a_day_of_timers_at_once() -> None:
    async def main(clock: Clock) -> tuple[float, list[float]]:
        fired: list[float] = []

        async def timer(delay: float) -> None:
            await asyncio.sleep(delay)
            fired.append(clock.monotonic())

        start = clock.monotonic()
        await asyncio.gather(*(timer(h * 3600.0) for h in (8, 1, 4)))
        return clock.monotonic() - start, fired

    real0 = time.perf_counter()
    elapsed, fired = clocks.run(main, "virtual")
    assert elapsed == pytest.approx(8 * 3600, abs=0.01)
    assert fired == sorted(fired) and len(fired) == 3
    assert time.perf_counter() - real0 < 600  # sanity only: it did not wait eight real hours


def test_virtual_wall_clock_follows_from_the_start_given() -> None:
    start = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)

    async def main(clock: Clock) -> datetime:
        await clock.sleep(90.0)
        return clock.wall()

    assert clocks.run(main, "virtual", start=start) == datetime(2026, 11, 28, 1, 1, 30, tzinfo=UTC)


def test_virtual_clock_waits_for_real_work_in_flight() -> None:
    async def main(clock: Clock) -> tuple[bool, float]:
        done = asyncio.Event()

        def work() -> None:
            time.sleep(0.05)

        async def worker() -> None:
            await clock.run_blocking(work)
            done.set()

        async def watcher() -> bool:
            await asyncio.sleep(3600.0)  # would jump at once if the thread did not hold the clock
            return done.is_set()

        finished_first = await asyncio.gather(watcher(), worker())
        return bool(finished_first[0]), clock.monotonic()

    finished_first, now = clocks.run(main, "virtual")
    assert finished_first
    assert now == pytest.approx(3600.0, abs=1.0)


def test_scaled_clock_runs_at_its_speed() -> None:
    async def main(clock: Clock) -> tuple[float, float]:
        real0, lane0 = time.perf_counter(), clock.monotonic()
        await clock.sleep(2.0)
        return time.perf_counter() - real0, clock.monotonic() - lane0

    real, lane = clocks.run(main, "scaled", 40.0)
    assert lane >= 2.0
    assert real < lane  # 2 lane-seconds took much less than 2 real seconds (complexity, not a wall-time goal)


def test_bad_modes_and_speeds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown clock mode"):
        clocks.new_loop("warp")
    with pytest.raises(ValueError, match="positive"):
        TimeWarpLoop(0.0)
