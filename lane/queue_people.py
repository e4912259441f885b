"""Simulated drivers in the queue before the lanes (issue 17): they arrive for the whole site, join a queue (the
shortest queue of a lane of their class, or their class's shared queue), pass over the approach's queue loop in
front of its approach camera, and wait in single file until they are sent to a lane: in a queue of one lane when
that lane is free, in a shared queue when the queue sign names a lane (`QueueKeeper` assignments). A driver who
finds the queue full drives on (balking) and one whose patience runs out leaves it (reneging); both are told to
the keeper, as an attendant or an exit loop would.

The queue's physical truth is kept here and the keeper's bookkeeping from the detectors apart, so that what the
detectors miss shows as flags, not as silently right figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from flows.queueing import QueueEvent
from lane.people import Arrival, LanePeople
from lane.queue import QueueKeeper

#: How long a vehicle stands on the queue loop as it joins, and the gap before the next rolls on (the two are
#: longer than the keeper's default double window, 1.5 s, as a car's length is).
PASS_SECONDS = 1.0
GAP_SECONDS = 1.5
#: After the last arrival, drivers still queueing this long (nobody sent them: a detection missed in a shared
#: queue) are given up on, so a simulation always ends.
STRANDED_AFTER = 4 * 3600.0


@dataclass
class Waiting:
    arrival: Arrival
    joined: float  # clock seconds
    sent: bool = False
    give_up: asyncio.Future[Any] | None = None  # the patience timer, cancelled once the driver is sent to a lane


@dataclass
class QueuePeople:
    keeper: QueueKeeper
    people: dict[str, LanePeople]
    sleep: Callable[[float], Awaitable[None]]
    now: Callable[[], float]
    queues: dict[str, list[Waiting]] = field(default_factory=dict)
    balked: int = 0
    reneged: int = 0
    stranded: int = 0  # drivers still queueing when the simulation gave up on them
    _loop_free: dict[str, float] = field(default_factory=dict)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _idle: set[str] = field(default_factory=set)
    _gone: set[str] = field(default_factory=set)  # lanes whose traffic ended (failed): nobody is sent there

    def __post_init__(self) -> None:
        self.queues = {name: [] for name in self.keeper.approaches}
        self.keeper.listeners.append(self._on_sign)
        for person in self.people.values():
            person.ready = self._ready

    async def traffic(self, arrivals: list[Arrival], started: float) -> None:
        """Let the drivers arrive at their times, then wait until every queue is empty; then tell each lane's
        traffic there are no more drivers."""
        try:
            for arrival in arrivals:
                await self.sleep(max(0.0, started + arrival.at - self.now()))
                self.arrive(arrival)
            limit = self.now() + STRANDED_AFTER
            while self.now() < limit and (
                any(q for n, q in self.queues.items() if self._open(n)) or any(not t.done() for t in self._tasks)
            ):
                await self.sleep(5.0)
            self.stranded = sum(len(q) for q in self.queues.values())
        finally:
            for person in self.people.values():
                person.inbox.put_nowait(None)

    async def lane_traffic(self, lane: str) -> None:
        """A lane's traffic; once it ends (it failed), its queue's drivers are sent nowhere."""
        try:
            await self.people[lane].traffic()
        finally:
            self._gone.add(lane)

    def _open(self, name: str) -> bool:
        return any(lane in self.people and lane not in self._gone for lane in self.keeper.specs[name].lanes)

    def approach_for(self, arrival: Arrival) -> str | None:
        """The queue the driver joins: their class's shared queue, or the shortest queue of a lane of their class
        that has simulated people (the first on a tie); None when no lane serves the class."""
        names = [n for n, spec in self.keeper.specs.items() if spec.lane_class == arrival.lane_class and self._open(n)]
        return min(names, key=lambda n: len(self.queues[n]), default=None)

    def arrive(self, arrival: Arrival) -> None:
        name = self.approach_for(arrival)
        if name is None:
            return
        queue = self.queues[name]
        if len(queue) >= self.keeper.approaches[name].capacity:
            self.balked += 1
            self.keeper.balk(name, arrival.vehicle.plate)
            return
        waiting = Waiting(arrival, self.now())
        queue.append(waiting)
        self._spawn(self._pass_the_loop(name, waiting))
        if arrival.patience is not None:
            waiting.give_up = self._spawn(self._give_up_after(name, waiting, arrival.patience))
        self._dispatch(name)

    async def _pass_the_loop(self, name: str, waiting: Waiting) -> None:
        """Single file over the queue loop (and in front of the approach camera)."""
        world = self.keeper.lanes[self.keeper.specs[name].host].devices.world
        start = max(self.now(), self._loop_free.get(name, 0.0))
        self._loop_free[name] = start + PASS_SECONDS + GAP_SECONDS
        await self.sleep(start - self.now())
        world.queue_vehicle = waiting.arrival.vehicle
        world.queue_loop.set(True)
        await self.sleep(PASS_SECONDS)
        world.queue_loop.set(False)
        if world.queue_vehicle is waiting.arrival.vehicle:
            world.queue_vehicle = None

    async def _give_up_after(self, name: str, waiting: Waiting, patience: float) -> None:
        await self.sleep(patience)
        if waiting.sent or waiting not in self.queues[name]:
            return
        self.queues[name].remove(waiting)
        self.reneged += 1
        self.keeper.leave(name, waiting.arrival.vehicle.plate, waiting.joined)

    # -- sending drivers to lanes -------------------------------------------------------------------------------

    def _ready(self, lane: str) -> None:
        """A lane's traffic can take its next driver (its last one's cycle ended)."""
        self._idle.add(lane)
        name = self.keeper.of_lane.get(lane)
        if name is not None:
            self._dispatch(name)

    def _dispatch(self, name: str) -> None:
        """A queue of one lane: its head goes in when the lane is free. A shared queue waits for the sign."""
        if self.keeper.approaches[name].shared:
            return
        (lane,) = self.keeper.specs[name].lanes
        if lane in self._idle and self.queues[name]:
            self._send(name, lane)

    def _on_sign(self, ev: QueueEvent) -> None:
        """The queue sign names a lane: the driver at the head of that queue drives there."""
        if ev.kind == "assign" and ev.lane in self.people and self.queues.get(ev.approach):
            self._send(ev.approach, ev.lane)

    def _send(self, name: str, lane: str | None) -> None:
        assert lane is not None
        waiting = self.queues[name].pop(0)
        waiting.sent = True
        if waiting.give_up is not None:  # a served driver's patience no longer holds the simulation open
            waiting.give_up.cancel()
        waiting.arrival.lane = lane
        self._idle.discard(lane)
        self.people[lane].inbox.put_nowait(waiting.arrival)

    def _spawn(self, work: Awaitable[Any]) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
