"""The "serial" device backend: a lane's devices on their real protocols, opened by URL.

Gates and loops on a Modbus RTU I/O module, an Evolis-style card printer, an AM03127-style LED sign, two OpenCV
cameras, and (no serial protocol asked for) an in-process payment point. The URLs may name hardware
(`/dev/ttyUSB0`, `rtsp://...`) or the simulators of `devices.sim` (`socket://127.0.0.1:PORT`, a pty symlink,
`http://127.0.0.1:PORT/stream.mjpg`); the code is the same. With `sim_control` (the simulators' control
addresses) the bundle's `world` is a `WorldClient` the simulated people drive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devices.base import Timebase
from devices.camera_cv import CvCamera
from devices.codecs.iomap import IOMap
from devices.modbus_io import ModbusGate, ModbusIOModule, ModbusLoop
from devices.printer_evolis import EvolisPrinter
from devices.registry import LaneDevices
from devices.sign_display import LedSign
from devices.transport import LinkSettings
from devices.virtual import VirtualPayment


def build(
    lane_id: str,
    timebase: Timebase,
    *,
    io_url: str,
    printer_url: str,
    sign_url: str,
    plate_camera: str,
    driver_camera: str,
    io_baudrate: int = 19200,
    printer_baudrate: int = 115200,
    sign_baudrate: int = 9600,
    io_map: Mapping[str, Any] | None = None,
    sign_id: int = 1,
    sign_chars: int = 120,
    printer_panels: str = "ymck",
    print_timeout: float = 120.0,
    gate_timeout: float = 8.0,
    loop_stuck_after: float = 300.0,
    link_timeout: float = 0.5,
    link_retries: int = 2,
    camera_fps: float = 10.0,
    sim_control: Mapping[str, str] | None = None,
    gate_travel: float | None = None,
    card_stock: int | None = None,
    print_seconds: float | None = None,
    approach_camera: str | None = None,
    queue_sign_url: str | None = None,
) -> LaneDevices:
    """`gate_travel`, `card_stock` and `print_seconds` belong to the virtual backend and are ignored here (the
    hardware, or the simulator's own settings, decide them)."""
    n = lane_id

    def link(url: str, baudrate: int) -> LinkSettings:
        return LinkSettings(url, baudrate, timeout=link_timeout, retries=link_retries)

    module = ModbusIOModule(f"{n}.io", timebase, link(io_url, io_baudrate), IOMap.from_options(io_map))
    loops = {
        name: ModbusLoop(f"{n}.{name}", timebase, module, name, loop_stuck_after)
        for name in module.iomap.loops  # the queue loop too, when this lane's module has it wired
    }
    entry_gate = ModbusGate(f"{n}.entry_gate", timebase, loops["entry_safety"], module, "entry", gate_timeout)
    exit_gate = ModbusGate(f"{n}.exit_gate", timebase, loops["exit_safety"], module, "exit", gate_timeout)
    printer = EvolisPrinter(
        f"{n}.printer", timebase, link(printer_url, printer_baudrate), printer_panels, print_timeout
    )
    display = LedSign(f"{n}.display", timebase, link(sign_url, sign_baudrate), sign_id, sign_chars)
    payment = VirtualPayment(f"{n}.payment", timebase)
    world = None
    if sim_control:
        from devices.sim.world_client import WorldClient

        world = WorldClient(n, dict(sim_control), timebase, payment)
    return LaneDevices(
        entry_loop=loops["entry_loop"],
        entry_safety=loops["entry_safety"],
        entry_gate=entry_gate,
        exit_safety=loops["exit_safety"],
        exit_loop=loops["exit_loop"],
        exit_gate=exit_gate,
        plate_camera=CvCamera(f"{n}.plate_camera", timebase, plate_camera, camera_fps),
        driver_camera=CvCamera(f"{n}.driver_camera", timebase, driver_camera, camera_fps),
        printer=printer,
        display=display,
        payment=payment,
        world=world,
        queue_loop=loops.get("queue_loop"),
        approach_camera=CvCamera(f"{n}.approach_camera", timebase, approach_camera, camera_fps)
        if approach_camera
        else None,
        queue_sign=LedSign(f"{n}.queue_sign", timebase, link(queue_sign_url, sign_baudrate), sign_id, sign_chars)
        if queue_sign_url
        else None,
    )
