"""Simulated people: drivers who arrive, drive in, pay and drive out, and an operator per lane who answers the
lane's requests through the command interface, each step taking a time drawn from the configured distributions,
with a share of mishaps (documents rejected, photo retaken, plate unreadable, printer out of cards).

Drivers act only on the virtual lane (loops, payment point); the operator acts only through `Command`s.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from devices.virtual import Vehicle, VirtualLane
from lane.commands import Action, Command, Outcome
from lane.config import Distribution, Simulation
from lane.events import LaneEvent

REJECT_REASONS = (
    "SIM sudah kedaluwarsa / licence already expired",
    "Surat keterangan sehat tidak ada / no health certificate",
    "NIK tidak cocok dengan SIM / NIK does not match the licence",
    "Hasil tes psikologi tidak ada / no psychology test result",
)


class Sampler:
    """Draws durations (seconds) from configured distributions with one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def draw(self, d: Distribution) -> float:
        if d.kind == "fixed":
            return float(d.value or 0.0)
        if d.kind == "uniform":
            return self.rng.uniform(d.low or 0.0, d.high or 0.0)
        return float(d.median or 0.0) * math.exp(self.rng.gauss(0.0, d.sigma))

    def chance(self, share: float) -> bool:
        return self.rng.random() < share


@dataclass
class Arrival:
    at: float  # seconds after the start
    lane: str
    vehicle: Vehicle
    mishaps: set[str] = field(default_factory=set)


def make_arrivals(sim: Simulation, lanes: list[str], hours: float, per_hour: float, sampler: Sampler,
                  count: int | None = None) -> list[Arrival]:  # fmt: skip
    """Poisson arrivals per lane over `hours`; or, with `count`, that many vehicles queued at the start."""
    out: list[Arrival] = []
    serial = 0
    for index, lane in enumerate(lanes):
        t = 0.0
        n = 0
        while True:
            if count is not None:
                if n >= count // len(lanes) + (1 if index < count % len(lanes) else 0):
                    break
                t = 5.0 * n
            else:
                t += sampler.rng.expovariate(per_hour / 3600.0)
                if t >= hours * 3600:
                    break
            n += 1
            serial += 1
            out.append(Arrival(t, lane, _vehicle(sim, sampler, serial), _mishaps(sim, sampler)))
    return sorted(out, key=lambda a: a.at)


def _vehicle(sim: Simulation, sampler: Sampler, serial: int) -> Vehicle:
    rng = sampler.rng
    region = rng.choice(sim.regions)
    number = str(rng.randint(1, 9999))
    suffix = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(0, 3)))
    plate = " ".join(p for p in (region, number, suffix) if p)
    return Vehicle(plate=plate, black_plate=sampler.chance(sim.black_plates), face_seed=serial)


def _mishaps(sim: Simulation, sampler: Sampler) -> set[str]:
    m = sim.mishaps
    shares = {"documents_rejected": m.documents_rejected, "photo_retake": m.photo_retake,
              "plate_unread": m.plate_unread, "printer_out_of_cards": m.printer_out_of_cards}  # fmt: skip
    return {name for name, share in shares.items() if sampler.chance(share)}


Execute = Callable[[Command], Awaitable[Outcome]]


class LanePeople:
    """The traffic of one lane (its queue of drivers) and the operator who serves it."""

    def __init__(self, lane_id: str, world: VirtualLane, sim: Simulation, sampler: Sampler, execute: Execute,
                 sleep: Callable[[float], Awaitable[None]]) -> None:  # fmt: skip
        self.lane_id = lane_id
        self.world = world
        self.sim = sim
        self.sampler = sampler
        self.execute = execute
        self.sleep = sleep
        self.operator = f"sim-{lane_id}"
        self.current: Arrival | None = None
        self.served = 0
        self.refused: list[Outcome] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._resumes = 0

    def on_event(self, ev: LaneEvent) -> None:
        if ev.kind == "request":
            self.spawn(self._answer(ev))
        elif ev.kind == "transition":
            dest = ev.data["dest"]
            if dest == "payment":
                self.spawn(self._pay(ev.cycle_id))
            elif dest in ("exiting", "rejected") and ev.data["source"] != dest:
                self.spawn(self._leave())
            elif dest == "printing" and self.current and "printer_out_of_cards" in self.current.mishaps:
                self.current.mishaps.discard("printer_out_of_cards")
                self.world.printer.stock = 0
            if ev.data["source"] == "idle" and dest == "arrived":
                self._resumes = 0

    def spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def step(self, name: str) -> float:
        steps = self.sim.steps
        return self.sampler.draw(getattr(steps, name))

    async def traffic(self, arrivals: list[Arrival], started: float, now: Callable[[], float]) -> None:
        """Send the lane's drivers in, one at a time, each when it has arrived and the lane is free."""
        for arrival in arrivals:
            await self.sleep(max(0.0, started + arrival.at - now()))
            while self.world.vehicle is not None:
                await self.sleep(1.0)
            self.current = arrival
            if "plate_unread" in arrival.mishaps:
                arrival.vehicle.dirty_plate = True
            await self.world.drive_in(arrival.vehicle, pass_seconds=self.step("drive_in"))
            while self.world.vehicle is arrival.vehicle:
                await self.sleep(5.0)
            self.served += 1

    async def _pay(self, cycle_id: int | None) -> None:
        await self.sleep(self.step("payment"))
        reference = f"{self.lane_id}-{cycle_id or 0:06d}"
        for _ in range(30):
            if self.world.payment.pay(reference):
                return
            await self.sleep(1.0)

    async def _leave(self) -> None:
        await self.world.drive_out(pass_seconds=self.step("drive_out"))

    async def _do(self, action: Action, **args: str) -> Outcome:
        outcome = await self.execute(Command(self.lane_id, action, self.operator, **args))
        if not outcome.ok:
            self.refused.append(outcome)
        return outcome

    async def _answer(self, ev: LaneEvent) -> None:
        what = ev.data.get("what")
        mishaps = self.current.mishaps if self.current else set()
        await self.sleep(self.step("operator_reaction"))
        if what == "plate":
            await self.sleep(self.step("plate_typing"))
            plate = self.world.vehicle.plate if self.world.vehicle else ""
            await self._do(Action.ENTER_PLATE, plate=plate)
        elif what == "documents":
            await self.sleep(self.step("documents"))
            if "documents_rejected" in mishaps:
                await self._do(Action.REJECT, reason=self.sampler.rng.choice(REJECT_REASONS))
            else:
                await self._do(Action.CONFIRM)
        elif what == "photo":
            await self.sleep(self.step("photo"))
            if "photo_retake" in mishaps:
                mishaps.discard("photo_retake")
                await self._do(Action.RETRY)
            else:
                await self._do(Action.CONFIRM)
        elif what == "handover":
            await self.sleep(self.step("handover"))
            await self._do(Action.CONFIRM)
        elif what == "fault":
            await self._clear_fault(str(ev.data.get("cause", "")))

    async def _clear_fault(self, cause: str) -> None:
        self._resumes += 1
        if cause in ("feeder_empty", "ribbon_ended"):
            await self.sleep(self.step("refill"))
            self.world.refill()
            self.world.printer.ribbon = max(self.world.printer.ribbon, 250)
        elif cause in ("cover_open", "card_jam"):
            await self.sleep(self.step("refill"))
            self.world.printer.cover_open = False
            await self._do(Action.CLEAR_PRINTER)
        if self._resumes > 3:
            await self._do(Action.ABORT, reason="fault keeps coming back")
            return
        outcome = await self._do(Action.RESUME)
        if not outcome.ok:
            await self._do(Action.ABORT, reason=f"cannot resume: {outcome.message}")
