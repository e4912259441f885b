"""End to end: a lane controller on the serial backend, against the simulators, driven by the shared test rig
(`tests.conftest.Rig`) through the simulators' world client. One whole renewal, then one in which the printer runs
out of cards: the lane faults, the card stock is refilled, the lane resumes, and exactly one card is printed for
each renewal. The booms never move over a vehicle."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from devices import registry
from devices.registry import LaneDevices
from devices.sim.world_client import WorldClient
from flows.states import Stage
from lane.clock import Clock
from lane.commands import Action
from tests.conftest import Rig
from tests.devices.conftest import DEVICE_OPTIONS, Bench

pytestmark = pytest.mark.slow  # a lane over its real protocols to simulator processes

LIMIT = 60.0  # seconds a scenario may take before it fails


def _serial_rig(clock: Clock, db: Path, options: dict[str, Any]) -> tuple[Rig, LaneDevices]:
    rig = Rig(clock, db)
    devices = registry.build("serial", "L1", clock, **{**options, **DEVICE_OPTIONS})
    rig.lane.devices = devices  # the same controller, on devices that speak the real protocols
    for device in devices.all():
        device.subscribe(rig.lane._device_event)
    rig.world = devices.world  # the world client offers what the rig uses
    return rig, devices


def _run(bench: Bench, tmp_path: Path, scenario: Any) -> Any:
    async def main() -> Any:
        loop = asyncio.get_running_loop()
        rig, devices = _serial_rig(Clock(loop), tmp_path / "lane.db", bench.options)
        world: WorldClient = devices.world
        await world.start()
        for kind in world.links:
            await world.request(kind, "reset")
        for device in devices.all():
            await device.start()
        rig.lane.start()
        try:
            async with asyncio.timeout(LIMIT):
                return await scenario(rig, world)
        finally:
            await rig.lane.stop()
            await asyncio.gather(*(d.stop() for d in devices.all()))
            await world.stop()
            rig.store.close()

    return asyncio.run(main())


async def _leave(rig: Rig, world: WorldClient) -> None:
    await world.drive_out(pass_seconds=0.3)
    await rig.until(lambda: rig.lane.stage is Stage.IDLE, limit=LIMIT, step=0.05)


def test_a_renewal_over_the_serial_devices(bench: Bench, tmp_path: Path) -> None:
    if not bench.simulated:
        return

    async def scenario(rig: Rig, world: WorldClient) -> dict[str, Any]:
        await rig.drive_to(Stage.EXITING)
        await _leave(rig, world)
        return {
            "io": await world.state("io"),
            "printer": await world.state("printer"),
            "sign": await world.state("sign"),
        }

    state = _run(bench, tmp_path, scenario)
    assert state["io"]["violations"] == [] and state["io"]["hits"] == 0
    assert [c["command"] for c in state["io"]["commands"]] == ["open", "close", "open", "close"]
    assert state["printer"]["counter"] == 1 and Path(state["printer"]["cards"][0]).is_file()
    assert state["sign"]["frames"] >= 2 * 6  # two lines for each prompt of the renewal
    assert len(state["io"]["close_latency"]["exit"]) == 1


def test_out_of_cards_faults_the_lane_and_it_carries_on_after_a_refill(bench: Bench, tmp_path: Path) -> None:
    if not bench.simulated:
        return

    async def scenario(rig: Rig, world: WorldClient) -> dict[str, Any]:
        await rig.drive_to(Stage.FAULT)  # the rig empties the card stock before printing
        assert rig.lane.ctx.get("fault_cause") == "feeder_empty"
        world.refill(20)
        await world.sync()
        assert (await rig.cmd(Action.RESUME)).ok
        await rig.until(lambda: rig.lane.stage is Stage.HANDOVER, limit=LIMIT, step=0.05)
        assert (await rig.cmd(Action.CONFIRM)).ok
        await _leave(rig, world)
        return await world.state("printer")

    printer = _run(bench, tmp_path, scenario)
    assert printer["counter"] == 1 and printer["stock"] == 19


PRINTER_FAULTS = [("cover_open", "cover_open"), ("jammed", "card_jam"), ("ribbon", "ribbon_ended")]


@pytest.mark.parametrize(("field", "cause"), PRINTER_FAULTS, ids=[c for _, c in PRINTER_FAULTS])
def test_a_printer_fault_alerts_prompts_and_the_lane_carries_on_with_one_card(
    bench: Bench, tmp_path: Path, field: str, cause: str
) -> None:
    if not bench.simulated:
        return

    async def scenario(rig: Rig, world: WorldClient) -> tuple[dict[str, Any], dict[str, Any], list[str], list[str]]:
        setattr(world.printer, field, 0 if field == "ribbon" else True)
        await world.sync()
        await rig.drive_to(Stage.PAYMENT)
        await rig.until(lambda: bool(world.payment.pending), limit=LIMIT, step=0.05)
        assert world.payment.pay(f"L1-{rig.lane.cycle_id:06d}")  # the photo passes, the card goes to the printer
        await rig.until(lambda: rig.lane.stage is Stage.FAULT, limit=LIMIT, step=0.05)

        def fault_prompts() -> list[str]:
            return [r["code"] for r in rig.rows("select code from notices where kind = 'prompt' and stage = 'fault'")]

        # the fault prompt is shown just after the lane enters the stage: wait for it, do not race it
        await rig.until(lambda: bool(fault_prompts()), limit=LIMIT, step=0.05)
        alerts = [r["code"] for r in rig.rows("select code from notices where kind = 'alert'")]
        prompts = fault_prompts()
        setattr(world.printer, field, 100 if field == "ribbon" else False)
        await world.sync()
        assert (await rig.cmd(Action.CLEAR_PRINTER)).ok
        assert (await rig.cmd(Action.RESUME)).ok
        await rig.until(lambda: rig.lane.stage is Stage.HANDOVER, limit=LIMIT, step=0.05)
        assert (await rig.cmd(Action.CONFIRM)).ok
        await _leave(rig, world)
        return await world.state("printer"), await world.state("io"), alerts, prompts

    printer, io, alerts, prompts = _run(bench, tmp_path, scenario)
    assert cause in alerts, "the operator is told the cause"
    assert prompts == ["fault"], "the driver is told to wait"
    assert printer["counter"] == 1, "exactly one card for the renewal"
    assert io["violations"] == [] and io["hits"] == 0, "no boom moved over a vehicle"


def test_a_stuck_entry_gate_faults_the_lane_and_it_carries_on_when_it_moves(bench: Bench, tmp_path: Path) -> None:
    if not bench.simulated:
        return

    async def scenario(rig: Rig, world: WorldClient) -> tuple[list[str], dict[str, Any], str]:
        world.entry_gate.stuck = True
        await world.sync()
        rig.world.vehicle = rig.vehicle
        world.entry_loop.set(True)
        await rig.until(lambda: rig.lane.stage is Stage.FAULT, limit=LIMIT, step=0.05)
        alerts = [r["code"] for r in rig.rows("select code from notices where kind = 'alert'")]
        world.entry_gate.stuck = False
        await world.sync()
        assert (await rig.cmd(Action.RESUME)).ok
        await rig.until(lambda: rig.lane.stage is Stage.ARRIVED, limit=LIMIT, step=0.05)
        assert (await rig.cmd(Action.ABORT, reason="gate repaired, driver sent round")).ok
        return alerts, await world.state("io"), rig.lane.state

    alerts, io, state = _run(bench, tmp_path, scenario)
    assert "gate_stuck" in alerts
    assert io["violations"] == [] and io["hits"] == 0
    assert state == "rejected"
