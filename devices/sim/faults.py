"""Fault injection on a simulator's line, like pymodbus's `NullModem.set_manipulator`: every chunk of bytes that
crosses the line (a reply out, a request in) can be corrupted, dropped, delayed or preceded by garbage, at a rate
or for exactly the next N chunks; `silent` drops everything (a device that does not answer) and `flood` pushes
random bytes at a rate (a hostile device). Seeded, so a test sees the same faults each run. No I/O here.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Any

DIRECTIONS = ("out", "in")  # out: device -> controller; in: controller -> device


@dataclass
class FaultSpec:
    corrupt: float = 0.0  # chance a chunk gets a byte flipped
    drop: float = 0.0  # chance a chunk is lost
    garbage: float = 0.0  # chance random bytes come before a chunk
    delay: float = 0.0  # seconds each chunk is held back
    corrupt_next: int = 0  # corrupt exactly the next N chunks
    drop_next: int = 0
    garbage_next: int = 0
    silent: bool = False  # lose every chunk
    flood: int = 0  # bytes a second of random noise (out only)

    def check(self) -> None:
        for name in ("corrupt", "drop", "garbage"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} is a chance: 0 to 1")
        if self.delay < 0 or min(self.corrupt_next, self.drop_next, self.garbage_next) < 0:
            raise ValueError("delay and counts cannot be negative")
        if not 0 <= self.flood <= 10_000_000:
            raise ValueError("flood: 0 to 10 MB/s")


@dataclass
class Verdict:
    data: bytes | None  # None: the chunk is lost
    delay: float = 0.0
    what: str = ""  # for the simulator's log: "corrupt", "drop", ...


class Faults:
    """The faults of one line, both directions; counts what it did."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.specs = {d: FaultSpec() for d in DIRECTIONS}
        self.done: dict[str, int] = {}

    def update(self, direction: str = "out", **changes: Any) -> FaultSpec:
        if direction not in DIRECTIONS:
            raise ValueError(f"direction is one of {DIRECTIONS}")
        known = {f.name for f in fields(FaultSpec)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {sorted(known)}")
        spec = FaultSpec(**{**asdict(self.specs[direction]), **changes})
        spec.check()
        self.specs[direction] = spec
        return spec

    def clear(self) -> None:
        self.specs = {d: FaultSpec() for d in DIRECTIONS}
        self.done = {}

    def state(self) -> dict[str, Any]:
        return {"specs": {d: asdict(s) for d, s in self.specs.items()}, "done": dict(self.done)}

    def _count(self, what: str) -> None:
        self.done[what] = self.done.get(what, 0) + 1

    def apply(self, direction: str, data: bytes) -> Verdict:
        spec = self.specs[direction]
        if spec.silent:
            self._count("silent")
            return Verdict(None, what="silent")
        if spec.drop_next or self.rng.random() < spec.drop:
            spec.drop_next = max(0, spec.drop_next - 1)
            self._count("drop")
            return Verdict(None, what="drop")
        what = []
        if data and (spec.corrupt_next or self.rng.random() < spec.corrupt):
            spec.corrupt_next = max(0, spec.corrupt_next - 1)
            data = self.corrupt(data)
            what.append("corrupt")
        if spec.garbage_next or self.rng.random() < spec.garbage:
            spec.garbage_next = max(0, spec.garbage_next - 1)
            data = self.noise(self.rng.randint(1, 16)) + data
            what.append("garbage")
        for w in what:
            self._count(w)
        return Verdict(data, spec.delay, "+".join(what))

    def corrupt(self, data: bytes) -> bytes:
        i = self.rng.randrange(len(data))
        flipped = bytearray(data)
        flipped[i] ^= 1 << self.rng.randrange(8)
        return bytes(flipped)

    def noise(self, n: int) -> bytes:
        return self.rng.randbytes(n)
