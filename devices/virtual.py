"""In-process virtual backends: a simulated physical lane that the virtual devices sense and move.

`VirtualLane` holds the physical state of one lane (loops, booms, the vehicle and driver in it, the printer's
card stock and ribbon). Its devices implement the same interfaces as the hardware backends, with realistic
timings taken from the clock, and with error states that tests and the simulated people can set (gate stuck,
feeder empty, cover open, ...). Simulated drivers act on the lane through its `drive_*`, `pay` and `refill`
methods, never through the lane controller.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from devices import driving, portrait, render
from devices.base import (
    Camera,
    CardPrinter,
    Gate,
    GatePosition,
    LaneDisplay,
    PaymentTerminal,
    PrintJob,
    PrintTicket,
    Receipt,
    Timebase,
    VehicleLoop,
)
from devices.errors import DeviceFault, DeviceUnavailable


@dataclass
class Vehicle:
    """What stands in the lane: the plate a camera sees and the driver a camera photographs."""

    plate: str
    black_plate: bool = False
    dirty_plate: bool = False  # a plate the reader cannot read
    face_seed: int = 0
    extras: dict[str, Any] = field(default_factory=dict)


class VirtualLoop(VehicleLoop):
    count = 0  # vehicles counted, as an I/O module's counter input would
    edges_exact = True

    def set(self, occupied: bool) -> None:
        if occupied and not self.occupied:
            self.count += 1
        self._update(occupied)

    async def passes(self) -> int | None:
        return self.count


class VirtualGate(Gate):
    """A boom that takes `travel` seconds to move, reports its limit switches, and reverses a closing boom
    when its safety loop becomes occupied. `stuck` makes it ignore commands (limit never reached)."""

    def __init__(
        self, name: str, timebase: Timebase, safety: VehicleLoop, travel: float = 2.0, move_timeout: float = 8.0
    ) -> None:
        super().__init__(name, timebase, safety, move_timeout)
        self.travel = travel
        self.stuck = False
        self.commands: list[str] = []
        self._motion: asyncio.Task[None] | None = None
        safety.subscribe(self._on_safety)

    async def _command(self, up: bool) -> None:
        self.commands.append("open" if up else "close")
        if self.stuck:
            return
        if self._motion is not None:
            self._motion.cancel()
        self._motion = asyncio.get_running_loop().create_task(self._travel(up))

    async def _travel(self, up: bool) -> None:
        self._update(GatePosition.MOVING)
        await self.timebase.sleep(self.travel)
        self._update(GatePosition.UP if up else GatePosition.DOWN)

    def _on_safety(self, event: Any) -> None:
        # A boom coming down over a vehicle goes back up at once.
        if (
            event.detail.get("occupied")
            and self.commands
            and self.commands[-1] == "close"
            and self.position is GatePosition.MOVING
        ):
            self.commands.append("reverse")
            if self._motion is not None:
                self._motion.cancel()
            self._motion = asyncio.get_running_loop().create_task(self._travel(True))


class VirtualPlateCamera(Camera):
    """Frames of the lane's plate camera: the plate of the vehicle in the lane, or an empty lane."""

    def __init__(self, name: str, timebase: Timebase, lane: VirtualLane, where: str = "vehicle") -> None:
        """`where`: the lane's attribute holding the vehicle it films (`queue_vehicle` for the approach camera)."""
        super().__init__(name, timebase)
        self.lane = lane
        self.where = where
        self.offline = False
        self._frame_no = itertools.count()

    async def _capture(self) -> np.ndarray[Any, np.dtype[np.uint8]]:
        if self.offline:
            raise DeviceUnavailable(self.name, "no frames from camera", "no_frames")
        await self.timebase.sleep(0.1)  # 10 frames a second
        vehicle: Vehicle | None = getattr(self.lane, self.where)
        return render.plate_frame(
            None if vehicle is None else vehicle.plate,
            black=bool(vehicle and vehicle.black_plate),
            dirty=bool(vehicle and vehicle.dirty_plate),
            seed=next(self._frame_no),
        )


class VirtualDriverCamera(Camera):
    def __init__(self, name: str, timebase: Timebase, lane: VirtualLane) -> None:
        super().__init__(name, timebase)
        self.lane = lane

    async def start(self) -> None:
        portrait.driver_photo(0)  # load the source photograph now, not in the middle of the first renewal

    async def _capture(self) -> np.ndarray[Any, np.dtype[np.uint8]]:
        await self.timebase.sleep(0.2)
        vehicle = self.lane.vehicle
        if vehicle is None:
            return portrait.driver_photo(None)
        return portrait.driver_photo(vehicle.face_seed, vehicle.extras.get("photo_issue"))


class VirtualPrinter(CardPrinter):
    """A card printer with a card stock, a ribbon good for `ribbon` cards, a cover and a jam flag."""

    def __init__(
        self, name: str, timebase: Timebase, stock: int = 100, ribbon: int = 250, print_seconds: float = 25.0
    ) -> None:
        super().__init__(name, timebase)
        self.stock = stock
        self.ribbon = ribbon
        self.print_seconds = print_seconds
        self.cover_open = False
        self.jammed = False
        self.cards: list[str] = []  # job ids of the cards that came out
        self.last_card: np.ndarray[Any, np.dtype[np.uint8]] | None = None  # the face of the last one

    def error(self) -> str | None:
        if self.cover_open:
            return "cover_open"
        if self.jammed:
            return "card_jam"
        if self.stock <= 0:
            return "feeder_empty"
        if self.ribbon <= 0:
            return "ribbon_ended"
        return None

    async def _counter(self) -> int | None:
        return len(self.cards)

    async def _fault_now(self) -> str | None:
        cause = self.error()
        return self.CAUSES[cause] if cause else None

    async def _print(self, job: PrintJob, ticket: PrintTicket) -> None:
        cause = self.error()
        if cause:
            raise DeviceFault(self.name, self.CAUSES[cause], cause)
        await self.timebase.sleep(self.print_seconds)
        self.stock -= 1
        self.ribbon -= 1
        self.cards.append(job.job_id)
        self.last_card = job.card

    async def _clear(self) -> None:
        self.jammed = False


class VirtualDisplay(LaneDisplay):
    def __init__(self, name: str, timebase: Timebase) -> None:
        super().__init__(name, timebase)
        self.history: list[tuple[str, str]] = []

    async def _show(self, indonesian: str, english: str) -> None:
        self.history.append((indonesian, english))


class VirtualPayment(PaymentTerminal):
    """A payment point the (simulated) driver pays at: `collect` waits for `VirtualLane.pay`."""

    def __init__(self, name: str, timebase: Timebase) -> None:
        super().__init__(name, timebase)
        self.pending: dict[str, tuple[int, asyncio.Future[Receipt]]] = {}
        self._receipts = itertools.count(1)

    async def _collect(self, amount: int, reference: str) -> Receipt:
        future: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self.pending[reference] = (amount, future)
        try:
            return await future
        finally:
            self.pending.pop(reference, None)

    def pay(self, reference: str, amount: int | None = None) -> bool:
        """The driver pays; False when no payment is being asked for under `reference`."""
        if reference not in self.pending:
            return False
        asked, future = self.pending[reference]
        number = f"{self.name.upper()}-{next(self._receipts):06d}"
        if not future.done():
            future.set_result(Receipt(number, asked if amount is None else amount))
        return True


class VirtualLane:
    """One simulated lane: its devices and the physical state they share."""

    def __init__(
        self,
        name: str,
        timebase: Timebase,
        gate_travel: float = 2.0,
        card_stock: int = 100,
        print_seconds: float = 25.0,
    ) -> None:
        self.name = name
        self.vehicle: Vehicle | None = None
        self.entry_loop = VirtualLoop(f"{name}.entry_loop", timebase)
        self.entry_safety = VirtualLoop(f"{name}.entry_safety", timebase)
        self.exit_safety = VirtualLoop(f"{name}.exit_safety", timebase)
        self.exit_loop = VirtualLoop(f"{name}.exit_loop", timebase)
        self.entry_gate = VirtualGate(f"{name}.entry_gate", timebase, self.entry_safety, gate_travel)
        self.exit_gate = VirtualGate(f"{name}.exit_gate", timebase, self.exit_safety, gate_travel)
        self.plate_camera = VirtualPlateCamera(f"{name}.plate_camera", timebase, self)
        self.driver_camera = VirtualDriverCamera(f"{name}.driver_camera", timebase, self)
        self.printer = VirtualPrinter(f"{name}.printer", timebase, card_stock, print_seconds=print_seconds)
        self.display = VirtualDisplay(f"{name}.display", timebase)
        self.payment = VirtualPayment(f"{name}.payment", timebase)
        self.timebase = timebase
        # The queue before the lane, when it hosts one: the loop where drivers join, the vehicle on it (what the
        # approach camera films), the queue sign of a shared queue.
        self.queue_loop = VirtualLoop(f"{name}.queue_loop", timebase)
        self.queue_vehicle: Vehicle | None = None
        self.approach_camera = VirtualPlateCamera(f"{name}.approach_camera", timebase, self, "queue_vehicle")
        self.queue_sign = VirtualDisplay(f"{name}.queue_sign", timebase)

    async def drive_in(self, vehicle: Vehicle, pass_seconds: float = 2.0, give_up_after: float = 600.0) -> None:
        await driving.drive_in(self, vehicle, pass_seconds, give_up_after)

    async def drive_out(self, pass_seconds: float = 2.0, give_up_after: float = 600.0) -> None:
        await driving.drive_out(self, pass_seconds, give_up_after)

    async def wait_gate_up(self, gate: str, give_up_after: float) -> None:
        boom = self.entry_gate if gate == "entry" else self.exit_gate
        async with asyncio.timeout(give_up_after):
            while boom.position is not GatePosition.UP:
                await boom._moved.wait()

    def refill(self, cards: int = 100) -> None:
        """An operator loads cards into the printer."""
        self.printer.stock += cards
