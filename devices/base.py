"""The device interfaces a lane uses, one abstract class per kind.

Public methods do the waiting, the timeouts and the checks; each backend overrides a few small private hooks
(`_command`, `_capture`, `_print`, ...). Devices never import the lane: they take a `Timebase` (the lane's clock
satisfies it) and report what happens to listeners as `DeviceEvent`s, which the lane logs.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Protocol

import numpy as np

from devices.errors import DeviceError, DeviceFault, DeviceRefused, DeviceTimeout


class Timebase(Protocol):
    """Where devices read the time from (the site's clock)."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class DeviceEvent:
    device: str
    kind: str  # e.g. "health", "gate", "loop", "print", "fault", "display", "payment"
    detail: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[DeviceEvent], None]


class Device:
    """Common part of every device: a name, a health, listeners. Each kind below adds its abstract hooks."""

    kind: ClassVar[str] = "device"

    def __init__(self, name: str, timebase: Timebase) -> None:
        self.name = name
        self.timebase = timebase
        self.health = Health.OK
        self.last_why = ""  # why the health last changed
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def emit(self, kind: str, **detail: Any) -> None:
        event = DeviceEvent(self.name, kind, detail)
        for listener in list(self._listeners):
            listener(event)

    def set_health(self, health: Health, why: str = "") -> None:
        if health is not self.health:
            self.health, self.last_why = health, why
            self.emit("health", health=health.value, why=why)

    async def poll_health(self) -> None:
        """Ask the device how it is now (a lane polls its devices while it is idle) and set its health from the
        answer (a health event when it changes). A device that has nothing to be asked keeps the health its last
        use gave it."""

    async def start(self) -> None:
        """Open the connection; virtual backends have nothing to open."""

    async def stop(self) -> None:
        """Close the connection."""


class VehicleLoop(Device):
    """An inductive loop: occupied while a vehicle stands over it. Backends call `_update` on every change."""

    kind = "loop"
    #: Every occupation reaches `_update` (an in-process loop). A polled loop can miss a pass shorter than its
    #: poll, which `passes()` still counts (the queue keeper reads both: lane/queue.py).
    edges_exact: ClassVar[bool] = False

    def __init__(self, name: str, timebase: Timebase) -> None:
        super().__init__(name, timebase)
        self._occupied = False
        self._changed = asyncio.Event()

    @property
    def occupied(self) -> bool:
        return self._occupied

    def _update(self, occupied: bool) -> None:
        if occupied != self._occupied:
            self._occupied = occupied
            self.emit("loop", occupied=occupied)
            self._changed.set()
            self._changed = asyncio.Event()

    async def passes(self) -> int | None:
        """How many vehicles the loop has counted (modulo 2**16; `devices.codecs.iomap.passed_since` compares two
        readings), kept by the hardware while the controller is down; None when the backend keeps no count."""
        return None

    async def wait_for(self, occupied: bool, timeout: float | None = None) -> None:
        """Return once the loop is (or is not) occupied; DeviceTimeout after `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                while self._occupied != occupied:
                    await self._changed.wait()
        except TimeoutError as err:
            want = "occupied" if occupied else "clear"
            raise DeviceTimeout(self.name, f"not {want} after {timeout:g} s", "loop_timeout") from err


class GatePosition(StrEnum):
    UP = "up"
    DOWN = "down"
    MOVING = "moving"


class Gate(Device, ABC):
    """A boom gate. `open`/`close` return once the limit switch confirms, or raise DeviceTimeout (gate fault).
    A close is refused while the safety loop under the boom is occupied."""

    kind = "gate"

    def __init__(self, name: str, timebase: Timebase, safety: VehicleLoop, move_timeout: float = 8.0) -> None:
        super().__init__(name, timebase)
        self.safety = safety
        self.move_timeout = move_timeout
        self._position = GatePosition.DOWN
        self._moved = asyncio.Event()

    @property
    def position(self) -> GatePosition:
        return self._position

    def _update(self, position: GatePosition) -> None:
        if position is not self._position:
            self._position = position
            self.emit("gate", position=position.value)
            self._moved.set()
            self._moved = asyncio.Event()

    @abstractmethod
    async def _command(self, up: bool) -> None:
        """Send the open (up) or close command."""

    async def open(self) -> None:
        await self._move(GatePosition.UP)

    async def close(self) -> None:
        if self.safety.occupied:
            raise DeviceRefused(self.name, "close refused: safety loop occupied", "safety_occupied")
        await self._move(GatePosition.DOWN)

    async def _move(self, target: GatePosition) -> None:
        if self._position is target:
            return
        await self._command(target is GatePosition.UP)
        started = False
        try:
            async with asyncio.timeout(self.move_timeout):
                while self._position is not target:
                    await self._moved.wait()
                    started = started or self._position is GatePosition.MOVING
                    if started and target is GatePosition.DOWN and self._position is GatePosition.UP:
                        raise DeviceRefused(self.name, "close reversed: safety loop occupied", "reversed")
        except TimeoutError as err:
            self.set_health(Health.DOWN, f"no {target.value} limit after {self.move_timeout:g} s")
            raise DeviceTimeout(self.name, f"not {target.value} after {self.move_timeout:g} s", "gate_stuck") from err
        if self.health is not Health.OK:
            self.set_health(Health.OK, "movement confirmed")


@dataclass(frozen=True)
class Frame:
    image: np.ndarray[Any, np.dtype[np.uint8]]
    at: float  # timebase seconds


class Camera(Device, ABC):
    """A camera; `capture` returns the next frame or raises DeviceError."""

    kind = "camera"

    async def capture(self) -> Frame:
        try:
            image = await self._capture()
        except DeviceError:
            self.set_health(Health.DEGRADED, "capture failed")
            raise
        if self.health is not Health.OK:
            self.set_health(Health.OK, "capturing")
        return Frame(image, self.timebase.monotonic())

    @abstractmethod
    async def _capture(self) -> np.ndarray[Any, np.dtype[np.uint8]]: ...


@dataclass(frozen=True)
class PrintJob:
    """One card to print. `job_id` is unique per renewal and attempt; a printer never prints one id twice."""

    job_id: str
    card: np.ndarray[Any, np.dtype[np.uint8]]  # card face, 648 rows x 1016 columns, BGR
    photo: tuple[int, int, int, int] | None = None  # the portrait's box (x, y, w, h): printed as a photograph


@dataclass(frozen=True)
class PrintTicket:
    """What a job is sent against: the printer's count of delivered cards just before it. The lane commits the
    ticket before the job is sent, so after a crash `CardPrinter.settle` can tell whether that job's card came out."""

    job_id: str
    counter: int | None  # None: the printer keeps no count


class CardOutcome(StrEnum):
    OUT = "out"  # the counter moved by one: the job's card came out
    NOT_OUT = "not_out"  # the counter did not move and the printer is not printing: no card came out
    UNKNOWN = "unknown"  # the printer cannot say (no answer, no counter, or it moved by more than one)


class CardPrinter(Device, ABC):
    """A card printer. `print_card` returns once the card is out; DeviceFault with `cause` one of
    feeder_empty, ribbon_ended, cover_open, card_jam; DeviceTimeout when it does not answer.

    A job is sent in two steps so that no crash can print a card twice: `ticket(job_id)` reads the printer's
    delivered-cards counter, the caller commits the ticket, then `print_card(job, ticket)` sends it. A job whose
    outcome was never seen (a lost answer, a crash) is settled against the printer with `settle(ticket)`."""

    kind = "printer"
    CAUSES: ClassVar[dict[str, str]] = {
        "feeder_empty": "card feeder empty",
        "ribbon_ended": "ribbon ended",
        "cover_open": "cover open",
        "card_jam": "card jammed",
        "no_answer": "printer does not answer",
    }

    def __init__(self, name: str, timebase: Timebase) -> None:
        super().__init__(name, timebase)
        self.printed: set[str] = set()

    async def ticket(self, job_id: str) -> PrintTicket:
        return PrintTicket(job_id, await self._counter())

    async def print_card(self, job: PrintJob, ticket: PrintTicket | None = None) -> None:
        if job.job_id in self.printed:
            raise DeviceRefused(self.name, f"job {job.job_id} already printed", "duplicate_job")
        ticket = ticket or await self.ticket(job.job_id)
        try:
            await self._print(job, ticket)
        except DeviceFault as err:
            self.set_health(Health.DEGRADED, err.message)
            self.emit("fault", cause=err.cause, job=job.job_id)
            raise
        self.printed.add(job.job_id)
        self.emit("print", job=job.job_id)
        if self.health is not Health.OK:
            self.set_health(Health.OK, "printed")

    async def settle(self, ticket: PrintTicket) -> CardOutcome:
        """Whether the card of a job sent against `ticket` came out: waits for a card being printed to finish,
        then compares the printer's counter with the ticket's."""
        try:
            counter = await self._counter_when_idle()
        except DeviceError:
            return CardOutcome.UNKNOWN
        if ticket.counter is None or counter is None:
            return CardOutcome.UNKNOWN
        moved = counter - ticket.counter
        outcome = {0: CardOutcome.NOT_OUT, 1: CardOutcome.OUT}.get(moved, CardOutcome.UNKNOWN)
        if outcome is CardOutcome.OUT:
            self.printed.add(ticket.job_id)
        self.emit("settle", job=ticket.job_id, outcome=outcome.value, moved=moved)
        return outcome

    async def clear_errors(self) -> None:
        await self._clear()
        self.emit("clear")

    async def poll_health(self) -> None:
        """Down with the printer's own cause (feeder empty, ribbon ended, cover open, no answer) before a job
        meets it; back to ok once the cause is gone."""
        try:
            cause = await self._fault_now()
        except DeviceError as err:
            cause = err.message
        if cause:
            self.set_health(Health.DOWN, cause)
        elif self.health is Health.DOWN:
            self.set_health(Health.OK, "ready")

    async def _fault_now(self) -> str | None:
        """What would stop a print now (one of `CAUSES`' texts), or None; DeviceError when it cannot be asked."""
        return None

    @abstractmethod
    async def _counter(self) -> int | None:
        """The count of cards delivered so far, kept by the printer across restarts; None when it keeps none."""

    async def _counter_when_idle(self) -> int | None:
        """`_counter` once no card is being printed (a printer that prints one card at a time in `_print` is)."""
        return await self._counter()

    @abstractmethod
    async def _print(self, job: PrintJob, ticket: PrintTicket) -> None: ...

    @abstractmethod
    async def _clear(self) -> None: ...


class LaneDisplay(Device, ABC):
    """The driver's sign: two lines, Bahasa Indonesia first and English second."""

    kind = "display"

    def __init__(self, name: str, timebase: Timebase) -> None:
        super().__init__(name, timebase)
        self.current: tuple[str, str] = ("", "")

    async def show(self, indonesian: str, english: str) -> None:
        await self._show(indonesian, english)
        self.current = (indonesian, english)
        self.emit("display", id=indonesian, en=english)

    @abstractmethod
    async def _show(self, indonesian: str, english: str) -> None: ...


@dataclass(frozen=True)
class Receipt:
    number: str
    amount: int


class PaymentTerminal(Device, ABC):
    """Takes the fee: `collect` asks for an amount and returns the receipt once paid."""

    kind = "payment"

    async def collect(self, amount: int, reference: str, timeout: float | None = None) -> Receipt:
        try:
            async with asyncio.timeout(timeout):
                receipt = await self._collect(amount, reference)
        except TimeoutError as err:
            raise DeviceTimeout(self.name, f"no payment for {reference} in {timeout:g} s", "no_payment") from err
        if receipt.amount != amount:
            raise DeviceFault(self.name, f"paid {receipt.amount}, fee is {amount}", "wrong_amount")
        self.emit("payment", reference=reference, receipt=receipt.number, amount=amount)
        return receipt

    @abstractmethod
    async def _collect(self, amount: int, reference: str) -> Receipt: ...
