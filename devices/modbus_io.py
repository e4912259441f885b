"""Boom gates and vehicle loops on a Modbus RTU I/O module (RS-485), through pymodbus's serial client.

`ModbusIOModule` owns the client in one link worker (`devices.transport`): it reads every input each `poll`
seconds, pulses the command coils for `pulse` seconds, refuses a close while the boom's safety loop is occupied
(read afresh in the same job, so no stale state lets a boom down on a car), and sends a closing boom back up on
the first poll that sees its safety loop occupied. Coils go back off on every (re)connect. Before each request the
client's port is drained (`devices.drain`): pymodbus drops only what `in_waiting` reports, one byte on
a `socket://` link, and reads a backlog one byte a poll. Bytes waiting are read until the line is quiet; while the
link is not healthy every request first waits for a quiet line (a clean line costs a poll nothing). `ModbusLoop` and
`ModbusGate` are the lane's devices on top of it; the `Gate` base class checks the limit switch within its
`move_timeout`. Wiring lives in `devices.codecs.iomap.IOMap`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from pymodbus.client import ModbusSerialClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

from devices.base import Gate, GatePosition, Health, Timebase, VehicleLoop
from devices.codecs.iomap import GATES, SAFETY, IOMap, gate_position
from devices.drain import drain
from devices.errors import DeviceFault, DeviceRefused, DeviceTimeout, DeviceUnavailable, ProtocolError
from devices.transport import LinkSettings, LinkWorker

logging.getLogger("pymodbus").setLevel(logging.CRITICAL)  # its errors come back to us as exceptions, translated


class ModbusIOModule:
    def __init__(self, name: str, timebase: Timebase, settings: LinkSettings, iomap: IOMap) -> None:
        self.name = name
        self.timebase = timebase
        self.settings = settings
        self.iomap = iomap
        self.worker: LinkWorker[ModbusSerialClient] = LinkWorker(
            name,
            settings,
            self._connect,
            _close_client,
            self._link_health,
            on_open=self._all_off,
            tick=self._poll,
            tick_interval=iomap.poll,
        )
        self.loops: dict[str, ModbusLoop] = {}
        self.gates: dict[str, ModbusGate] = {}
        self.reversals = 0
        self._closing: set[str] = set()  # worker side: gates sent down and not yet at their down limit
        self._offs: dict[str, float] = {}  # worker side: coil -> when it goes back off
        self._first = threading.Event()
        self._users = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- life -------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._users += 1
        if self._users > 1:
            return
        self._loop = asyncio.get_running_loop()
        self.worker.start()
        if not await self._loop.run_in_executor(None, self._first.wait, 2.0):
            self._link_health(Health.DOWN, "no answer from the I/O module at start")

    async def stop(self) -> None:
        self._users -= 1
        if self._users == 0:
            await self.worker.stop()

    def _connect(self) -> ModbusSerialClient:
        s = self.settings
        client = ModbusSerialClient(s.url, baudrate=s.baudrate, timeout=s.timeout, retries=0, name=self.name)
        if not client.connect():
            raise DeviceUnavailable(self.name, f"cannot open {s.url}", "port_unavailable")
        return client

    def _link_health(self, health: Health, why: str) -> None:
        for device in (*self.loops.values(), *self.gates.values()):
            device.set_health(health, why)

    # -- Modbus requests (worker side), errors translated ----------------------------------------------------

    def _call(self, client: ModbusSerialClient, what: str, request: Callable[[], Any]) -> Any:
        try:
            if client.socket is not None:
                settle = self.worker.health is not Health.OK  # after a failure wait for quiet, else only if bytes wait
                drain(client.socket, self.name, self.settings.timeout, self.settings.quiet, wait=settle)
            response = request()
        except (ConnectionException, OSError) as err:
            raise DeviceUnavailable(self.name, f"{what}: {err}", "connection_lost") from err
        except ModbusIOException as err:
            raise DeviceTimeout(self.name, f"{what}: no answer", "no_answer") from err
        except (ModbusException, ValueError, TypeError, IndexError, KeyError) as err:
            raise ProtocolError(self.name, f"{what}: {err}", "bad_answer") from err
        if response.isError():
            raise DeviceFault(self.name, f"{what}: Modbus exception {response}", "modbus_exception")
        return response

    def _read(self, client: ModbusSerialClient) -> dict[str, bool]:
        first, count = self.iomap.span()
        response = self._call(
            client, "read inputs", lambda: client.read_discrete_inputs(first, count=count, device_id=self.iomap.unit)
        )
        try:
            return self.iomap.decode(list(response.bits))
        except ValueError as err:
            raise ProtocolError(self.name, f"read inputs: {err}", "bad_answer") from err

    def _write(self, client: ModbusSerialClient, coil: str, on: bool) -> None:
        level = self.iomap.coil_level(coil, on)
        address = self.iomap.coils[coil]
        self._call(client, f"write {coil}", lambda: client.write_coil(address, level, device_id=self.iomap.unit))

    def _pulse(self, client: ModbusSerialClient, coil: str) -> None:
        gate, _, _ = coil.partition("_")
        for other in (f"{gate}_open", f"{gate}_close"):
            if other != coil and other in self._offs:  # never both directions at once
                self._write(client, other, False)
                del self._offs[other]
        self._write(client, coil, True)
        self._offs[coil] = time.monotonic() + self.iomap.pulse

    def _all_off(self, client: ModbusSerialClient) -> None:
        for coil in self.iomap.coils:
            self._write(client, coil, False)
        self._offs.clear()

    def _poll(self, client: ModbusSerialClient) -> None:
        now = time.monotonic()
        for coil, due in list(self._offs.items()):
            if now >= due:
                self._write(client, coil, False)
                del self._offs[coil]
        states = self._read(client)
        reversed_now: set[str] = set()
        for gate in GATES:
            if gate not in self._closing:
                continue
            if states[SAFETY[gate]]:
                self._closing.discard(gate)
                self._pulse(client, f"{gate}_open")
                self.reversals += 1
                reversed_now.add(gate)
            elif states[f"{gate}_down"]:
                self._closing.discard(gate)
        self._post(states, reversed_now)

    def _move(self, client: ModbusSerialClient, gate: str, up: bool) -> None:
        if up:
            self._closing.discard(gate)
            self._pulse(client, f"{gate}_open")
            return
        states = self._read(client)
        self._post(states)
        if states[SAFETY[gate]]:
            raise DeviceRefused(self.name, f"{gate} close refused: safety loop occupied", "safety_occupied")
        self._closing.add(gate)
        self._pulse(client, f"{gate}_close")

    async def move(self, gate: str, up: bool) -> None:
        """Pulse the gate's open or close coil. Not retried: an unanswered command is a fault to look at."""
        await self.worker.run(lambda client: self._move(client, gate, up))

    async def read(self) -> dict[str, bool]:
        """The inputs, read now (retried)."""
        return await self.worker.run(self._read, idempotent=True)

    def _read_counters(self, client: ModbusSerialClient) -> dict[str, int]:
        first, count = self.iomap.counter_span()
        response = self._call(
            client,
            "read loop counters",
            lambda: client.read_input_registers(first, count=count, device_id=self.iomap.unit),
        )
        try:
            return self.iomap.decode_counters(list(response.registers))
        except ValueError as err:
            raise ProtocolError(self.name, f"read loop counters: {err}", "bad_answer") from err

    async def passes(self, loop: str) -> int:
        """The module's vehicle counter of one loop, read now (retried)."""
        counts = await self.worker.run(self._read_counters, idempotent=True)
        return counts[loop]

    # -- states into the lane's devices (event loop side) ----------------------------------------------------

    def _post(self, states: dict[str, bool], reversed_now: set[str] | None = None) -> None:
        self._first.set()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._apply, states, reversed_now or set())

    def _apply(self, states: dict[str, bool], reversed_now: set[str]) -> None:
        for name, loop in self.loops.items():
            loop.sense(states[name])
        for gate, device in self.gates.items():
            if gate in reversed_now:  # make the reversal visible even if no poll caught the boom moving
                device.emit("reverse", why="safety loop occupied under a closing boom")
                device._update(GatePosition.MOVING)
            position = gate_position(states[f"{gate}_up"], states[f"{gate}_down"])
            if position == "both":
                device.set_health(Health.DEGRADED, "both limit switches on: check the wiring")
                position = "moving"
            device._update(GatePosition(position))


class ModbusLoop(VehicleLoop):
    """A loop detector's output on one discrete input. Occupied for longer than `stuck_after` seconds makes the
    loop's health degraded (a detector stuck on, or a vehicle that does not move)."""

    def __init__(
        self, name: str, timebase: Timebase, module: ModbusIOModule, signal: str, stuck_after: float = 300.0
    ) -> None:
        super().__init__(name, timebase)
        if signal not in module.iomap.loops:
            raise ValueError(f"unknown loop {signal!r} (wired: {', '.join(module.iomap.loops)})")
        self.module = module
        self.signal = signal
        self.stuck_after = stuck_after
        self._since = 0.0
        module.loops[signal] = self

    async def passes(self) -> int | None:
        return await self.module.passes(self.signal)

    async def start(self) -> None:
        await self.module.start()

    async def stop(self) -> None:
        await self.module.stop()

    def sense(self, occupied: bool) -> None:
        now = self.timebase.monotonic()
        if occupied != self.occupied:
            self._since = now
            if not occupied and self.health is Health.DEGRADED and self.module.worker.health is Health.OK:
                self.set_health(Health.OK, "clear again")
        self._update(occupied)
        if occupied and now - self._since > self.stuck_after and self.health is Health.OK:
            self.set_health(Health.DEGRADED, f"occupied for over {self.stuck_after:g} s: stuck?")


class ModbusGate(Gate):
    def __init__(
        self,
        name: str,
        timebase: Timebase,
        safety: VehicleLoop,
        module: ModbusIOModule,
        gate: str,
        move_timeout: float = 8.0,
    ) -> None:
        super().__init__(name, timebase, safety, move_timeout)
        if gate not in GATES:
            raise ValueError(f"unknown gate {gate!r}")
        self.module = module
        self.gate = gate
        module.gates[gate] = self

    async def start(self) -> None:
        await self.module.start()

    async def stop(self) -> None:
        await self.module.stop()

    async def _command(self, up: bool) -> None:
        await self.module.move(self.gate, up)


def _close_client(client: ModbusSerialClient) -> None:
    client.close()  # type: ignore[no-untyped-call]
