"""Shared fixtures: a lane on the virtual clock with virtual devices and a fresh store, driven by hand; and for
tests on real time, `RealTime` (the lane clock's interface on plain asyncio time) and `until` (a bounded poll on a
condition, instead of a fixed sleep)."""

from __future__ import annotations

import asyncio
import random
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from devices import registry
from devices.virtual import Vehicle, VirtualLane
from flows import population
from flows.renewal import make_flow
from flows.states import Stage
from lane.clock import Clock, TimeWarpLoop
from lane.commands import Action, Command, Outcome
from lane.controller import LaneController
from lane.holders import Registry
from lane.officers import Officers, Role
from lane.rules import RenewalRules
from lane.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


class RealTime:
    """The lane clock's interface (`monotonic`, `sleep`) on plain asyncio time, for devices tested on real time."""

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def until(predicate: Callable[[], Any], limit: float = 5.0, what: str = "condition", step: float = 0.02) -> None:
    """Wait (real time) until `predicate()` is true, polling every `step` s; AssertionError after `limit` seconds."""
    deadline = asyncio.get_running_loop().time() + limit
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not met within {limit} s")
        await asyncio.sleep(step)


def run_virtual(main: Callable[[Clock], Coroutine[Any, Any, Any]], start: datetime | None = None) -> Any:
    """Run `main(clock)` on a virtual clock (timers jump) and return its result. The clock starts now, or at
    `start`: a simulated day's arrivals depend on where the hours fall, so a test of one day pins its start."""
    loop = TimeWarpLoop(None)
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        return runner.run(main(Clock(loop, start)))


class Rig:
    """One lane, its virtual world and its store; helpers to drive it the way people would."""

    def __init__(
        self,
        clock: Clock,
        db: Path,
        lane_class: str = "A",
        print_seconds: float = 25.0,
        reader: Any = None,
        health_poll: float | None = None,
    ) -> None:
        self.clock = clock
        self.store = Store(db, durable=False)
        Officers(self.store).ensure("op-test", Role.SUPERVISOR)  # the officer `cmd` acts as
        devices = registry.build("virtual", "L1", clock, print_seconds=print_seconds)
        self.world: VirtualLane = devices.world
        self.registry = Registry(db.parent / "registry.db")
        today = clock.wall().date()
        if self.registry.count() == 0:
            self.registry.seed(400, 7, today)
        flow = make_flow(lane_class)
        self.holder = self.registry.sample(random.Random(1), flow.classes_served, today)
        self.documents = {
            "nik": self.holder.nik,
            "sim": self.holder.sim_number,
            **population.certificates(random.Random(2), today, 180),
        }
        rules = RenewalRules(self.registry, {"A": 80000, "C": 75000, "C I": 75000, "C II": 75000}, "TEST")
        self._controller: Callable[[], LaneController] = lambda: LaneController(
            "L1",
            flow,
            devices,
            self.store,
            clock,
            rules=rules,
            reader=reader,
            plate_wait=5.0,
            photo_dir=db.parent / "photos",
            health_poll=health_poll,
        )
        self.lane = self._controller()
        self.vehicle = Vehicle("G 1234 AB", face_seed=3)

    async def crash(self) -> None:
        """The controller stops dead (its stage work cancelled, nothing more written); the world stays as it is."""
        await self.lane.stop()
        self.lane.listeners.clear()

    def restart(self) -> None:
        """A new controller on the same store and the same devices, as after a power cut."""
        self.lane = self._controller()
        self.lane.start()

    async def until(self, predicate: Callable[[], bool], limit: float = 3600.0, step: float = 0.25) -> None:
        deadline = self.clock.monotonic() + limit
        while not predicate():
            if self.clock.monotonic() > deadline:
                raise AssertionError(f"condition not met within {limit} s; lane is {self.lane.state}")
            await self.clock.sleep(step)

    async def at(self, stage: Stage) -> None:
        await self.until(lambda: self.lane.stage is stage)

    async def cmd(self, action: Action, data: dict[str, str] | None = None, **args: str) -> Outcome:
        return await self.lane.execute(Command("L1", action, "op-test", data=data or {}, **args))

    async def drive_to(self, target: Stage) -> None:
        """Take a fresh lane (idle) to `target` by the normal path of a renewal."""
        lane = self.lane
        if target is Stage.IDLE:
            return
        if target is Stage.CLOSED:
            assert (await self.cmd(Action.CLOSE_LANE)).ok
            return
        self.world.vehicle = self.vehicle
        self.world.entry_loop.set(True)
        await self.at(Stage.ARRIVED)
        if target is Stage.ARRIVED:
            return
        self.world.vehicle = None
        self.driving = asyncio.ensure_future(self.world.drive_in(self.vehicle))
        await self.at(Stage.PLATE)
        if target is Stage.PLATE:
            return
        assert (await self.cmd(Action.ENTER_PLATE, plate="G 1234 AB")).ok
        if target is Stage.DOCUMENTS:
            return
        if target is Stage.REJECTED:
            assert (await self.cmd(Action.REJECT, reason="no health certificate")).ok
            return
        outcome = await self.cmd(Action.DOCUMENTS, data=self.documents)
        assert outcome.ok, outcome.message
        if target is Stage.PAYMENT:
            return
        if target is Stage.PHOTO:
            self.vehicle.extras["photo_issue"] = "helmet"  # the photo fails the gate: the lane stays in photo
        if target is Stage.FAULT:
            self.world.printer.stock = 0
        await self.until(lambda: bool(self.world.payment.pending))
        assert self.world.payment.pay(f"L1-{lane.cycle_id:06d}")
        if target is Stage.PHOTO:
            await self.at(Stage.PHOTO)
            return
        if target in (Stage.PRINTING, Stage.FAULT):
            await self.at(target)
            return
        await self.at(Stage.HANDOVER)
        if target is Stage.HANDOVER:
            return
        assert (await self.cmd(Action.CONFIRM)).ok
        assert target is Stage.EXITING, target

    def rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return list(self.store.db.query(sql, params))


@pytest.fixture
def rig_factory(tmp_path: Path) -> Callable[..., Any]:
    """`rig_factory(scenario, **rig_options)` runs `scenario(rig)` on a virtual clock and returns its result."""

    def make(scenario: Callable[[Rig], Awaitable[Any]], **options: Any) -> Any:
        async def main(clock: Clock) -> Any:
            rig = Rig(clock, tmp_path / "lane.db", **options)
            rig.lane.start()
            try:
                return await scenario(rig)
            finally:
                await rig.lane.stop()
                rig.store.close()
                rig.registry.close()

        return run_virtual(main)

    return make


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a non-daemon thread running."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
    assert not leaked, f"threads left running: {leaked}"


def demo_args(db: Path, renewals: int, speed: float) -> list[str]:
    """`lane demo` on virtual devices with the plate typed: the arguments after `--config`."""
    args = ["demo", "--renewals", str(renewals), "--speed", f"{speed:g}", "--db", str(db), "--plain"]
    return [*args, "--plate-reader", "operator", "--devices", "virtual"]


def run_command(db: Path) -> list[str]:
    """`lane run --plain` of the shipped site on `db`, as a process of its own."""
    site = str(ROOT / "config" / "site.toml")
    return [sys.executable, "-m", "lane.cli", "--config", site, "run", "--db", str(db), "--plain"]
