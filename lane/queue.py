"""The queue before the lanes at work: `QueueKeeper` watches each approach's detector (the queue loop of its host
lane's I/O module, the approach camera read with the host lane's plate reader, or both), keeps the approaches'
bookkeeping (flows.queueing), and writes what happens: each join, balk, renege, lane assignment, missed or doubled
detection to `queue_events`, and on each cycle, when its vehicle enters the lane, the queue entry it was matched
to (`cycles.queued_at`, `queued_mono`, `queue_approach`, `queue_match`, `wait`), corrected once the lane reads the
plate. In the shared layout it sends the next driver of a class to a free lane of that class on the queue sign
("Lajur L2 ->"). A queue longer than its capacity raises an alert on the host lane (the console shows it).

Each `join` row of `queue_events` carries the cycle it ended in (`cycle_id`) once matched, or `detail` "left"
once the driver left the queue, so a reader (the console) sees who is still waiting without this process.
What the detectors cannot tell is flagged, never guessed (flows.queueing says how).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from devices.base import DeviceEvent
from devices.errors import DeviceError
from flows.queueing import Approach, Match, QueueEvent
from flows.states import Stage
from lane.events import LaneEvent
from lane.queue_config import ApproachSpec, Queues, approach, approaches
from lane.queue_counter import LoopCounter
from lane.store import Stamp, Store
from plates.reading import PlateReading

if TYPE_CHECKING:
    from lane.clock import Clock
    from lane.controller import LaneController

log = logging.getLogger(__name__)

#: What the queue sign shows the next driver: Bahasa Indonesia first, English second.
SIGN = ("Lajur {lane} ->", "Lane {lane} ->")
PLATE_FRAMES = 3  # approach-camera frames read for one vehicle at most
STALE = timedelta(hours=12)  # a join older than this with no cycle is not taken up after a restart


class QueueKeeper:
    def __init__(self, lanes: dict[str, LaneController], store: Store, clock: Clock, queues: Queues) -> None:
        self.lanes = lanes
        self.store = store
        self.clock = clock
        self.queues = queues
        self.specs: dict[str, ApproachSpec] = {
            s.name: s for s in approaches(queues, {i: lane.flow.lane_class.value for i, lane in lanes.items()})
        }
        self.approaches: dict[str, Approach] = {name: approach(s, queues) for name, s in self.specs.items()}
        self.of_lane = {lane: s.name for s in self.specs.values() for lane in s.lanes}
        self.listeners: list[Callable[[QueueEvent], None]] = []  # the simulated drivers read the sign through these
        self._matches: dict[int, Match] = {}  # open cycles' matches, until the plate confirms them
        self._rows: dict[tuple[str, int], tuple[int, str]] = {}  # (approach, entry serial) -> (join row, ISO time)
        self._tasks: set[asyncio.Task[None]] = set()
        self._full: set[str] = set()  # approaches whose "full" alert stands
        self._counters: dict[str, LoopCounter] = {}  # polled queue loops: joins come from their counters

    async def start(self) -> None:
        """Take up the queue the store holds, watch the detectors and the lanes; a polled queue loop's counter is
        read once before this returns (the count that vehicles are counted from)."""
        self._restore()
        for name, spec in self.specs.items():
            devices = self.lanes[spec.host].devices
            loop = devices.queue_loop
            if self.queues.detector in ("loop", "both") and loop is not None:
                loop.subscribe(functools.partial(self._on_loop, name))
                if not loop.edges_exact:
                    counter = LoopCounter(name, loop, self.queues.counter_poll, functools.partial(self._counted, name))
                    self._counters[name] = counter
                    self._spawn(counter.run())
            if self.queues.detector == "camera":
                self._spawn(self._watch(name))
        for lane in self.lanes.values():
            lane.listeners.append(self._on_lane)
        for counter in self._counters.values():
            await counter.fresh()

    def _restore(self) -> None:
        """After a restart: the drivers who joined in the last 12 hours and were neither matched to a cycle nor
        left are still queueing, in the order they joined (their clock time from their wall time: the clock of
        the controller that saw them is gone)."""
        wall, mono = self.clock.wall(), self.clock.monotonic()
        since = (wall - STALE).isoformat(timespec="milliseconds")
        for name, q in self.approaches.items():
            rows = self.store.db.execute(
                "select id, at, plate from queue_events where approach = ? and kind = 'join' and at >= ? "
                "and cycle_id is null and coalesce(detail, '') != 'left' order by id",
                [name, since],
            ).fetchall()
            for row_id, at, plate in rows:
                entry = q.restore(mono - (wall - datetime.fromisoformat(at)).total_seconds(), plate)
                self._rows[(name, entry.serial)] = (int(row_id), str(at))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- what the console shows ---------------------------------------------------------------------------

    def length(self, name: str) -> int:
        return len(self.approaches[name].waiting)

    def oldest(self, name: str) -> float:
        return self.approaches[name].oldest(self.clock.monotonic())

    # -- detections -----------------------------------------------------------------------------------------

    def _on_loop(self, name: str, ev: DeviceEvent) -> None:
        if ev.kind != "loop" or not ev.detail.get("occupied"):
            return
        if name in self._counters:  # a polled loop: its counter says how many
            self._counters[name].edge()
        elif self.queues.detector == "both":
            self._spawn(self._read_then_join(name))
        else:
            self.join(name)

    def _counted(self, name: str, how: str) -> None:
        if self.queues.detector == "both":
            self._spawn(self._read_then_join(name, counted=True, how=how))
        else:
            self.join(name, counted=True, how=how)

    async def _read_then_join(self, name: str, counted: bool = False, how: str = "") -> None:
        self.join(name, await self._plate(name), counted, how)

    async def _plate(self, name: str) -> str | None:
        """The plate the approach camera reads now (a few frames), or None: no camera, no reader, nothing read."""
        host = self.lanes[self.specs[name].host]
        camera = host.devices.approach_camera
        if camera is None or host.plates is None:
            return None
        for _ in range(PLATE_FRAMES):
            try:
                frame = await camera.capture()
            except DeviceError as err:
                log.warning("queue %s: approach camera: %s", name, err)
                return None
            reading = await host.plates.read(self.clock, frame.image)
            if isinstance(reading, PlateReading) and reading.text:
                return reading.text
        return None

    async def _watch(self, name: str) -> None:
        """Camera only: a plate read that is not the last one read is a vehicle joining."""
        last: str | None = None
        while True:
            plate = await self._plate(name)
            if plate and plate != last:
                self.join(name, plate)
            last = plate or last
            await self.clock.sleep(self.queues.camera_poll)

    def join(self, name: str, plate: str | None = None, counted: bool = False, how: str = "") -> None:
        q = self.approaches[name]
        self._write(
            None,
            {},
            [dataclasses.replace(e, detail=e.detail or how) for e in q.join(self.clock.monotonic(), plate, counted)],
        )
        if q.full() and name not in self._full:  # once each time it fills
            self._full.add(name)
            host = self.lanes[self.specs[name].host]
            host.alert("queue_full", f"queue {name} full: {len(q.waiting)} vehicles (capacity {q.capacity})")
        self._assign(name)

    def balk(self, name: str, plate: str | None = None) -> None:
        """A driver who found the queue full and went away (told by whoever saw it)."""
        self._write(None, {}, [self.approaches[name].balk(self.clock.monotonic(), plate)])

    def leave(self, name: str, plate: str | None = None, joined: float | None = None) -> None:
        """A driver seen leaving the queue (reneging); `joined`: when they joined, if the observer knows."""
        self._write(None, {}, self.approaches[name].leave(self.clock.monotonic(), plate, joined))
        self._assign(name)

    # -- the lanes ------------------------------------------------------------------------------------------

    def _on_lane(self, ev: LaneEvent) -> None:
        if ev.kind != "transition":
            return
        name = self.of_lane.get(ev.lane)
        if name is None:
            return
        source, dest, trigger = ev.data.get("source"), ev.data.get("dest"), ev.data.get("trigger")
        if source == "idle" and dest == "arrived" and ev.cycle_id is not None:
            if name in self._counters:  # a polled loop: the vehicle may be in its counter and not yet joined
                self._spawn(self._admit_counted(name, ev.lane, ev.cycle_id))
            else:
                self._admit(name, ev.lane, ev.cycle_id)
        elif trigger in ("plate_read", "plate_entered") and ev.cycle_id in self._matches:
            self._confirm(name, ev.cycle_id, str(self.lanes[ev.lane].ctx.get("plate") or ""))
        elif dest == "idle":
            for cycle in [c for c, m in self._matches.items() if m.lane == ev.lane]:
                del self._matches[cycle]
            self._assign(name)

    async def _admit_counted(self, name: str, lane: str, cycle_id: int) -> None:
        await self._counters[name].fresh()
        self._admit(name, lane, cycle_id)

    def _admit(self, name: str, lane: str, cycle_id: int) -> None:
        started = float(self.store.cycle(cycle_id)["started_mono"])
        match = self.approaches[name].admit(lane, started)
        self._matches[cycle_id] = match
        self._record(name, cycle_id, match, None)

    def _confirm(self, name: str, cycle_id: int, plate: str) -> None:
        before = self._matches.pop(cycle_id)
        after = self.approaches[name].confirm(before, plate or None)
        if after != before:
            self._record(name, cycle_id, replace_events(after, before), before)

    def _record(self, name: str, cycle_id: int, match: Match, before: Match | None) -> None:
        entry = match.entry
        row = self._rows.get((name, entry.serial)) if entry is not None else None
        values = {
            "queued_at": row[1] if row else None,
            "queued_mono": entry.mono if entry is not None else None,
            "queue_approach": name,
            "queue_match": match.how,
            "wait": round(match.wait, 3) if match.wait is not None else None,
        }
        joins: list[tuple[int, int | None, str]] = []
        if before is not None and before.entry is not None and before.entry != entry:
            old = self._rows.get((name, before.entry.serial))
            if old is not None:
                joins.append((old[0], None, ""))  # it waits again (or left: its renege says so)
        if row is not None:
            joins.append((row[0], cycle_id, ""))
        self._write(cycle_id, values, list(match.events), joins)

    def _assign(self, name: str) -> None:
        q = self.approaches[name]
        if not q.shared:
            return
        free = [i for i in q.lanes if self.lanes[i].stage is Stage.IDLE and not self.lanes[i].close_requested]
        events = q.assign(free, self.clock.monotonic())
        if not events:
            return
        self._write(None, {}, events)
        sign = self.lanes[self.specs[name].host].devices.queue_sign
        for ev in events:
            if sign is not None:
                self._spawn(self._show(sign, str(ev.lane)))
            for listener in list(self.listeners):
                listener(ev)

    async def _show(self, sign: Any, lane: str) -> None:
        try:
            await sign.show(SIGN[0].format(lane=lane), SIGN[1].format(lane=lane))
        except DeviceError as err:
            log.warning("queue sign: %s", err)

    # -- the store ------------------------------------------------------------------------------------------

    def _drained(self) -> None:
        self._full = {n for n in self._full if self.approaches[n].full()}

    def _write(
        self,
        cycle_id: int | None,
        values: dict[str, Any],
        events: list[QueueEvent],
        joins: list[tuple[int, int | None, str]] | None = None,
    ) -> None:
        self._drained()
        stamp = Stamp(self.clock.wall(), self.clock.monotonic())
        rows = [
            {
                "at": stamp.iso,
                "mono": ev.mono,
                "approach": ev.approach,
                "kind": ev.kind,
                "plate": ev.entry.plate if ev.entry is not None else None,
                "lane": ev.lane,
                "cycle_id": cycle_id if ev.kind in ("miss", "renege") else None,
                "detail": ev.detail,
            }
            for ev in events
        ]
        gone = [self._rows.get((ev.approach, ev.entry.serial)) for ev in events if ev.kind == "renege" and ev.entry]
        left = [(row[0], None, "left") for row in gone if row is not None]
        ids = self.store.queue_record(cycle_id, values, rows, [*(joins or []), *left])
        for ev, row_id in zip(events, ids, strict=True):
            if ev.kind == "join" and ev.entry is not None:
                self._rows[(ev.approach, ev.entry.serial)] = (row_id, stamp.iso)


def replace_events(after: Match, before: Match) -> Match:
    """`after` with only the events `confirm` added (those of `before` are written already)."""
    return Match(after.lane, after.mono, after.entry, after.how, after.events[len(before.events) :])
