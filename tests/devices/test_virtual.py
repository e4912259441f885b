"""The virtual backends behave like the hardware: booms with limit switches and safety loops, a printer with
error states and no duplicate jobs, a payment point, and device events for the lane to log."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from devices.base import GatePosition, PrintJob
from devices.errors import DeviceFault, DeviceRefused, DeviceTimeout
from devices.virtual import Vehicle, VirtualLane
from lane.clock import Clock
from tests.conftest import run_virtual

CARD = np.zeros((648, 1016, 3), np.uint8)


def _lane(clock: Clock) -> VirtualLane:
    return VirtualLane("T", clock, gate_travel=2.0)


def test_gate_moves_and_confirms_by_limit_switch() -> None:
    async def main(clock: Clock) -> tuple[float, list[Any]]:
        lane = _lane(clock)
        seen: list[Any] = []
        lane.entry_gate.subscribe(lambda e: seen.append(e.detail.get("position")))
        t0 = clock.monotonic()
        await lane.entry_gate.open()
        return clock.monotonic() - t0, seen

    took, seen = run_virtual(main)
    assert took == pytest.approx(2.0, abs=0.01)
    assert seen == ["moving", "up"]


def test_close_is_refused_over_an_occupied_safety_loop() -> None:
    async def main(clock: Clock) -> list[str]:
        lane = _lane(clock)
        await lane.exit_gate.open()
        lane.exit_safety.set(True)
        with pytest.raises(DeviceRefused, match="safety"):
            await lane.exit_gate.close()
        assert lane.exit_gate.position is GatePosition.UP
        return lane.exit_gate.commands

    assert run_virtual(main) == ["open"]  # no close command ever went out


def test_a_closing_boom_goes_back_up_when_something_moves_under_it() -> None:
    async def main(clock: Clock) -> tuple[str, list[str]]:
        lane = _lane(clock)
        await lane.exit_gate.open()
        closing = asyncio.ensure_future(lane.exit_gate.close())
        await clock.sleep(0.5)
        lane.exit_safety.set(True)
        with pytest.raises(DeviceRefused, match="reversed"):
            await closing
        await clock.sleep(3.0)
        return lane.exit_gate.position.value, lane.exit_gate.commands

    position, commands = run_virtual(main)
    assert position == "up"
    assert commands == ["open", "close", "reverse"]


def test_a_stuck_gate_times_out_and_goes_down_in_health() -> None:
    async def main(clock: Clock) -> str:
        lane = _lane(clock)
        lane.entry_gate.stuck = True
        with pytest.raises(DeviceTimeout, match="not up"):
            await lane.entry_gate.open()
        return lane.entry_gate.health.value

    assert run_virtual(main) == "down"


@pytest.mark.parametrize("state", ["feeder_empty", "ribbon_ended", "cover_open", "card_jam"])
def test_printer_errors_have_causes_and_nothing_is_printed(state: str) -> None:
    async def main(clock: Clock) -> tuple[str, list[str], str]:
        lane = _lane(clock)
        printer = lane.printer
        {
            "feeder_empty": lambda: setattr(printer, "stock", 0),
            "ribbon_ended": lambda: setattr(printer, "ribbon", 0),
            "cover_open": lambda: setattr(printer, "cover_open", True),
            "card_jam": lambda: setattr(printer, "jammed", True),
        }[state]()
        with pytest.raises(DeviceFault) as err:
            await printer.print_card(PrintJob("J1", CARD))
        return err.value.cause, printer.cards, printer.health.value

    cause, cards, health = run_virtual(main)
    assert cause == state and cards == [] and health == "degraded"


def test_printer_never_prints_a_job_twice() -> None:
    async def main(clock: Clock) -> list[str]:
        lane = _lane(clock)
        await lane.printer.print_card(PrintJob("J1", CARD))
        with pytest.raises(DeviceRefused, match="already printed"):
            await lane.printer.print_card(PrintJob("J1", CARD))
        return lane.printer.cards

    assert run_virtual(main) == ["J1"]


def test_payment_waits_for_the_driver_and_checks_the_amount() -> None:
    async def main(clock: Clock) -> str:
        lane = _lane(clock)
        assert not lane.payment.pay("R1")  # nothing asked yet
        collecting = asyncio.ensure_future(lane.payment.collect(80000, "R1", timeout=60))
        await clock.sleep(1)
        assert lane.payment.pay("R1")
        receipt = await collecting
        wrong = asyncio.ensure_future(lane.payment.collect(80000, "R2", timeout=60))
        await clock.sleep(1)
        lane.payment.pay("R2", 5000)
        with pytest.raises(DeviceFault, match="5000"):
            await wrong
        with pytest.raises(DeviceTimeout):
            await lane.payment.collect(80000, "R3", timeout=10)
        return receipt.number

    assert run_virtual(main).startswith("T.PAYMENT-")


def test_drive_in_and_out_move_the_loops_in_order() -> None:
    async def main(clock: Clock) -> list[tuple[str, bool]]:
        lane = _lane(clock)
        seen: list[tuple[str, bool]] = []
        for loop in (lane.entry_loop, lane.entry_safety, lane.exit_safety, lane.exit_loop):
            loop.subscribe(lambda e: seen.append((e.device.split(".")[1], e.detail["occupied"])))
        driving = asyncio.ensure_future(lane.drive_in(Vehicle("G 1 A"), pass_seconds=2))
        await clock.sleep(1)
        await lane.entry_gate.open()
        await driving
        leaving = asyncio.ensure_future(lane.drive_out(pass_seconds=2))
        await lane.exit_gate.open()
        await leaving
        assert lane.vehicle is None
        return seen

    assert run_virtual(main) == [
        ("entry_loop", True),
        ("entry_safety", True),
        ("entry_safety", False),
        ("entry_loop", False),
        ("exit_safety", True),
        ("exit_loop", True),
        ("exit_safety", False),
        ("exit_loop", False),
    ]
