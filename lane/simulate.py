"""Running a site with simulated people (`lane demo`, `lane simulate`, the benchmarks) on virtual devices or the
device simulators, until every arrival has been served, and the summary after. The real site runs from lane/run.py,
which imports neither this module nor the simulators (an import-linter contract in pyproject.toml checks it)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from devices.errors import DeviceError
from devices.sim.world_client import WorldClient
from devices.virtual import VirtualLane
from lane.bars import CycleBar, shown
from lane.clock import Clock
from lane.config import Lane, SiteConfig
from lane.control import ControlServer, socket_path
from lane.holders import Registry
from lane.isolation import each_lane, failed
from lane.people import LanePeople, Sampler, make_arrivals, seed_officers
from lane.progress import Progress
from lane.queue import QueueKeeper
from lane.queue_people import QueuePeople
from lane.site import Site
from lane.store import Store
from lane.summary import Summary, summarise

#: A simulation drains for at most this long after the last arrival before it gives up on open cycles.
DRAIN_LIMIT_S = 4 * 3600


@dataclass
class SimPlan:
    hours: float = 8.0
    per_hour: float = 5.0
    count: int | None = None  # a fixed number of renewals queued at the start (the demo)
    plate_reader: str | None = None
    show: str = "quiet"  # "quiet" | "plain" | "live"
    bar: bool = False  # the renewals done on a progress bar (lane/bars.py; drawn only on a terminal)
    seed: int | None = None
    profile: dict[str, float] | None = None  # site arrivals an hour by hour of day (lane.people.make_arrivals)


async def simulate(
    clock: Clock,
    config: SiteConfig,
    lanes: list[Lane],
    db: Path,
    plan: SimPlan,
    durable: bool = True,
    device_options: dict[str, dict[str, Any]] | None = None,
) -> Summary:
    """Run the site with simulated drivers and operators until every arrival has been served. The store and the
    simulated population are closed however it ends (a Ctrl-C included)."""
    store = Store(db, durable)
    registry = Registry(db.parent / "registry.db")  # the simulated population, beside the simulated site
    try:
        return await _simulate(clock, config, lanes, db, plan, store, registry, device_options)
    finally:
        store.close()
        registry.close()


async def _simulate(
    clock: Clock,
    config: SiteConfig,
    lanes: list[Lane],
    db: Path,
    plan: SimPlan,
    store: Store,
    registry: Registry,
    device_options: dict[str, dict[str, Any]] | None,
) -> Summary:
    first_id = int(store.db.execute("select coalesce(max(id), 0) from cycles").fetchone()[0])
    sampler = Sampler(config.simulation.seed if plan.seed is None else plan.seed)
    if registry.count() == 0:
        registry.seed(config.simulation.population, config.simulation.seed, clock.wall().date())
    site = Site(
        config, store, clock, lanes, plan.plate_reader, var=db.parent, registry=registry, device_options=device_options
    )
    people: dict[str, LanePeople] = {}
    for lane_id, lane in site.lanes.items():
        world = lane.devices.world
        if not isinstance(world, VirtualLane | WorldClient):
            raise SystemExit(f"lane {lane_id}: simulated people need virtual devices or the device simulators")
        if isinstance(world, WorldClient):
            try:
                await world.start()  # its control links to the simulator processes
            except (OSError, ValueError, DeviceError) as err:  # that lane gets no simulated people; the others do
                failed(lane_id, "starting its simulated people", err)
                continue
        people[lane_id] = LanePeople(
            lane_id,
            world,
            config.simulation,
            sampler,
            site.execute,
            clock.sleep,
            registry,
            lane.flow.classes_served,
            clock.wall,
            config.documents.certificate_max_days,
            # the operator's note of the printer's counter outlives the controller, as the simulators do
            notes=db.parent / f"{db.stem}.operator-{lane_id}.json" if isinstance(world, WorldClient) else None,
        )
        lane.listeners.append(people[lane_id].on_event)
    progress = Progress(site.lanes, config.site.timezone, sys.stdout, plan.show)
    seed_officers(site.officers, list(site.lanes))  # the simulated operators act under accounts of their own
    control = ControlServer(socket_path(db), site, config.control.group)
    keeper = QueueKeeper(site.lanes, store, clock, config.queues)
    with progress, contextlib.ExitStack() as stack:
        try:  # an interrupt or a failure stops what had started (its device threads would hold the exit)
            await site.start()
            await keeper.start()
            await control.start()
            resumed = [lane.cycle_id for lane in site.lanes.values() if lane.cycle_id is not None]
            for lane_id, lane in site.lanes.items():  # a vehicle may stand in the lane from before a restart
                if lane_id in people:
                    await people[lane_id].rejoin(
                        lane.stage, lane.faulted_from, lane.cycle_id, str(lane.ctx.get("plate", ""))
                    )
            classes = {lane_id: lane.flow.lane_class.value for lane_id, lane in site.lanes.items()}
            here = clock.wall().astimezone(ZoneInfo(config.site.timezone))  # the profile is in site time
            arrivals = make_arrivals(
                config.simulation, classes, plan.hours, plan.per_hour, sampler, plan.count, plan.profile, here
            )
            if plan.bar and shown():  # `lane simulate` on a terminal: the renewals done, on a bar
                cycle_bar = stack.enter_context(CycleBar(len(arrivals)))
                for lane in site.lanes.values():
                    lane.listeners.append(cycle_bar.on_event)
            started = clock.monotonic()
            crowd = QueuePeople(keeper, people, clock.sleep, clock.monotonic)  # drivers join a queue, not a lane
            traffic = {lane_id: crowd.lane_traffic(lane_id) for lane_id in people}
            alerts = {lane_id: lane.alert for lane_id, lane in site.lanes.items()}
            # one lane's failure never ends the others
            await asyncio.gather(crowd.traffic(arrivals, started), each_lane(traffic, "its simulated traffic", alerts))
            deadline = clock.monotonic() + DRAIN_LIMIT_S
            while any(lane.cycle_id is not None for lane in site.lanes.values()) and clock.monotonic() < deadline:
                await clock.sleep(5.0)
        finally:
            await control.stop()
            await keeper.stop()
            await site.stop()
            for lane in site.lanes.values():
                if isinstance(lane.devices.world, WorldClient):
                    await lane.devices.world.stop()
    since = min([first_id, *[c - 1 for c in resumed]])
    return summarise(store.db, config.site.target_minutes * 60, str(db), since)
