"""A simulated Modbus RTU I/O module with the lane's booms and loops wired to it.

The Modbus side is a real pymodbus server (RTU framing, `SimDevice` with a register action) on an internal loopback
port; the simulator's line (pty or TCP, with faults) carries the RTU bytes to it. Discrete inputs are computed on
each read from the simulated world; a rising edge on a command coil moves a boom, which takes `gate_travel` lane
seconds from limit to limit. Loops are set through the control channel (the simulated drivers). It records every
command with the state of the boom's safety loop: a close while it is occupied is a violation, and a boom that
comes low over an occupied safety loop is a hit; both must stay zero. It also times each close against the moment
its gate's "loop after" (entry or exit loop) and safety loop were both clear.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from typing import Any

from pymodbus.framer import FramerType
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from devices.codecs.iomap import COUNTER_MODULO, GATES, SAFETY, IOMap
from devices.sim.control import SimOptions, Simulator
from devices.sim.endpoint import Send

LOOP_AFTER = {"entry": "entry_loop", "exit": "exit_loop"}
HIT_BELOW = 0.3  # a boom lower than this (0 down, 1 up) over an occupied safety loop touches the vehicle


class Barrier:
    def __init__(self, travel: float) -> None:
        self.travel = max(travel, 1e-3)  # real seconds limit to limit
        self.pos = 0.0  # 0 down, 1 up
        self.direction = 0
        self.stuck = False

    @property
    def position(self) -> str:
        return "up" if self.pos >= 1.0 else "down" if self.pos <= 0.0 else "moving"

    def command(self, up: bool) -> None:
        if not self.stuck:
            self.direction = 1 if up else -1

    def step(self, dt: float) -> None:
        if self.direction:
            self.pos = min(1.0, max(0.0, self.pos + self.direction * dt / self.travel))
            if self.pos in (0.0, 1.0):
                self.direction = 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _ModbusPeer:
    """The line's bytes to and from the internal pymodbus server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.writer: asyncio.StreamWriter | None = None
        self.task: asyncio.Task[None] | None = None

    async def open(self, send: Send) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

        async def pump() -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await reader.read(4096):
                    send(data)

        self.task = asyncio.get_running_loop().create_task(pump())

    async def feed(self, data: bytes) -> None:
        if self.writer is not None:
            self.writer.write(data)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.close()


class IOModuleSim(Simulator):
    kind = "io"

    def __init__(self, options: SimOptions) -> None:
        super().__init__(options)
        extra = options.extra
        self.iomap = IOMap.from_options(extra.get("iomap"))
        travel = self.seconds(float(extra.get("gate_travel", 2.0)))
        self.barriers = {gate: Barrier(travel) for gate in GATES}
        self.loops = dict.fromkeys(self.iomap.loops, False)
        self.passes = dict.fromkeys(self.iomap.loops, 0)  # vehicles counted by each loop (the module's DI counters)
        self.stuck_loops: set[str] = set()
        self.coils = dict.fromkeys(self.iomap.coils, False)
        self.commands: list[dict[str, Any]] = []
        self.violations: list[dict[str, Any]] = []
        self.hits = 0
        self.reads = 0
        self.clear_at: dict[str, float | None] = dict.fromkeys(GATES, 0.0)
        self.close_latency: dict[str, list[float]] = {gate: [] for gate in GATES}
        self._pressing = dict.fromkeys(GATES, False)
        self.modbus_port = _free_port()
        bits = (max(self.iomap.inputs.values()) // 16 + 1) * 16
        coil_bits = (max(self.iomap.coils.values()) // 16 + 1) * 16
        counters = max(self.iomap.counters.values()) + 1
        device = SimDevice(self.iomap.unit, action=self._action, simdata=(
            [SimData(0, values=[False] * coil_bits, datatype=DataType.BITS)],
            [SimData(0, values=[False] * bits, datatype=DataType.BITS)],
            [SimData(0, values=0, datatype=DataType.REGISTERS)],
            [SimData(0, values=[0] * counters, datatype=DataType.REGISTERS)],
        ))  # fmt: skip
        self.server = ModbusTcpServer(
            device, framer=FramerType.RTU, address=("127.0.0.1", self.modbus_port), ignore_missing_devices=True
        )
        self.endpoint("line", lambda: _ModbusPeer(self.modbus_port))

    async def start(self) -> dict[str, Any]:
        await self.server.serve_forever(background=True)
        self.spawn(self._physics())
        return await super().start()

    async def stop(self) -> None:
        await super().stop()
        await self.server.shutdown()  # type: ignore[no-untyped-call]

    # -- the world --------------------------------------------------------------------------------------------

    def occupied(self, loop: str) -> bool:
        return self.loops[loop] or loop in self.stuck_loops

    def inputs(self) -> dict[str, bool]:
        states = {name: self.occupied(name) for name in self.iomap.loops}
        for gate, barrier in self.barriers.items():
            states[f"{gate}_up"] = barrier.pos >= 1.0
            states[f"{gate}_down"] = barrier.pos <= 0.0
        return states

    def _loops_changed(self) -> None:
        now = time.monotonic()
        for gate in GATES:
            clear = not self.occupied(LOOP_AFTER[gate]) and not self.occupied(SAFETY[gate])
            if not clear:
                self.clear_at[gate] = None
            elif self.clear_at[gate] is None:
                self.clear_at[gate] = now

    async def _physics(self) -> None:
        last = time.monotonic()
        shown = {gate: b.position for gate, b in self.barriers.items()}
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            for gate, barrier in self.barriers.items():
                barrier.step(now - last)
                if barrier.position != shown[gate]:
                    shown[gate] = barrier.position
                    self.emit("gate", gate=gate, position=barrier.position)
                pressing = self.occupied(SAFETY[gate]) and barrier.pos < HIT_BELOW and barrier.position != "down"
                if pressing and not self._pressing[gate]:
                    self.hits += 1
                    self.emit("hit", gate=gate)
                self._pressing[gate] = pressing
            last = now

    async def _action(
        self, fc: int, start: int, address: int, count: int, registers: list[int], values: list[int] | list[bool] | None
    ) -> None:
        if fc == 2:
            self.reads += 1
            bits = [False] * (len(registers) * 16)
            for addr, level in self.iomap.encode_inputs(self.inputs()).items():
                bits[addr] = level
            registers[:] = [sum(int(b) << j for j, b in enumerate(bits[i : i + 16])) for i in range(0, len(bits), 16)]
        elif fc == 4:
            counts = {addr: self.passes[name] % COUNTER_MODULO for name, addr in self.iomap.counters.items()}
            registers[:] = [counts.get(address + k, 0) for k in range(len(registers))]
        elif fc in (5, 15) and values is not None:
            for k, value in enumerate(values):
                name = self.iomap.coil_name(address + k)
                if name is not None:
                    self._coil(name, bool(value) != (name in self.iomap.active_low))
        return None

    def _coil(self, name: str, on: bool) -> None:
        rising = on and not self.coils[name]
        self.coils[name] = on
        if not rising:
            return
        gate, _, what = name.partition("_")
        now = time.monotonic()
        record = {"gate": gate, "command": what, "at": now, "safety_occupied": self.occupied(SAFETY[gate])}
        if what == "close":
            if record["safety_occupied"]:
                self.violations.append(record)
            clear_at = self.clear_at[gate]
            if clear_at:
                self.close_latency[gate].append(now - clear_at)
                self.clear_at[gate] = 0.0  # counted once
        self.commands = [*self.commands[-199:], record]
        self.emit("command", **record)
        self.barriers[gate].command(what == "open")

    # -- control operations -----------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "loops": {name: self.occupied(name) for name in self.iomap.loops},
            "stuck_loops": sorted(self.stuck_loops),
            "gates": {
                g: {"position": b.position, "pos": round(b.pos, 3), "stuck": b.stuck} for g, b in self.barriers.items()
            },
            "coils": dict(self.coils),
            "commands": self.commands[-20:],
            "violations": self.violations,
            "hits": self.hits,
            "reads": self.reads,
            "close_latency": self.close_latency,
            "passes": dict(self.passes),
        }

    async def op_loop(self, name: str, occupied: bool) -> None:
        if name not in self.loops:
            raise ValueError(f"unknown loop {name!r}")
        if occupied and not self.loops[name]:
            self.passes[name] += 1
        self.loops[name] = bool(occupied)
        self._loops_changed()
        self.emit("loop", name=name, occupied=self.occupied(name))

    async def op_stuck_loop(self, name: str, stuck: bool = True) -> None:
        if name not in self.loops:
            raise ValueError(f"unknown loop {name!r}")
        (self.stuck_loops.add if stuck else self.stuck_loops.discard)(name)
        self._loops_changed()

    async def op_gate_stuck(self, gate: str, stuck: bool = True) -> None:
        self.barriers[gate].stuck = bool(stuck)

    async def op_set_gate(self, gate: str, position: str) -> None:
        barrier = self.barriers[gate]
        barrier.pos, barrier.direction = {"up": 1.0, "down": 0.0}[position], 0

    def reset(self) -> None:
        self.loops = dict.fromkeys(self.iomap.loops, False)
        for barrier in self.barriers.values():
            barrier.pos, barrier.direction = 0.0, 0
        self.commands, self.violations, self.hits = [], [], 0
        self.clear_at = dict.fromkeys(GATES, 0.0)
        self.close_latency = {gate: [] for gate in GATES}

    def clear_device_faults(self) -> None:
        self.stuck_loops.clear()
        for barrier in self.barriers.values():
            barrier.stuck = False
        self._loops_changed()
