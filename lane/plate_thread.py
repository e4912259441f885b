"""The lane's own plate-reading thread: one worker per lane, on which the reader's models are loaded when the
lane starts (its `warm_up`, when it has one) rather than in the first car's reads (a cold read takes several
times a warm one), and on which every frame is read. Stopping lets a read or warm-up under way finish first.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import Future, ThreadPoolExecutor

from lane.clock import Clock
from plates.reading import Image, NoPlate, PlateReading, Reader, WarmsUp

log = logging.getLogger(__name__)


class PlateThread:
    def __init__(self, lane_id: str, reader: Reader) -> None:
        self.lane_id = lane_id
        self.reader = reader
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        """Start the thread (once) and warm the reader up on it."""
        if self._pool is not None:
            return
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=f"plates-{self.lane_id}")
        if isinstance(self.reader, WarmsUp):
            self._pool.submit(self.reader.warm_up).add_done_callback(self._warmed_up)

    def _warmed_up(self, done: Future[None]) -> None:
        if not done.cancelled() and (err := done.exception()) is not None:
            log.warning(
                "lane %s: the plate reader did not warm up (%s); its first reads load its models", self.lane_id, err
            )

    async def read(self, clock: Clock, image: Image) -> PlateReading | NoPlate:
        """One frame read on the lane's thread (counted at real time by the clock)."""
        return await clock.run_blocking(self.reader, image, executor=self._pool)

    async def stop(self, clock: Clock) -> None:
        if self._pool is not None:  # a read or warm-up under way finishes first (a fraction of a second)
            pool, self._pool = self._pool, None
            await clock.run_blocking(functools.partial(pool.shutdown, wait=True, cancel_futures=True))
