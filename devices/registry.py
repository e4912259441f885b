"""The devices of one lane as one bundle, and the registry that builds a bundle from a backend name.

A backend is imported only when a lane asks for it, so a site without serial hardware never loads pyserial.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from devices.base import Camera, CardPrinter, Device, Gate, LaneDisplay, PaymentTerminal, Timebase, VehicleLoop


@dataclass
class LaneDevices:
    entry_loop: VehicleLoop
    entry_safety: VehicleLoop
    entry_gate: Gate
    exit_safety: VehicleLoop
    exit_loop: VehicleLoop
    exit_gate: Gate
    plate_camera: Camera
    driver_camera: Camera
    printer: CardPrinter
    display: LaneDisplay
    payment: PaymentTerminal
    world: Any = None  # the simulated physical lane, for virtual backends
    # The queue before the lane (issue 17), used when this lane hosts an approach (lane/queue.py): the queue-entry
    # loop, the approach camera (None when none is configured), the queue sign of a shared queue (likewise).
    queue_loop: VehicleLoop | None = None
    approach_camera: Camera | None = None
    queue_sign: LaneDisplay | None = None

    def all(self) -> Iterator[Device]:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Device):
                yield value


#: Backend name -> "module:function" building a LaneDevices(lane_id, timebase, **options).
BACKENDS: dict[str, str] = {
    "virtual": "devices.registry:build_virtual",
    "serial": "devices.serial_backend:build",
}


def build(backend: str, lane_id: str, timebase: Timebase, **options: Any) -> LaneDevices:
    try:
        target = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"unknown device backend {backend!r}; known: {', '.join(sorted(BACKENDS))}") from None
    module, _, name = target.partition(":")
    factory: Callable[..., LaneDevices] = getattr(importlib.import_module(module), name)
    return factory(lane_id, timebase, **options)


def build_virtual(
    lane_id: str,
    timebase: Timebase,
    gate_travel: float = 2.0,
    gate_timeout: float = 8.0,
    card_stock: int = 100,
    print_seconds: float = 25.0,
) -> LaneDevices:
    from devices.virtual import VirtualLane

    lane = VirtualLane(lane_id, timebase, gate_travel, card_stock, print_seconds)
    for gate in (lane.entry_gate, lane.exit_gate):
        gate.move_timeout = gate_timeout
    return LaneDevices(
        entry_loop=lane.entry_loop,
        entry_safety=lane.entry_safety,
        entry_gate=lane.entry_gate,
        exit_safety=lane.exit_safety,
        exit_loop=lane.exit_loop,
        exit_gate=lane.exit_gate,
        plate_camera=lane.plate_camera,
        driver_camera=lane.driver_camera,
        printer=lane.printer,
        display=lane.display,
        payment=lane.payment,
        world=lane,
        queue_loop=lane.queue_loop,
        approach_camera=lane.approach_camera,
        queue_sign=lane.queue_sign,
    )
