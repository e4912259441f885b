"""The simulated world of one lane, driven from the controller's process through the simulators' control
channels: the same methods the simulated people use on `devices.virtual.VirtualLane` (`vehicle`, the loops'
`set`, `drive_in`, `drive_out`, `refill`, the printer's error states, `payment.pay`), so `lane/people.py` can drive
either. Setters send at once and do not wait (as on the virtual lane); `await world.sync()` waits until every
simulator has applied what was sent. Gate positions are mirrored from the I/O simulator's events.
Payment stays in-process (`VirtualPayment`): no serial payment protocol is simulated.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from typing import Any

from devices import driving
from devices.base import Timebase
from devices.errors import DeviceUnavailable
from devices.virtual import Vehicle, VirtualPayment

MAX_LINE = 1 << 20


class ControlLink:
    """One JSON-lines connection to a simulator's control port."""

    def __init__(self, address: str) -> None:
        self.host, _, port = address.rpartition(":")
        self.port = int(port)
        self.events: list[Any] = []  # callbacks taking an event dict
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=MAX_LINE)
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self._writer.wait_closed()

    def send(self, op: str, **args: Any) -> asyncio.Future[Any]:
        """Send now; the future gets the result (or a DeviceUnavailable / ValueError)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self._writer is None or self._writer.is_closing():
            future.set_exception(DeviceUnavailable("world", f"control link {self.host}:{self.port} closed"))
            return future
        rid = next(self._ids)
        self._pending[rid] = future
        self._writer.write(json.dumps({"id": rid, "op": op, **args}).encode() + b"\n")
        return future

    async def request(self, op: str, **args: Any) -> Any:
        return await asyncio.wait_for(self.send(op, **args), 10.0)

    async def _read(self) -> None:
        assert self._reader is not None
        try:
            while line := await self._reader.readline():
                message = json.loads(line)
                if "event" in message:
                    for callback in list(self.events):
                        callback(message)
                    continue
                future = self._pending.pop(message.get("id"), None)
                if future is None or future.done():
                    continue
                if message.get("ok"):
                    future.set_result(message.get("result"))
                else:
                    future.set_exception(ValueError(message.get("error")))
        except (OSError, ConnectionError, ValueError):
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(DeviceUnavailable("world", "control link lost"))
            self._pending.clear()


class LoopHandle:
    def __init__(self, world: WorldClient, name: str) -> None:
        self.world, self.name = world, name
        self.occupied = False

    def set(self, occupied: bool) -> None:
        self.occupied = bool(occupied)
        self.world._send("io", "loop", name=self.name, occupied=self.occupied)


class GateHandle:
    def __init__(self, world: WorldClient, name: str) -> None:
        self.world, self.name = world, name
        self.position = "down"
        self._stuck = False
        self._moved = asyncio.Event()

    @property
    def stuck(self) -> bool:
        return self._stuck

    @stuck.setter
    def stuck(self, value: bool) -> None:
        self._stuck = bool(value)
        self.world._send("io", "gate_stuck", gate=self.name, stuck=self._stuck)

    def _moved_to(self, position: str) -> None:
        self.position = position
        self._moved.set()
        self._moved = asyncio.Event()

    async def wait_up(self, give_up_after: float) -> None:
        async with asyncio.timeout(give_up_after):
            while self.position != "up":
                await self._moved.wait()


class PrinterHandle:
    """The printer's consumables and error states; reads are the last values the simulator reported."""

    FIELDS = ("stock", "ribbon", "cover_open", "jammed", "jam_next")
    world: WorldClient
    values: dict[str, Any]

    def __init__(self, world: WorldClient) -> None:
        object.__setattr__(self, "world", world)
        object.__setattr__(self, "values", {"stock": 0, "ribbon": 0, "cover_open": False, "jammed": False})

    def __getattr__(self, name: str) -> Any:
        if name in PrinterHandle.FIELDS:
            return self.values.get(name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in PrinterHandle.FIELDS:
            raise AttributeError(f"the printer has no {name!r}")
        self.values[name] = value
        self.world._send("printer", "set", **{name: value})


class WorldClient:
    def __init__(
        self, lane: str, control: dict[str, str], timebase: Timebase, payment: VirtualPayment | None = None
    ) -> None:
        self.name = lane
        self.timebase = timebase
        self.links = {kind: ControlLink(address) for kind, address in control.items()}
        self.payment = payment or VirtualPayment(f"{lane}.payment", timebase)
        self.entry_loop, self.entry_safety = LoopHandle(self, "entry_loop"), LoopHandle(self, "entry_safety")
        self.exit_safety, self.exit_loop = LoopHandle(self, "exit_safety"), LoopHandle(self, "exit_loop")
        self.entry_gate, self.exit_gate = GateHandle(self, "entry"), GateHandle(self, "exit")
        self.queue_loop = LoopHandle(self, "queue_loop")  # the queue before the lane, when it hosts one (issue 17)
        self.queue_vehicle: Vehicle | None = None  # on the queue loop (no camera simulator films it)
        self.printer = PrinterHandle(self)
        self.shown: list[tuple[int, str]] = []  # (line, text) the sign showed, newest last
        self.cards: list[str] = []  # PNG files of the cards the printer delivered
        self._vehicle: Vehicle | None = None
        self._sent: list[asyncio.Future[Any]] = []
        self.started = False

    async def start(self) -> None:
        for link in self.links.values():
            await link.connect()
            link.events.append(self._event)
        self.started = True
        if "io" in self.links:
            state = await self.links["io"].request("state")
            for gate in (self.entry_gate, self.exit_gate):
                gate._moved_to(state["gates"][gate.name]["position"])
        if "printer" in self.links:
            state = await self.links["printer"].request("state")
            self.printer.values.update({k: state[k] for k in ("stock", "ribbon", "cover_open", "jammed")})

    async def stop(self) -> None:
        self.started = False
        for link in self.links.values():
            await link.close()

    def _send(self, kind: str, op: str, **args: Any) -> None:
        if not self.started:
            raise RuntimeError("start the world client first (await world.start())")
        future = self.links[kind].send(op, **args)
        future.add_done_callback(lambda f: f.exception())  # errors are read by sync(), never left unretrieved
        self._sent = [f for f in self._sent if not f.done()] + [future]

    async def sync(self) -> None:
        """Wait until the simulators have applied everything sent so far; raises the first error."""
        sent, self._sent = self._sent, []
        for future in sent:
            await future

    def _event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "gate":
            gate = self.entry_gate if event["gate"] == "entry" else self.exit_gate
            gate._moved_to(event["position"])
        elif kind in ("printer", "card", "printing"):
            self.printer.values.update({k: event[k] for k in ("stock", "ribbon", "cover_open", "jammed") if k in event})
            if kind == "card":
                self.cards.append(event["file"])
        elif kind == "show":
            self.shown = [*self.shown[-99:], (int(event["line"]), str(event["text"]))]

    # -- what the people do ----------------------------------------------------------------------------------

    @property
    def vehicle(self) -> Vehicle | None:
        return self._vehicle

    @vehicle.setter
    def vehicle(self, vehicle: Vehicle | None) -> None:
        self._vehicle = vehicle
        if "cameras" in self.links:
            scene = (
                {"plate": None, "face_seed": None}
                if vehicle is None
                else {
                    "plate": vehicle.plate,
                    "black": vehicle.black_plate,
                    "dirty": vehicle.dirty_plate,
                    "face_seed": vehicle.face_seed,
                    "issue": vehicle.extras.get("photo_issue"),
                }
            )
            self._send("cameras", "scene", **scene)

    async def drive_in(self, vehicle: Vehicle, pass_seconds: float = 2.0, give_up_after: float = 600.0) -> None:
        await driving.drive_in(self, vehicle, pass_seconds, give_up_after)

    async def drive_out(self, pass_seconds: float = 2.0, give_up_after: float = 600.0) -> None:
        await driving.drive_out(self, pass_seconds, give_up_after)

    async def wait_gate_up(self, gate: str, give_up_after: float) -> None:
        await (self.entry_gate if gate == "entry" else self.exit_gate).wait_up(give_up_after)

    def refill(self, cards: int = 100) -> None:
        """An operator loads cards into the printer."""
        self.printer.values["stock"] = int(self.printer.values.get("stock") or 0) + cards
        self._send("printer", "refill", cards=cards)

    # -- what tests and demos do -------------------------------------------------------------------------------

    async def faults(self, kind: str, endpoint: str = "line", direction: str = "out", **spec: Any) -> Any:
        """Line faults on one simulator (see `devices.sim.faults.FaultSpec`)."""
        return await self.links[kind].request("faults", endpoint=endpoint, direction=direction, **spec)

    async def clear_faults(self) -> None:
        for link in self.links.values():
            await link.request("clear_faults")

    async def disconnect(self, kind: str, seconds: float, endpoint: str = "line") -> None:
        await self.links[kind].request("disconnect", endpoint=endpoint, seconds=seconds)

    async def state(self, kind: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.links[kind].request("state")
        return result

    async def request(self, kind: str, op: str, **args: Any) -> Any:
        return await self.links[kind].request(op, **args)
