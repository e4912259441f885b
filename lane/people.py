"""Simulated people: drivers who arrive, drive in, pay and drive out, and an operator per lane who answers the
lane's requests through the command interface, each step taking a time drawn from the configured distributions,
with a share of mishaps (documents rejected, photo retaken, plate unreadable, printer out of cards).

Drivers act only on the virtual lane (loops, payment point); the operator acts only through `Command`s, under an
officer's account like anyone's (`seed_officers`: `sim-<lane>`, an operator, for each lane, and `sim-supervisor`,
who aborts a renewal a fault keeps stopping), so that the same role checks apply. A driver
whose wait fails (gives up on a boom that does not open, loses the simulators) backs out and is logged; the lane's
next driver still comes, and the other lanes never notice.

After a controller restart (`LanePeople.rejoin`) the people take up where the world is, not where the store says:
with the device simulators, which outlive the controller, the vehicle is wherever the I/O simulator's loops and
the cameras' scene put it (waiting at the entry, through it, at the window, gone), so a restart neither invents a
second arrival nor loses one. Asked whether a card came out (`card_out`), the operator answers from the printer:
its counter against the one noted when the print job started (kept in a small notebook file when given, so the
note survives the controller).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from devices.portrait import ISSUES
from devices.sim.world_client import WorldClient
from devices.virtual import Vehicle, VirtualLane
from flows import population
from flows.bookkeeping import cycle_name
from flows.states import Stage
from lane.commands import Action, Command, Outcome
from lane.config import Distribution, Simulation
from lane.events import LaneEvent
from lane.holders import Registry
from lane.officers import Officers, Role

log = logging.getLogger(__name__)


#: The simulated supervisor's account.
SUPERVISOR = "sim-supervisor"
#: What the simulated supervisor adds to an abort after payment (lane/abort.py): they confirm it.
CONFIRMED = {"confirm": "yes"}


def seed_officers(officers: Officers, lanes: list[str]) -> None:
    """The simulated officers' accounts, made when missing, with no PIN: they act in this process, never log in."""
    for lane in lanes:
        officers.ensure(f"sim-{lane}", Role.OPERATOR, "simulated")
    officers.ensure(SUPERVISOR, Role.SUPERVISOR, "simulated")


#: The ways a renewal is rejected at the window, as the simulation plays them.
REJECTIONS = ("expired", "stale_certificate", "nik_typo", "wrong_class")


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
    lane: str  # the lane that serves it ("" until the queue sends it to one)
    vehicle: Vehicle
    mishaps: set[str] = field(default_factory=set)
    lane_class: str = "A"
    patience: float | None = None  # seconds the driver queues before leaving; None: for ever


def make_arrivals(
    sim: Simulation,
    classes: dict[str, str],
    hours: float,
    per_hour: float,
    sampler: Sampler,
    count: int | None = None,
    profile: dict[str, float] | None = None,
    start: datetime | None = None,
) -> list[Arrival]:
    """The site's drivers (they join a queue, not a lane: `lane.queue_people`) over `hours` from `start`: at
    `profile[hour of day]` an hour for the whole site when given, else `per_hour` a lane (`classes`: lane id ->
    class); Poisson, or evenly spaced with `sim.arrivals = "fixed"`. With `count`, that many vehicles queued at the
    start. Each driver's class is drawn from `sim.class_mix` among the classes the lanes serve."""
    served = sorted(set(classes.values()))
    weights = [sim.class_mix.get(c, 0.0) for c in served]  # type: ignore[call-overload]
    weights = weights if sum(weights) > 0 else [1.0] * len(served)
    times: list[float] = []
    if count is not None:
        times = [5.0 * n for n in range(count)]
    else:
        begin = start or datetime(2000, 1, 1)
        end, t, due = hours * 3600, 0.0, 0.0
        while t < end:
            hour = begin + timedelta(seconds=t)
            slot_end = min(end, t + 3600 - (hour.minute * 60 + hour.second + hour.microsecond / 1e6))
            rate = profile.get(str(hour.hour), 0.0) if profile is not None else per_hour * len(classes)
            if rate > 0 and sim.arrivals == "fixed":
                due = max(due, t)
                while due < slot_end:
                    times.append(due)
                    due += 3600.0 / rate
            elif rate > 0:
                at = t
                while (at := at + sampler.rng.expovariate(rate / 3600.0)) < slot_end:
                    times.append(at)
            t = slot_end
    out = []
    for serial, at in enumerate(times, 1):
        cls = sampler.rng.choices(served, weights)[0]
        arrival = Arrival(at, "", _vehicle(sim, sampler, serial), _mishaps(sim, sampler), cls)
        arrival.patience = sampler.draw(sim.patience) if sim.patience is not None else None
        out.append(arrival)
    return out


def _vehicle(sim: Simulation, sampler: Sampler, serial: int) -> Vehicle:
    rng = sampler.rng
    region = rng.choice(sim.regions)
    number = str(rng.randint(1, 9999))
    suffix = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(0, 3)))
    plate = " ".join(p for p in (region, number, suffix) if p)
    return Vehicle(plate=plate, black_plate=sampler.chance(sim.black_plates), face_seed=serial)


def _mishaps(sim: Simulation, sampler: Sampler) -> set[str]:
    m = sim.mishaps
    shares = {
        "documents_rejected": m.documents_rejected,
        "photo_retake": m.photo_retake,
        "plate_unread": m.plate_unread,
        "printer_out_of_cards": m.printer_out_of_cards,
    }
    return {name for name, share in shares.items() if sampler.chance(share)}


Execute = Callable[[Command], Awaitable[Outcome]]


class LanePeople:
    """The traffic of one lane (its queue of drivers) and the operator who serves it."""

    def __init__(
        self,
        lane_id: str,
        world: VirtualLane | WorldClient,
        sim: Simulation,
        sampler: Sampler,
        execute: Execute,
        sleep: Callable[[float], Awaitable[None]],
        registry: Registry,
        classes: tuple[str, ...],
        wall: Callable[[], datetime],
        certificate_days: int = 180,
        notes: Path | None = None,
    ) -> None:
        """`notes`: the operator's notebook (a JSON file) of the printer's counter when the current print job
        started; without it the note is kept in memory only and is lost with the controller."""
        self.lane_id = lane_id
        self.notes = notes
        self.registry = registry
        self.classes = classes
        self.wall = wall
        self.certificate_days = certificate_days
        self.world = world
        self.sim = sim
        self.sampler = sampler
        self.execute = execute
        self.sleep = sleep
        self.operator = f"sim-{lane_id}"
        self.current: Arrival | None = None
        self.inbox: asyncio.Queue[Arrival | None] = asyncio.Queue()  # drivers the queue sends this lane
        self.ready: Callable[[str], None] = lambda lane: None  # told when the lane can take the next driver
        self._free = asyncio.Event()  # the lane is back at idle after the last driver
        self._free.set()
        self.served = 0
        self.refused: list[Outcome] = []
        self.gave_up: list[str] = []  # why drivers left without being served, one line each
        self._tasks: set[asyncio.Task[Any]] = set()
        self._resumes = 0
        self._photo_retries = 0
        self._leaving: asyncio.Task[None] | None = None
        self.note: dict[str, Any] = self._read_note()  # {"cycle": id, "prints": n, "counter": c}

    def on_event(self, ev: LaneEvent) -> None:
        if ev.kind == "request":
            self.spawn(self._answer(ev))
        elif ev.kind == "prompt" and str(ev.data.get("code", "")).startswith("photo_"):
            self.spawn(self._fix_photo())
        elif ev.kind == "transition":
            dest = ev.data["dest"]
            if dest == "payment":
                self.spawn(self._pay(ev.cycle_id))
            elif dest in ("exiting", "rejected") and ev.data["source"] != dest:
                self.spawn(self._leave())
            elif dest == "printing":
                self.spawn(self._note_job(ev.cycle_id, new_job=ev.data["trigger"] in ("photo_accepted", "reprint")))
                if self.current and "printer_out_of_cards" in self.current.mishaps:
                    self.current.mishaps.discard("printer_out_of_cards")
                    self.world.printer.stock = 0
            if ev.data["source"] == "idle" and dest == "arrived":
                self._resumes = 0
                self._photo_retries = 0
            if dest in ("idle", "closed"):
                self._free.set()

    def spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        """A person's step that failed is logged in one line (not left for the loop to print at exit)."""
        self._tasks.discard(task)
        if not task.cancelled() and (err := task.exception()) is not None:
            log.warning("lane %s: a simulated person's step failed: %s: %s", self.lane_id, type(err).__name__, err)

    def step(self, name: str) -> float:
        steps = self.sim.steps
        return self.sampler.draw(getattr(steps, name))

    async def traffic(self) -> None:
        """Serve the drivers the queue sends this lane (`inbox`), one at a time, until it sends None; say when the
        lane is free for the next one (`ready`), at the moment the last one's cycle ends."""
        while True:
            self.ready(self.lane_id)
            arrival = await self.inbox.get()
            if arrival is None:
                return
            await self.serve(arrival)

    async def serve(self, arrival: Arrival) -> None:
        """One driver: drives in once the lane is empty, is served, drives out."""
        while self.world.vehicle is not None:  # a vehicle left in the lane from before a restart
            await self.sleep(1.0)
        self.current = arrival
        self.prepare(arrival)
        if "plate_unread" in arrival.mishaps:
            arrival.vehicle.dirty_plate = True
        self._free.clear()
        try:
            await self.world.drive_in(arrival.vehicle, pass_seconds=self.step("drive_in"))
        except Exception as err:  # this driver's failure is theirs: the lane's next driver still comes
            self._give_up(arrival, err)
            return
        await self._free.wait()
        self.served += 1

    def _give_up(self, arrival: Arrival, err: Exception) -> None:
        """The driver backs off the entry loop and leaves the lane."""
        why = f"{arrival.vehicle.plate} gave up at the entry: {type(err).__name__}: {err}".rstrip(": ")
        self.gave_up.append(why)
        log.warning("lane %s: %s", self.lane_id, why)
        with contextlib.suppress(Exception):  # the world may be what failed
            self.world.entry_safety.set(False)
            self.world.entry_loop.set(False)
        with contextlib.suppress(Exception):
            if self.world.vehicle is arrival.vehicle:
                self.world.vehicle = None

    def prepare(self, arrival: Arrival) -> None:
        """Who is driving and what they bring: a holder from the registry, their certificates, perhaps a
        booking; for a renewal that will be rejected, the reason it will be."""
        rng, today = self.sampler.rng, self.wall().date()
        extras = arrival.vehicle.extras
        rejection = rng.choice(REJECTIONS) if "documents_rejected" in arrival.mishaps else None
        if rejection == "expired":
            holder = self.registry.sample(rng, self.classes, today, valid=False)
        elif rejection == "wrong_class":
            other = ("C",) if "A" in self.classes else ("A",)
            holder = self.registry.sample(rng, other, today)
        else:
            holder = self.registry.sample(rng, self.classes, today)
        nik = holder.nik
        if rejection == "nik_typo":
            i = rng.randrange(12, 16)
            nik = nik[:i] + str((int(nik[i]) + 1) % 10) + nik[i + 1 :]
        certs = population.certificates(rng, today, self.certificate_days, stale=rejection == "stale_certificate")
        extras["holder"] = holder
        extras["documents"] = {"nik": nik, "sim": holder.sim_number, **certs}
        if "photo_retake" in arrival.mishaps:
            extras["photo_issue"] = rng.choice(ISSUES)
        if self.sampler.chance(self.sim.preregistered):
            now = self.wall()
            extras["prereg"] = self.registry.book(
                arrival.vehicle.plate, holder, now - timedelta(hours=1), now + timedelta(hours=2)
            )

    async def _fix_photo(self) -> None:
        """The driver does what the sign says (helmet off, closer, keep still) after a moment."""
        await self.sleep(self.step("operator_reaction"))
        vehicle = self.world.vehicle
        if vehicle is not None and vehicle.extras.pop("photo_issue", None):
            self.world.vehicle = vehicle  # what the camera sees changes (the simulators are told)

    async def _pay(self, cycle_id: int | None) -> None:
        await self.sleep(self.step("payment"))
        reference = cycle_name(self.lane_id, cycle_id)
        for _ in range(30):
            if self.world.payment.pay(reference):
                return
            await self.sleep(1.0)

    async def _leave(self) -> None:
        """The driver at the window drives out once the exit boom is up (once, however often the lane says so).
        With nobody at the window (the lane's vehicle left while the controller was down) nobody drives out: a
        vehicle at the entry is the next driver, not the one the lane lets out."""
        if self._leaving is not None and not self._leaving.done():
            return
        world = self.world
        if world.vehicle is None or world.entry_loop.occupied or world.entry_safety.occupied:
            return
        self._leaving = asyncio.ensure_future(world.drive_out(pass_seconds=self.step("drive_out")))
        await self._leaving

    # -- after a restart -------------------------------------------------------------------------------------

    async def rejoin(self, stage: Stage, faulted_from: Stage | None, cycle_id: int | None, plate: str) -> None:
        """Take up the lane after a controller restart. With the device simulators the vehicle is where the world
        has it; with in-process devices (recreated empty) the store's word is all there is: a vehicle stood in the
        lane when the lane holds a cycle, before the entry boom if it was being admitted."""
        if not isinstance(self.world, WorldClient):
            if cycle_id is None:
                return
            vehicle = Vehicle(plate=plate or "G 1 RS", face_seed=cycle_id)
            self._adopt(vehicle)
            self.world.vehicle = vehicle
            if Stage.ARRIVED in (stage, faulted_from):
                self.spawn(self.world.drive_in(vehicle))
            elif stage in (Stage.EXITING, Stage.REJECTED):
                self.spawn(self._leave())
            return
        scene = (await self.world.state("cameras"))["scene"] if "cameras" in self.world.links else {}
        loops = (await self.world.state("io"))["loops"]
        if not scene.get("plate") and not any(loops.values()):
            return  # nobody in the lane: a vehicle that was there left while the controller was down
        vehicle = Vehicle(
            plate=str(scene.get("plate") or plate or "G 1 RS"),
            black_plate=bool(scene.get("black")),
            dirty_plate=bool(scene.get("dirty")),
            face_seed=int(scene.get("face_seed") or cycle_id or 0),
        )
        if scene.get("issue"):
            vehicle.extras["photo_issue"] = scene["issue"]
        self._adopt(vehicle)
        for name in ("entry_loop", "entry_safety", "exit_safety", "exit_loop"):
            getattr(self.world, name).occupied = bool(loops[name])
        if loops["exit_safety"] or loops["exit_loop"]:  # half-way out
            self.world.vehicle = vehicle
            self._leaving = asyncio.ensure_future(self._finish_exit())
            self.spawn(self._leaving)
        elif loops["entry_safety"]:  # under the entry boom
            self.world.vehicle = vehicle
            self.spawn(self._finish_entry())
        elif loops["entry_loop"]:  # waiting at the entry boom
            self.world.vehicle = vehicle  # now: the next driver in the queue waits behind it
            self.spawn(self.world.drive_in(vehicle, pass_seconds=self.step("drive_in")))
        else:  # at the window
            self.world.vehicle = vehicle
            if stage in (Stage.EXITING, Stage.REJECTED):
                self.spawn(self._leave())
        if Stage.PRINTING in (stage, faulted_from) and self.note.get("cycle") != cycle_id:
            await self._note_job(cycle_id, new_job=True)  # no note survived: the printer as it is now

    def _adopt(self, vehicle: Vehicle) -> None:
        arrival = Arrival(0.0, self.lane_id, vehicle)
        self.current = arrival
        self.prepare(arrival)  # the driver, with their documents

    async def _finish_entry(self) -> None:
        await self.sleep(self.step("drive_in") / 2)
        self.world.entry_safety.set(False)
        self.world.entry_loop.set(False)

    async def _finish_exit(self) -> None:
        pass_seconds = self.step("drive_out")
        self.world.exit_safety.set(False)
        await self.sleep(pass_seconds / 2)
        self.world.exit_loop.set(False)
        self.world.vehicle = None

    # -- the printer, as the operator sees it -----------------------------------------------------------------

    async def _printer(self) -> tuple[int, bool]:
        """The printer's delivered-cards counter, and whether a card is still on its way out."""
        if isinstance(self.world, WorldClient):
            state = await self.world.state("printer")
            busy = state["status"] == "BUSY" or (bool(state["card_inside"]) and not state["jammed"])
            return int(state["counter"]), busy
        return len(self.world.printer.cards), False

    async def _note_job(self, cycle_id: int | None, new_job: bool) -> None:
        """Note the printer's counter as a print job starts; a job resumed or retried keeps its first note (its card
        may have come out since), a reprint is a new job."""
        if not new_job and self.note.get("cycle") == cycle_id:
            return
        prints = int(self.note.get("prints", 0)) + 1 if self.note.get("cycle") == cycle_id else 1
        counter, _ = await self._printer()
        self.note = {"cycle": cycle_id, "prints": prints, "counter": counter}
        if self.notes is not None:
            part = self.notes.with_name(self.notes.name + ".part")
            part.write_text(json.dumps(self.note))
            part.replace(self.notes)

    def _read_note(self) -> dict[str, Any]:
        if self.notes is None:
            return {}
        with contextlib.suppress(OSError, ValueError):
            note = json.loads(self.notes.read_text())
            if isinstance(note, dict):
                return note
        return {}

    async def _card_came_out(self, cycle_id: int | None) -> bool:
        """What the operator sees at the printer: a card still on its way is waited for; then, did the counter move
        since the job started. With no note of this job (none survived) the printer as it is now is the note: only
        a card still on its way counts."""
        if self.note.get("cycle") != cycle_id:
            await self._note_job(cycle_id, new_job=True)
        counter, busy = await self._printer()
        for _ in range(120):
            if not busy:
                break
            await self.sleep(1.0)
            counter, busy = await self._printer()
        return counter > int(self.note.get("counter", counter))

    async def _do(self, action: Action, data: dict[str, str] | None = None, by: str = "", **args: str) -> Outcome:
        cmd = Command(self.lane_id, action, by or self.operator, data=data or {}, **args)
        outcome = await self.execute(cmd)
        if not outcome.ok:
            self.refused.append(outcome)
        return outcome

    async def _answer(self, ev: LaneEvent) -> None:
        what = ev.data.get("what")
        await self.sleep(self.step("operator_reaction"))
        if what == "plate":
            await self.sleep(self.step("plate_typing"))
            plate = self.world.vehicle.plate if self.world.vehicle else ""
            await self._do(Action.ENTER_PLATE, plate=plate)
        elif what == "documents":
            if ev.data.get("failures"):
                await self._do(Action.REJECT)  # the reasons the check gave
                return
            await self.sleep(self.step("documents"))
            fields = dict(self.world.vehicle.extras.get("documents", {})) if self.world.vehicle else {}
            if ev.data.get("prefill"):
                fields = {k: v for k, v in fields.items() if k not in ("nik", "sim")}
                await self._do(Action.CONFIRM, data=fields)
            else:
                await self._do(Action.DOCUMENTS, data=fields)
        elif what == "photo":
            await self.sleep(self.step("photo"))
            if self._photo_retries < 1:
                self._photo_retries += 1
                await self._do(Action.RETRY)
            else:
                await self._do(Action.CONFIRM, reason="photo checked by the operator")
        elif what == "handover":
            await self.sleep(self.step("handover"))
            await self._do(Action.CONFIRM)
        elif what == "fault":
            await self._clear_fault(str(ev.data.get("cause", "")))
        elif what == Action.CARD_OUT.value:
            out = await self._card_came_out(ev.cycle_id)
            await self._do(Action.CARD_OUT, data={"out": "yes" if out else "no"})

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
            await self._do(Action.ABORT, data=CONFIRMED, by=SUPERVISOR, reason="fault keeps coming back")
            return
        outcome = await self._do(Action.RESUME)
        if not outcome.ok:
            await self._do(Action.ABORT, data=CONFIRMED, by=SUPERVISOR, reason=f"cannot resume: {outcome.message}")
