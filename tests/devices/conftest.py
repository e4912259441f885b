"""Fixtures for device tests over real bytes: one lane's simulators, started once for the session, or a bench rig.

Point the contract tests at hardware by writing the serial backend's options (URLs, baud rates, io_map, ...; no
`sim_control`) to a JSON file and running `DEVICES_BENCH=that.json pytest tests/devices/test_contract.py`. Tests
that need to move the world (set a loop, jam the printer) are skipped there: a person does those on a bench.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devices import registry
from devices.registry import LaneDevices
from devices.sim.launcher import SimProcesses
from devices.sim.world_client import WorldClient
from tests.conftest import RealTime

#: Simulated durations short enough for tests (lane seconds; the simulators run at speed 1).
SIM_EXTRA: dict[str, dict[str, Any]] = {
    "io": {"gate_travel": 0.3},
    "printer": {"print_seconds": 0.3, "stock": 50},
    "cameras": {"fps": 10},
}
DEVICE_OPTIONS = {"gate_timeout": 3.0, "link_timeout": 0.3, "link_retries": 2, "print_timeout": 10.0}


@dataclass
class Bench:
    options: dict[str, Any]
    simulated: bool
    run_dir: Path


@pytest.fixture(scope="session")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    run_dir = tmp_path_factory.mktemp("sim")
    hardware = os.environ.get("DEVICES_BENCH")
    if hardware:
        yield Bench(json.loads(Path(hardware).read_text()), False, run_dir)
        return
    sims = SimProcesses(["T1"], run_dir=run_dir, cards_dir=run_dir / "cards", extra=SIM_EXTRA)
    try:
        lanes = sims.start()
        yield Bench(lanes["T1"].backend_options(), True, run_dir)
    finally:
        sims.stop()


Scenario = Callable[[LaneDevices, WorldClient], Awaitable[Any]]


@pytest.fixture
def on_devices(bench: Bench) -> Callable[..., Any]:
    """`on_devices(scenario, needs_world=True, **device_options)` builds the lane's devices over their real
    protocols, starts them (and the world client, after resetting the simulators), runs `scenario(devices,
    world)` on a fresh event loop, and stops everything."""

    def run(scenario: Scenario, needs_world: bool = True, **overrides: Any) -> Any:
        if needs_world and not bench.simulated:
            pytest.skip("needs the simulated world (a person does this on a bench rig)")

        async def main() -> Any:
            devices = registry.build("serial", "T1", RealTime(), **{**bench.options, **DEVICE_OPTIONS, **overrides})
            world: WorldClient = devices.world
            if world is not None:
                await world.start()
                for kind in world.links:
                    await world.request(kind, "reset")
                await asyncio.sleep(0.05)
            for device in devices.all():
                await device.start()
            try:
                return await scenario(devices, world)
            finally:
                await asyncio.gather(*(device.stop() for device in devices.all()))
                if world is not None:
                    await world.stop()

        return asyncio.run(main())

    return run
