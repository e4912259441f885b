"""The lane machine through its controller: a whole renewal, every stage reached, refused triggers, budgets."""

from __future__ import annotations

from typing import Any

import pytest

from flows.renewal import make_flow
from flows.states import TIMED, Stage
from lane.commands import Action
from lane.errors import Refused
from tests.conftest import Rig

ALL = list(Stage)


def test_a_renewal_end_to_end(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[dict[str, Any]]:
        await rig.drive_to(Stage.EXITING)
        asyncio_task = rig.world.drive_out()
        await asyncio_task
        await rig.at(Stage.IDLE)
        cards = rig.rows("select job_id, status from cards")
        assert cards == [{"job_id": "L1-000001-1", "status": "valid"}]
        return rig.rows("select * from cycles")

    cycles = rig_factory(scenario)
    assert len(cycles) == 1
    cycle = cycles[0]
    assert cycle["outcome"] == "completed"
    assert cycle["plate"] == "G 1234 AB" and cycle["plate_source"] == "operator"
    assert cycle["receipt"] and cycle["card_job"] == "L1-000001-1"
    assert cycle["holder_name"] and len(cycle["nik"]) == 16 and cycle["sim_class"] == "A"
    assert cycle["fee"] == 80000 and cycle["photo_file"].endswith("-ok.jpg")
    stage_sum = sum(cycle[f"dur_{s.value}"] for s in TIMED)
    assert stage_sum == pytest.approx(cycle["duration"], abs=0.01)
    for stage in ("arrived", "photo", "printing", "exiting"):  # the stages where devices take time
        assert cycle[f"dur_{stage}"] > 0, stage
    assert cycle["dur_printing"] == pytest.approx(25.0, abs=0.5)


@pytest.mark.parametrize("stage", ALL, ids=[s.value for s in ALL])
def test_every_state_is_reached_and_recorded(rig_factory: Any, stage: Stage) -> None:
    async def scenario(rig: Rig) -> tuple[str, list[str]]:
        await rig.drive_to(stage)
        await rig.at(stage)
        snap = rig.store.lane_snapshot("L1")
        assert snap is not None
        return snap["state"], [r["dest"] for r in rig.rows("select dest from events order by id")]

    state, dests = rig_factory(scenario, print_seconds=10_000.0 if stage is Stage.PRINTING else 25.0)
    assert state == stage.value
    assert dests[-1] == stage.value


INVALID = [
    (Stage.IDLE, "printed"),
    (Stage.PLATE, "paid"),
    (Stage.DOCUMENTS, "vehicle_arrived"),
    (Stage.PAYMENT, "handed_over"),
    (Stage.HANDOVER, "resume"),
    (Stage.CLOSED, "vehicle_arrived"),
    (Stage.DOCUMENTS, "no_such_trigger"),
]


@pytest.mark.parametrize(("stage", "trigger"), INVALID, ids=[f"{s.value}-{t}" for s, t in INVALID])
def test_an_invalid_trigger_is_refused_and_changes_nothing(rig_factory: Any, stage: Stage, trigger: str) -> None:
    async def scenario(rig: Rig) -> tuple[str, int, int]:
        await rig.drive_to(stage)
        events = len(rig.rows("select id from events"))
        with pytest.raises(Refused) as refused:
            await rig.lane.fire(trigger)
        assert trigger in str(refused.value)
        return rig.lane.state, events, len(rig.rows("select id from events"))

    state, before, after = rig_factory(scenario)
    assert state == stage.value
    assert before == after


def test_a_guard_failure_says_which_guard(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> str:
        await rig.drive_to(Stage.PLATE)
        outcome = await rig.cmd(Action.ENTER_PLATE, plate="G 0123 AB")
        assert not outcome.ok
        outcome2 = await rig.cmd(Action.ABORT, reason="   ")
        assert not outcome2.ok and "reason" in outcome2.message
        audit = rig.rows("select action, result, message from operator_actions")
        assert [a["result"] for a in audit] == ["refused", "refused"]
        return outcome.message

    message = rig_factory(scenario)
    assert "0" in message and "start" in message  # the leading-zero rule, in words


HELD = [s for s in TIMED]  # each timed stage, held by nobody acting


@pytest.mark.parametrize("stage", HELD, ids=[s.value for s in HELD])
def test_budget_overrun_prompts_alerts_then_faults(rig_factory: Any, stage: Stage) -> None:
    flow = make_flow("A")
    budget = flow.budgets[stage]

    async def scenario(rig: Rig) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, str]:
        await rig.drive_to(stage)
        await rig.at(stage)
        entered = rig.lane.since
        await rig.until(lambda: rig.clock.monotonic() >= entered + budget.soft + 1)
        notices = rig.rows("select kind, code, stage from notices where code = 'overrun'")
        await rig.until(lambda: rig.lane.stage is Stage.FAULT, limit=budget.hard + 5)
        last = rig.rows("select source, dest, detail from events order by id desc limit 1")[0]
        return notices, rig.rows("select * from notices where code = 'hard_limit'"), last["source"], last["detail"]

    # Nobody acts, the vehicle never moves off, and printing takes for ever: every stage overruns.
    notices, hard, source, detail = rig_factory(scenario, print_seconds=10_000.0 if stage is Stage.PRINTING else 25.0)
    assert {(n["kind"], n["stage"]) for n in notices} == {("prompt", stage.value), ("alert", stage.value)}
    assert hard and hard[0]["stage"] == stage.value
    assert source == stage.value and "hard_limit" in detail


def test_fault_resume_and_abort_are_ways_out(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[str]:
        await rig.drive_to(Stage.FAULT)  # the printer ran out of cards
        assert rig.lane.faulted_from is Stage.PRINTING
        assert rig.lane.pending["what"] == "fault"
        rig.world.refill()
        assert (await rig.cmd(Action.RESUME)).ok
        await rig.at(Stage.HANDOVER)
        assert rig.world.printer.cards == ["L1-000001-1"]
        assert (await rig.cmd(Action.ABORT, data={"confirm": "yes"}, reason="driver left the lane")).ok
        await rig.at(Stage.REJECTED)
        await rig.world.drive_out()
        await rig.at(Stage.IDLE)
        return [r["outcome"] + ":" + r["reason"] for r in rig.rows("select outcome, reason from cycles")]

    assert rig_factory(scenario) == ["aborted:driver left the lane"]


def test_close_after_the_vehicle_and_reopen(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[str]:
        await rig.drive_to(Stage.DOCUMENTS)
        outcome = await rig.cmd(Action.CLOSE_LANE)
        assert outcome.ok and "once" in outcome.message
        assert (await rig.cmd(Action.REJECT, reason="expired licence")).ok
        await rig.at(Stage.REJECTED)
        await rig.world.drive_out()
        await rig.at(Stage.CLOSED)
        assert not (await rig.cmd(Action.CLOSE_LANE)).ok
        rig.world.entry_loop.set(True)  # a car at a closed lane is not let in
        await rig.clock.sleep(60)
        assert rig.lane.stage is Stage.CLOSED
        assert (await rig.cmd(Action.OPEN_LANE)).ok
        await rig.at(Stage.ARRIVED)
        return [r["dest"] for r in rig.rows("select dest from events order by id")]

    dests = rig_factory(scenario)
    assert dests[-3:] == ["closed", "idle", "arrived"]


def test_retry_is_limited(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[bool]:
        await rig.drive_to(Stage.PHOTO)
        results = []
        for _ in range(5):
            await rig.until(lambda: rig.lane.pending.get("what") == "photo")
            results.append((await rig.cmd(Action.RETRY)).ok)
        cycle = rig.rows("select retries from cycles")[0]
        assert cycle["retries"] == 3
        return results

    assert rig_factory(scenario) == [True, True, True, False, False]


def test_unknown_lane_and_missing_operator_are_refused(tmp_path: Any, rig_factory: Any) -> None:
    from lane.commands import Command

    async def scenario(rig: Rig) -> tuple[bool, str]:
        outcome = await rig.lane.execute(Command("L1", Action.CONFIRM, "  "))
        return outcome.ok, outcome.message

    ok, message = rig_factory(scenario)
    assert not ok and "operator" in message
