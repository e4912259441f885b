"""A controller that dies and comes back finds the lane's world as it is, not as it left it: a vehicle that drove
through an open boom while it was down is not waited for, a boom is never closed over a vehicle, and a card that
came out while it was down is recorded, never printed a second time. The world here is the in-process virtual lane,
which outlives the controller (`Rig.crash` / `Rig.restart`); tests/lane/test_crash_world.py does the same with
simulator processes and a real kill -9."""

from __future__ import annotations

from typing import Any

from devices.base import GatePosition
from devices.errors import DeviceTimeout
from flows.states import Stage
from lane.commands import Action
from tests.conftest import Rig


def _events(rig: Rig, trigger: str) -> list[dict[str, Any]]:
    return rig.rows("select source, dest, actor from events where trigger = ? order by id", [trigger])


def test_a_vehicle_that_drove_through_the_open_entry_boom_while_the_controller_was_down_is_admitted(
    rig_factory: Any,
) -> None:
    async def scenario(rig: Rig) -> tuple[list[dict[str, Any]], str]:
        await rig.drive_to(Stage.ARRIVED)
        await rig.until(lambda: rig.world.entry_gate.position is GatePosition.UP)
        await rig.crash()
        rig.world.entry_safety.set(True)  # the driver sees the boom up and drives through
        await rig.clock.sleep(2.0)
        rig.world.entry_safety.set(False)
        rig.world.entry_loop.set(False)
        rig.restart()
        await rig.at(Stage.PLATE)  # no operator, no vehicle waited for
        await rig.until(lambda: rig.world.entry_gate.position is GatePosition.DOWN)
        return _events(rig, "admitted"), rig.lane.stage.value

    admitted, stage = rig_factory(scenario)
    assert admitted == [{"source": "arrived", "dest": "plate", "actor": "entry_loop"}]
    assert stage == "plate"


def test_a_vehicle_still_on_the_entry_loop_after_a_restart_is_let_in_as_usual(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[str]:
        await rig.drive_to(Stage.ARRIVED)
        await rig.crash()  # before the boom has risen
        rig.restart()
        await rig.until(lambda: rig.world.entry_gate.position is GatePosition.UP)
        rig.world.vehicle = None
        await rig.world.drive_in(rig.vehicle)
        await rig.at(Stage.PLATE)
        return [c for c in rig.world.entry_gate.commands]

    commands = rig_factory(scenario)
    assert commands.count("close") == 1 and commands[-1] == "close"


def test_a_vehicle_that_left_by_the_open_exit_boom_while_the_controller_was_down_ends_its_cycle(
    rig_factory: Any,
) -> None:
    async def scenario(rig: Rig) -> tuple[dict[str, Any], GatePosition]:
        await rig.drive_to(Stage.EXITING)
        await rig.until(lambda: rig.world.exit_gate.position is GatePosition.UP)
        await rig.crash()
        await rig.world.drive_out()
        rig.restart()
        await rig.at(Stage.IDLE)
        await rig.until(lambda: rig.world.exit_gate.position is GatePosition.DOWN)
        return rig.rows("select outcome from cycles")[0], rig.world.exit_gate.position

    cycle, gate = rig_factory(scenario)
    assert cycle["outcome"] == "completed" and gate is GatePosition.DOWN


def test_a_vehicle_still_at_the_window_after_a_restart_in_exiting_is_waited_for(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, str]:
        await rig.drive_to(Stage.EXITING)
        await rig.until(lambda: rig.world.exit_gate.position is GatePosition.UP)
        await rig.crash()
        rig.restart()
        await rig.clock.sleep(20.0)
        waiting = rig.lane.stage.value  # the boom stays up over the waiting vehicle; the lane does not move on
        await rig.world.drive_out()
        await rig.at(Stage.IDLE)
        return waiting, rig.rows("select outcome from cycles")[0]["outcome"]

    waiting, outcome = rig_factory(scenario)
    assert waiting == "exiting" and outcome == "completed"


def _crash_while_printing(rig: Rig) -> Any:
    async def go() -> str:
        await rig.drive_to(Stage.PRINTING)
        await rig.until(lambda: bool(rig.rows("select 1 from print_jobs where state = 'sent'")))
        job = str(rig.lane.ctx["card_job"])
        await rig.crash()  # mid-print: the virtual printer's job is cut off with the controller
        return job

    return go()


def test_a_card_that_came_out_while_the_controller_was_down_is_recorded_not_printed_again(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[str], list[dict[str, Any]]]:
        job = await _crash_while_printing(rig)
        rig.world.printer.cards.append(job)  # the printer finished that card on its own
        rig.restart()
        await rig.at(Stage.HANDOVER)
        return list(rig.world.printer.cards), rig.rows("select job_id, status from cards")

    printed, cards = rig_factory(scenario, print_seconds=25.0)
    assert printed == ["L1-000001-1"]
    assert cards == [{"job_id": "L1-000001-1", "status": "valid"}]


def test_a_card_that_did_not_come_out_is_printed_once_after_the_restart(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
        await _crash_while_printing(rig)
        rig.restart()
        await rig.at(Stage.HANDOVER)
        jobs = rig.rows("select job_id, state from print_jobs")
        return list(rig.world.printer.cards), rig.rows("select job_id, status from cards"), jobs

    printed, cards, jobs = rig_factory(scenario, print_seconds=25.0)
    assert printed == ["L1-000001-1"] and cards == [{"job_id": "L1-000001-1", "status": "valid"}]
    assert jobs == [{"job_id": "L1-000001-1", "state": "out"}]


def _printer_cannot_say(rig: Rig) -> None:
    async def silent() -> int | None:
        raise DeviceTimeout("L1.printer", "no answer", "no_answer")

    rig.lane.devices.printer._counter_when_idle = silent  # type: ignore[method-assign]


def test_when_the_printer_cannot_say_the_operator_is_asked_and_yes_records_the_card(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        job = await _crash_while_printing(rig)
        _printer_cannot_say(rig)
        rig.world.printer.cards.append(job)
        rig.restart()
        await rig.until(lambda: rig.lane.pending.get("what") == "card_out")
        assert not (await rig.cmd(Action.CARD_OUT, data={"out": "maybe"})).ok
        assert (await rig.cmd(Action.CARD_OUT, data={"out": "yes"})).ok
        await rig.at(Stage.HANDOVER)
        audit = rig.rows("select operator, args, result from operator_actions where action = 'card_out'")
        return job, rig.rows("select job_id, status from cards"), audit

    job, cards, audit = rig_factory(scenario, print_seconds=25.0)
    assert cards == [{"job_id": job, "status": "valid"}]
    assert [a["result"] for a in audit] == ["refused", "ok"] and '"out": "yes"' in audit[1]["args"]


def test_when_the_printer_cannot_say_no_voids_the_job_and_prints_under_a_new_one(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
        await _crash_while_printing(rig)
        _printer_cannot_say(rig)
        rig.restart()
        await rig.until(lambda: rig.lane.pending.get("what") == "card_out")
        assert (await rig.cmd(Action.CARD_OUT, data={"out": "no"})).ok
        await rig.at(Stage.HANDOVER)
        jobs = rig.rows("select job_id, state, settled_by from print_jobs order by job_id")
        return list(rig.world.printer.cards), rig.rows("select job_id, status from cards"), jobs

    printed, cards, jobs = rig_factory(scenario, print_seconds=25.0)
    assert printed == ["L1-000001-2"] and cards == [{"job_id": "L1-000001-2", "status": "valid"}]
    assert jobs == [
        {"job_id": "L1-000001-1", "state": "void", "settled_by": "operator:op-test"},
        {"job_id": "L1-000001-2", "state": "out", "settled_by": "printer"},
    ]


def test_a_card_answer_nobody_asked_for_is_refused(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> bool:
        await rig.drive_to(Stage.HANDOVER)
        return (await rig.cmd(Action.CARD_OUT, data={"out": "yes"})).ok

    assert rig_factory(scenario) is False


def test_an_abort_after_hand_over_is_refused(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[bool, str, str]:
        await rig.drive_to(Stage.EXITING)
        rig.world.exit_gate.stuck = True  # the exit boom does not rise: the lane faults in exiting
        await rig.at(Stage.FAULT)
        refused = await rig.cmd(Action.ABORT, reason="driver gone")
        rig.world.exit_gate.stuck = False
        assert (await rig.cmd(Action.RESUME)).ok
        await rig.until(lambda: rig.world.exit_gate.position is GatePosition.UP)
        await rig.world.drive_out()
        await rig.at(Stage.IDLE)
        return refused.ok, refused.message, rig.rows("select outcome from cycles")[0]["outcome"]

    ok, message, outcome = rig_factory(scenario)
    assert not ok and "faulted in exiting" in message.replace("the fault happened in ", "faulted in ")
    assert outcome == "completed"


def test_an_abort_at_hand_over_voids_the_printed_card(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[dict[str, Any]]:
        await rig.drive_to(Stage.HANDOVER)
        assert (await rig.cmd(Action.ABORT, data={"confirm": "yes"}, reason="driver refuses the card")).ok
        await rig.at(Stage.REJECTED)
        return rig.rows("select status, void_reason from cards")

    assert rig_factory(scenario, print_seconds=5.0) == [{"status": "void", "void_reason": "driver refuses the card"}]


def test_a_boom_left_up_over_nothing_is_closed_when_the_lane_comes_back_idle(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[GatePosition, GatePosition]:
        await rig.until(lambda: rig.lane.stage is Stage.IDLE)
        assert (await rig.cmd(Action.OPEN_GATE, data={"gate": "exit"}, reason="ambulance")).ok
        await rig.crash()
        rig.restart()
        await rig.until(lambda: rig.world.exit_gate.position is GatePosition.DOWN)
        return rig.world.exit_gate.position, rig.world.entry_gate.position

    assert rig_factory(scenario) == (GatePosition.DOWN, GatePosition.DOWN)


def test_a_loop_counter_that_went_back_is_not_taken_for_a_passage(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[str]:
        rig.world.entry_safety.count = 5  # vehicles counted before today
        await rig.drive_to(Stage.ARRIVED)
        await rig.crash()
        rig.world.entry_safety.count = 0  # the I/O module was replaced while the controller was down
        rig.restart()
        await rig.until(lambda: rig.world.entry_gate.position is GatePosition.UP)  # opened for the waiting car
        assert rig.lane.stage is Stage.ARRIVED
        rig.world.vehicle = None
        await rig.world.drive_in(rig.vehicle)
        await rig.at(Stage.PLATE)
        return list(rig.world.entry_gate.commands)

    assert rig_factory(scenario)[-1] == "close"


def test_a_rejection_interrupted_by_a_restart_stays_a_rejection(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> dict[str, Any]:
        await rig.drive_to(Stage.REJECTED)
        await rig.crash()
        rig.restart()
        await rig.until(lambda: rig.world.exit_gate.position is GatePosition.UP)
        await rig.world.drive_out()
        await rig.at(Stage.IDLE)
        return rig.rows("select outcome, reason from cycles")[0]

    assert rig_factory(scenario) == {"outcome": "rejected", "reason": "no health certificate"}
