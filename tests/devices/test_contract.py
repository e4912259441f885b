"""Contract tests: the lane's devices over their real protocols, against the simulators (default) or a bench rig
(`DEVICES_BENCH`, see conftest). For each injected fault the device layer raises the right error or reports the
right health, never moves a boom wrongly, never prints a card twice, and carries on once the fault clears."""

from __future__ import annotations

import asyncio
import contextlib
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest

from devices.base import CardOutcome, Device, Gate, GatePosition, Health, PrintJob
from devices.errors import DeviceError, DeviceFault, DeviceRefused, DeviceTimeout
from devices.modbus_io import ModbusGate
from devices.printer_evolis import EvolisPrinter
from devices.registry import LaneDevices
from devices.sim.world_client import WorldClient
from devices.virtual import Vehicle
from tests.conftest import until

pytestmark = pytest.mark.slow  # the devices over their real protocols to simulator processes

T = TypeVar("T")
CARD = np.full((648, 1016, 3), 230, np.uint8)
CARD[40:120, 40:500] = (40, 40, 200)


async def answered(work: Callable[[], Awaitable[T]], limit: float = 10.0, what: str = "an answer") -> T:
    """`await work()` again until it answers (no DeviceError): a bounded poll, not a fixed wait."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        try:
            return await work()
        except DeviceError:
            assert asyncio.get_running_loop().time() < deadline, f"no {what} within {limit} s"
            await asyncio.sleep(0.05)


async def failed(work: Callable[[], Awaitable[object]], limit: float = 5.0, what: str = "a failure") -> DeviceError:
    """`await work()` again until it raises DeviceError (a fault injected a moment ago has taken effect)."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        try:
            await work()
        except DeviceError as err:
            return err
        assert asyncio.get_running_loop().time() < deadline, f"no {what} within {limit} s"
        await asyncio.sleep(0.02)


def health(device: Device) -> Health:
    """A device's health read afresh: mypy keeps what an `assert ... is` narrowed it to across an await."""
    return device.health


def position(gate: Gate) -> GatePosition:
    """A gate's position read afresh (as `health`)."""
    return gate.position


def modbus(gate: Gate) -> ModbusGate:
    """The bench's gate as the serial backend's, whose Modbus module some tests reach past the contract."""
    assert isinstance(gate, ModbusGate)
    return gate


def evolis(d: LaneDevices) -> EvolisPrinter:
    """The bench's printer as the serial backend's, whose status queries some tests make directly."""
    assert isinstance(d.printer, EvolisPrinter)
    return d.printer


async def no_harm(world: WorldClient) -> dict[str, Any]:
    state = await world.state("io")
    assert state["violations"] == [], "a close was sent over an occupied safety loop"
    assert state["hits"] == 0, "a boom came down on a vehicle"
    return state


# -- loops and gates ---------------------------------------------------------------------------------------------


def test_loops_follow_the_world(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        for handle, loop in ((world.entry_loop, d.entry_loop), (world.exit_safety, d.exit_safety)):
            handle.set(True)
            await loop.wait_for(True, 2.0)
            handle.set(False)
            await loop.wait_for(False, 2.0)
        assert all(x.health is Health.OK for x in (d.entry_loop, d.exit_loop, d.entry_safety, d.exit_safety))

    on_devices(scenario)


def test_gates_move_and_are_confirmed_by_their_limit_switches(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        for gate in (d.entry_gate, d.exit_gate):
            assert gate.position is GatePosition.DOWN
            await gate.open()
            assert position(gate) is GatePosition.UP
            await gate.close()
            assert position(gate) is GatePosition.DOWN
        state = await no_harm(world)
        assert [(c["gate"], c["command"]) for c in state["commands"]] == [
            ("entry", "open"),
            ("entry", "close"),
            ("exit", "open"),
            ("exit", "close"),
        ]

    on_devices(scenario)


def test_a_close_over_an_occupied_safety_loop_is_refused_and_never_sent(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await d.exit_gate.open()
        world.exit_safety.set(True)
        await d.exit_safety.wait_for(True, 2.0)
        with pytest.raises(DeviceRefused) as err:
            await d.exit_gate.close()
        assert err.value.cause == "safety_occupied"
        world.exit_safety.set(False)
        await d.exit_safety.wait_for(False, 2.0)
        await d.exit_gate.close()
        state = await no_harm(world)
        assert [c["command"] for c in state["commands"]] == ["open", "close"]

    on_devices(scenario)


def test_the_module_refuses_a_close_even_before_the_lane_saw_the_vehicle(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await d.entry_gate.open()
        world.entry_safety.set(True)
        await world.sync()  # the loop is occupied in the world; the lane's poll may not have seen it yet
        with pytest.raises(DeviceRefused):
            await modbus(d.entry_gate).module.move("entry", up=False)  # the fresh read inside the command refuses
        await no_harm(world)

    on_devices(scenario)


def test_a_closing_boom_goes_back_up_when_its_safety_loop_is_occupied(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await d.exit_gate.open()
        closing = asyncio.ensure_future(d.exit_gate.close())
        await until(lambda: world.exit_gate.position == "moving", what="boom moving down")
        world.exit_safety.set(True)  # a motorcycle rolls under the closing boom
        with pytest.raises(DeviceRefused) as err:
            await closing
        assert err.value.cause == "reversed"
        await until(lambda: world.exit_gate.position == "up", what="boom back up")
        assert modbus(d.exit_gate).module.reversals == 1
        await no_harm(world)

    on_devices(scenario)


def test_a_stuck_gate_is_a_fault_and_the_lane_carries_on_once_it_moves_again(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        world.entry_gate.stuck = True
        await world.sync()
        with pytest.raises(DeviceTimeout) as err:
            await d.entry_gate.open()
        assert err.value.cause == "gate_stuck" and d.entry_gate.health is Health.DOWN
        world.entry_gate.stuck = False
        await world.sync()
        await d.entry_gate.open()
        assert position(d.entry_gate) is GatePosition.UP and health(d.entry_gate) is Health.OK

    on_devices(scenario, gate_timeout=1.0)


def test_a_loop_stuck_occupied_degrades_its_health_until_it_clears(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.request("io", "stuck_loop", name="exit_loop", stuck=True)
        await d.exit_loop.wait_for(True, 2.0)
        await until(lambda: d.exit_loop.health is Health.DEGRADED, what="stuck loop reported")
        await world.request("io", "stuck_loop", name="exit_loop", stuck=False)
        await d.exit_loop.wait_for(False, 2.0)
        assert d.exit_loop.health is Health.OK

    on_devices(scenario, loop_stuck_after=0.3)


def test_the_io_module_going_away_is_down_and_comes_back(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.disconnect("io", 1.0)
        await until(lambda: d.entry_loop.health is Health.DOWN, what="loops down")
        with pytest.raises(DeviceError):
            await d.entry_gate.open()  # nothing moves while the module is away
        await until(lambda: d.entry_loop.health is Health.OK, limit=8.0, what="loops back")
        world.entry_loop.set(True)
        await d.entry_loop.wait_for(True, 2.0)
        await d.entry_gate.open()
        await no_harm(world)

    on_devices(scenario)


def test_corrupted_and_dropped_modbus_replies_cost_a_poll_and_nothing_else(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.faults("io", corrupt_next=3, drop_next=2)
        for occupied in (True, False, True, False):
            world.entry_loop.set(occupied)
            await d.entry_loop.wait_for(occupied, 3.0)

        async def faults_done() -> dict[str, int]:
            done: dict[str, int] = (await world.state("io"))["faults"]["line"]["done"]
            return done

        deadline = asyncio.get_running_loop().time() + 5.0
        while (done := await faults_done()) != {"corrupt": 3, "drop": 2}:
            assert asyncio.get_running_loop().time() < deadline, done
            await asyncio.sleep(0.05)
        await until(lambda: d.entry_loop.health is Health.OK, what="healthy again")
        await no_harm(world)

    on_devices(scenario)


# -- the card printer ----------------------------------------------------------------------------------------------


def test_a_card_is_printed_once_and_written_as_png(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await d.printer.print_card(PrintJob("T1-000001-0", CARD))
        state = await world.state("printer")
        assert state["counter"] == 1 and state["stock"] == 49 and Path(state["cards"][-1]).is_file()
        with pytest.raises(DeviceRefused):
            await d.printer.print_card(PrintJob("T1-000001-0", CARD))
        assert (await world.state("printer"))["counter"] == 1

    on_devices(scenario)


@pytest.mark.parametrize(
    ("setting", "cause"),
    [({"stock": 0}, "feeder_empty"), ({"ribbon": 0}, "ribbon_ended"), ({"cover_open": True}, "cover_open")],
)
def test_printer_error_states_are_faults_with_their_cause(on_devices: Any, setting: dict[str, Any], cause: str) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.request("printer", "set", **setting)
        with pytest.raises(DeviceFault) as err:
            await d.printer.print_card(PrintJob("job", CARD))
        assert err.value.cause == cause and d.printer.health is Health.DEGRADED
        await world.request("printer", "reset")
        await d.printer.print_card(PrintJob("job", CARD))
        assert (await world.state("printer"))["counter"] == 1 and health(d.printer) is Health.OK

    on_devices(scenario)


def test_a_health_poll_finds_an_empty_printer_before_a_job_does(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await d.printer.poll_health()
        assert d.printer.health is Health.OK
        await world.request("printer", "set", stock=0)
        await d.printer.poll_health()
        assert health(d.printer) is Health.DOWN and d.printer.last_why == d.printer.CAUSES["feeder_empty"]
        await world.request("printer", "reset")
        await d.printer.poll_health()
        assert health(d.printer) is Health.OK and (await world.state("printer"))["counter"] == 0  # nothing printed

    on_devices(scenario)


def test_a_jam_is_cleared_and_the_card_printed_once(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.request("printer", "set", jam_next=True)
        with pytest.raises(DeviceFault) as err:
            await d.printer.print_card(PrintJob("job", CARD))
        assert err.value.cause == "card_jam"
        await d.printer.clear_errors()
        state = await world.state("printer")
        assert state["rejected"] == 1 and not state["card_inside"] and state["counter"] == 0
        await d.printer.print_card(PrintJob("job", CARD))
        assert (await world.state("printer"))["counter"] == 1

    on_devices(scenario)


def test_a_lost_answer_to_the_print_command_is_settled_by_the_counter_never_printed_twice(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.request("printer", "set", mute_next="Se")
        ticket = await d.printer.ticket("job")
        with pytest.raises(DeviceTimeout) as err:
            await d.printer.print_card(PrintJob("job", CARD), ticket)
        assert err.value.cause == "no_answer"
        assert await d.printer.settle(ticket) is CardOutcome.OUT  # the counter says it came out
        with pytest.raises(DeviceRefused):
            await d.printer.print_card(PrintJob("job", CARD))
        state = await world.state("printer")
        assert state["counter"] == 1 and state["stock"] == 49

    on_devices(scenario)


def test_a_job_that_never_reached_the_printer_settles_as_not_out(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        ticket = await d.printer.ticket("job")  # committed, then the controller died before sending
        assert await d.printer.settle(ticket) is CardOutcome.NOT_OUT
        await d.printer.print_card(PrintJob("job", CARD), ticket)
        assert await d.printer.settle(ticket) is CardOutcome.OUT
        assert (await world.state("printer"))["counter"] == 1

    on_devices(scenario)


def test_corrupted_printer_answers_are_retried_for_queries_only(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.faults("printer", corrupt_next=2)
        assert await evolis(d).check() == "READY"
        assert d.printer.health is Health.OK
        await world.faults("printer", garbage_next=1)
        assert await evolis(d).counter() == 0

    on_devices(scenario)


def test_a_printer_that_disconnects_comes_back(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.disconnect("printer", 0.8)
        await failed(evolis(d).check, what="error while the printer is off the line")
        assert d.printer.health is Health.DOWN
        assert await answered(evolis(d).check, what="answer once the printer is back") == "READY"
        await d.printer.print_card(PrintJob("after", CARD))
        assert health(d.printer) is Health.OK

    on_devices(scenario)


# -- the sign -----------------------------------------------------------------------------------------------------


def test_the_sign_shows_both_lines_transliterated(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await d.display.show("Bayar PNBP Rp80.000 — terima kasih", "Please pay ≤ Rp80.000")
        assert (await world.state("sign"))["lines"] == ["Bayar PNBP Rp80.000 - terima kasih", "Please pay max Rp80.000"]

    on_devices(scenario)


def test_a_frame_damaged_on_the_way_is_nacked_and_sent_again(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.faults("sign", direction="in", corrupt_next=1)
        await d.display.show("Silakan maju", "Please drive forward")
        state = await world.state("sign")
        assert state["nacks"] + state["bad"] >= 1 and state["lines"] == ["Silakan maju", "Please drive forward"]
        assert d.display.health is Health.OK

    on_devices(scenario)


def test_a_health_poll_finds_a_silent_sign_and_shows_its_text_again(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await d.display.show("Selamat datang", "Welcome")
        await world.faults("sign", silent=True)
        with pytest.raises(DeviceTimeout):
            await d.display.poll_health()
        assert d.display.health is Health.DOWN
        await world.clear_faults()
        await d.display.poll_health()
        assert health(d.display) is Health.OK and d.display.current == ("Selamat datang", "Welcome")

    on_devices(scenario)


def test_a_silent_sign_times_out_and_is_down(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.faults("sign", silent=True)
        with pytest.raises(DeviceTimeout):
            await d.display.show("Lajur ditutup", "Lane closed")
        assert d.display.health is Health.DOWN
        await world.clear_faults()
        await d.display.show("Lajur dibuka", "Lane open")
        assert health(d.display) is Health.OK

    on_devices(scenario)


# -- cameras ------------------------------------------------------------------------------------------------------


def test_the_cameras_show_the_simulated_vehicle_and_driver(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        empty = (await d.plate_camera.capture()).image
        world.vehicle = Vehicle("G 1234 AB", face_seed=7)
        await world.sync()
        deadline = time.monotonic() + 20  # the simulator draws frames at its own rate, slower on a busy machine
        while True:
            frame = (await d.plate_camera.capture()).image
            bumper = frame[100:140, 120:160].mean(axis=(0, 1))
            if abs(bumper - (140, 60, 40)).max() < 25 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert abs(bumper - (140, 60, 40)).max() < 25  # the vehicle's front is in the frame
        assert abs(empty[100:140, 120:160].mean(axis=(0, 1)) - 96).max() < 15  # before: the empty lane
        face = (await d.driver_camera.capture()).image
        h, w = face.shape[:2]
        assert face[h // 3 : h // 2, w // 3 : w // 2].std() > 5  # a face, not the empty seat's plain wall

    on_devices(scenario)


def test_a_camera_off_the_network_is_reopened(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await d.plate_camera.capture()
        await world.disconnect("cameras", 1.5, endpoint="plate")
        await until(lambda: d.plate_camera.health is not Health.OK, limit=6.0, what="camera reported")
        await until(lambda: d.plate_camera.health is Health.OK, limit=10.0, what="camera back")
        await d.plate_camera.capture()

    on_devices(scenario)


def test_a_garbled_camera_stream_is_survived(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        await world.faults("cameras", endpoint="plate", corrupt=1.0, garbage=0.5)
        for _ in range(8):
            with contextlib.suppress(DeviceError):  # a frame, or an error: nothing else
                await d.plate_camera.capture()
            await asyncio.sleep(0.1)
        await world.clear_faults()
        await until(lambda: d.plate_camera.health is Health.OK, limit=10.0, what="camera healthy")
        assert (await answered(d.plate_camera.capture, what="frame")).image.shape == (360, 640, 3)

    on_devices(scenario)


# -- hostile bytes ------------------------------------------------------------------------------------------------


def test_a_flood_of_garbage_neither_crashes_nor_grows_memory(on_devices: Any) -> None:
    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            await world.faults("printer", flood=200_000)
            await world.faults("sign", flood=200_000)
            for _ in range(5):
                for work in (evolis(d).check(), d.display.show("a", "b")):
                    with contextlib.suppress(DeviceError):  # refused or timed out; nothing else may come out
                        await work
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
        assert peak < 16 * 1024 * 1024, f"{peak} bytes held while flooded"
        await world.clear_faults()
        assert await answered(evolis(d).check, what="answer after the flood") == "READY"
        await d.display.show("Selamat datang", "Welcome")

    on_devices(scenario)


# -- line noise ------------------------------------------------------------------------------------------------------


def test_after_line_noise_every_serial_link_answers_again(on_devices: Any) -> None:
    """Noise on the I/O module's, the printer's and the sign's `socket://` links, then quiet: each answers correctly
    again (before the links drained until quiet and reopened a silent connection, the I/O module did not answer
    for minutes: pymodbus read the backlog one byte a poll). How fast is measured by benchmarks/link_recovery.py."""

    async def scenario(d: LaneDevices, world: WorldClient) -> None:
        assert isinstance(d.entry_gate, ModbusGate) and isinstance(d.printer, EvolisPrinter)
        printer, module = d.printer, d.entry_gate.module
        kinds = ("io", "printer", "sign")
        for kind in kinds:
            await world.faults(kind, flood=50_000)
        await asyncio.sleep(2.0)
        for kind in kinds:
            await world.faults(kind, flood=0)

        world.entry_loop.set(True)
        await world.sync()
        after = "correct answer after the noise"  # 20 s is generous: it takes well under a second
        states = await answered(module.read, limit=20.0, what=after)
        assert states["entry_loop"] and states["entry_down"] and not states["entry_up"]
        await d.entry_loop.wait_for(True, 5.0)
        assert await answered(printer.check, limit=20.0, what=after) == "READY"
        await answered(lambda: d.display.show("Silakan maju", "Please drive forward"), limit=20.0, what=after)
        assert (await world.state("sign"))["lines"] == ["Silakan maju", "Please drive forward"]
        await d.entry_gate.open()  # and the booms still move
        await no_harm(world)

    on_devices(scenario)
