"""How a lane is wired to its Modbus I/O module: which coil pulses which boom, which discrete input reads which
loop or limit switch, which contacts are inverted. Pure data and bit arithmetic, shared by the controller's driver
and the simulated module so both read the same wiring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GATES = ("entry", "exit")
COILS = ("entry_open", "entry_close", "exit_open", "exit_close")
INPUTS = ("entry_loop", "entry_safety", "entry_up", "entry_down", "exit_safety", "exit_loop", "exit_up", "exit_down")
SAFETY = {"entry": "entry_safety", "exit": "exit_safety"}
LOOPS = ("entry_loop", "entry_safety", "exit_safety", "exit_loop")
#: The queue-entry loop of an approach (issue 17): an input and a counter wired only on the module of a lane that
#: hosts a queue, so a module with just the lane's eight inputs is read as before. `QUEUE_WIRING` is the wiring the
#: device simulators use: the ninth input and the fifth counter.
QUEUE_LOOP = "queue_loop"
QUEUE_WIRING: dict[str, Any] = {"inputs": {QUEUE_LOOP: 8}, "counters": {QUEUE_LOOP: 4}}

DEFAULT_COILS: dict[str, int] = {name: i for i, name in enumerate(COILS)}
DEFAULT_INPUTS: dict[str, int] = {name: i for i, name in enumerate(INPUTS)}
#: Input registers that count each loop's vehicles (rising edges, modulo 2**16), as I/O modules' DI counters do:
#: they keep counting while the controller is down, so a restarted lane can tell whether a vehicle passed.
DEFAULT_COUNTERS: dict[str, int] = {name: i for i, name in enumerate(LOOPS)}
COUNTER_MODULO = 1 << 16


@dataclass(frozen=True)
class IOMap:
    """Addresses are 0-based Modbus addresses. `active_low` names inputs wired normally-closed (a safety loop's
    relay that opens on presence or on a broken loop) and coils whose relay is energised for "off"."""

    unit: int = 1
    coils: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_COILS))
    inputs: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_INPUTS))
    counters: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_COUNTERS))
    active_low: frozenset[str] = frozenset()
    pulse: float = 0.5  # seconds a command coil stays on
    poll: float = 0.05  # seconds between two reads of the inputs

    def __post_init__(self) -> None:
        if not 1 <= self.unit <= 247:
            raise ValueError(f"Modbus unit id {self.unit} out of 1-247")
        tables = (("coil", COILS, self.coils), ("input", INPUTS, self.inputs), ("counter", LOOPS, self.counters))
        for kind, names, table in tables:
            missing = set(names) - set(table)
            unknown = set(table) - set(names) - ({QUEUE_LOOP} if kind != "coil" else set())
            if missing or unknown:
                raise ValueError(f"{kind}s: missing {sorted(missing)}, unknown {sorted(unknown)}")
            if any(not 0 <= a <= 2000 for a in table.values()) or len(set(table.values())) != len(table):
                raise ValueError(f"{kind} addresses must be distinct and in 0-2000: {dict(table)}")
        unknown_low = set(self.active_low) - set(COILS) - set(INPUTS)
        if unknown_low:
            raise ValueError(f"active_low names unknown signals {sorted(unknown_low)}")
        if not 0.05 <= self.pulse <= 10 or not 0.005 <= self.poll <= 5:
            raise ValueError("pulse must be 0.05-10 s and poll 0.005-5 s")

    @property
    def loops(self) -> tuple[str, ...]:
        """The loops wired: the lane's four, and the queue loop when it is."""
        return LOOPS + ((QUEUE_LOOP,) if QUEUE_LOOP in self.inputs and QUEUE_LOOP in self.counters else ())

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> IOMap:
        """Build from configuration values (plain dicts and lists)."""
        o = dict(options or {})
        if "active_low" in o:
            o["active_low"] = frozenset(o["active_low"])
        for key, default in (("coils", DEFAULT_COILS), ("inputs", DEFAULT_INPUTS), ("counters", DEFAULT_COUNTERS)):
            o[key] = {**default, **dict(o.get(key) or {})}
        return cls(**o)

    def span(self) -> tuple[int, int]:
        """First address and count of one read that covers every input."""
        first = min(self.inputs.values())
        return first, max(self.inputs.values()) - first + 1

    def decode(self, bits: list[bool]) -> dict[str, bool]:
        """Signal states (True = loop occupied / limit reached) from the bits of a `span()` read."""
        first, count = self.span()
        if len(bits) < count:
            raise ValueError(f"expected {count} input bits, got {len(bits)}")
        return {name: bool(bits[addr - first]) != (name in self.active_low) for name, addr in self.inputs.items()}

    def encode_inputs(self, states: Mapping[str, bool]) -> dict[int, bool]:
        """Input address -> bit level for signal states (the simulated module's side of `decode`)."""
        return {self.inputs[name]: bool(on) != (name in self.active_low) for name, on in states.items()}

    def coil_level(self, name: str, on: bool) -> bool:
        return on != (name in self.active_low)

    def coil_name(self, address: int) -> str | None:
        for name, addr in self.coils.items():
            if addr == address:
                return name
        return None

    def options(self) -> dict[str, Any]:
        """The inverse of `from_options`: plain values for configuration files and command lines."""
        return {
            "unit": self.unit,
            "coils": dict(self.coils),
            "inputs": dict(self.inputs),
            "counters": dict(self.counters),
            "active_low": sorted(self.active_low),
            "pulse": self.pulse,
            "poll": self.poll,
        }

    def counter_span(self) -> tuple[int, int]:
        """First input register and count of one read that covers every loop counter."""
        first = min(self.counters.values())
        return first, max(self.counters.values()) - first + 1

    def decode_counters(self, registers: list[int]) -> dict[str, int]:
        """Loop -> vehicles counted, from the registers of a `counter_span()` read."""
        first, count = self.counter_span()
        if len(registers) < count:
            raise ValueError(f"expected {count} counter registers, got {len(registers)}")
        return {name: int(registers[addr - first]) % COUNTER_MODULO for name, addr in self.counters.items()}


def passed_since(mark: int, now: int) -> int:
    """Vehicles counted between two readings of a loop counter that wraps at 2**16."""
    return (now - mark) % COUNTER_MODULO


def gate_position(up: bool, down: bool) -> str:
    """The boom's position from its two limit switches: up, down or moving; "both" (both on) is a wiring fault."""
    if up and down:
        return "both"
    return "up" if up else "down" if down else "moving"
