"""The lane applies the officers' roles to every command, and takes a typed receipt only when the payment point
recorded it; any other receipt waits for a second officer, a supervisor, to approve it, and is marked so."""

from __future__ import annotations

from typing import Any

from flows.states import Stage
from lane.commands import Action, Command, Outcome
from lane.officers import Officers, Role
from tests.conftest import Rig


def stage(rig: Rig) -> Stage:
    """The lane's stage read afresh: mypy keeps what an `assert ... is` narrowed it to across an await."""
    return rig.lane.stage


async def as_(rig: Rig, officer: str, action: Action, **args: Any) -> Outcome:
    return await rig.lane.execute(Command("L1", action, officer, **args))


def officers(rig: Rig) -> None:
    o = Officers(rig.store)
    o.ensure("op-1", Role.OPERATOR)
    o.ensure("sup-1", Role.SUPERVISOR)
    o.ensure("sup-2", Role.SUPERVISOR)
    o.ensure("tech-1", Role.TECHNICIAN)


def test_a_receipt_the_payment_point_recorded_is_the_payment(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> None:
        officers(rig)
        await rig.drive_to(Stage.PAYMENT)
        await rig.until(lambda: bool(rig.world.payment.pending))
        reference = f"L1-{rig.lane.cycle_id:06d}"
        # The payment point took the money and recorded it, but the lane did not hear of it (the point's answer
        # was lost): the operator types the receipt number the point printed.
        rig.world.payment.emit("payment", reference=reference, receipt="PP-1", amount=80000)
        rig.world.payment.emit("payment", reference="L1-999999", receipt="PP-2", amount=80000)  # another cycle's
        wrong = await as_(rig, "op-1", Action.CONFIRM, receipt="PP-2")
        assert wrong.ok and "manual receipt" in wrong.message and rig.lane.stage is Stage.PAYMENT
        done = await as_(rig, "op-1", Action.CONFIRM, receipt="PP-1")
        assert done.ok, done.message
        await rig.until(lambda: rig.lane.stage is not Stage.PAYMENT)
        cycle = rig.store.cycle(rig.lane.cycle_id or 0)
        assert cycle["receipt"] == "PP-1" and not cycle["receipt_manual"]

    rig_factory(scenario)


def test_a_manual_receipt_needs_a_second_officer_a_supervisor(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> None:
        officers(rig)
        await rig.drive_to(Stage.PAYMENT)
        entered = await as_(rig, "sup-1", Action.CONFIRM, receipt="FAKE-0000")
        assert entered.ok and "waiting for a supervisor" in entered.message
        assert rig.lane.stage is Stage.PAYMENT and rig.lane.pending["receipt"] == "FAKE-0000"
        for officer, why in (
            ("op-1", "approve needs a supervisor"),
            ("tech-1", "approve needs a supervisor"),
            ("sup-1", "other than the officer who entered it"),
            ("nobody", "no officer"),
        ):
            refused = await as_(rig, officer, Action.APPROVE)
            assert not refused.ok and why in refused.message, refused.message
            assert rig.lane.stage is Stage.PAYMENT
        approved = await as_(rig, "sup-2", Action.APPROVE)
        assert approved.ok, approved.message
        cycle = rig.store.cycle(rig.lane.cycle_id or 0)
        assert (cycle["receipt"], cycle["receipt_manual"], cycle["approved_by"]) == ("FAKE-0000", 1, "sup-2")
        again = await as_(rig, "sup-2", Action.APPROVE)
        assert not again.ok and "no manual receipt" in again.message
        audit = rig.rows("select operator, action, result from operator_actions where action = 'approve'")
        assert [(r["operator"], r["result"]) for r in audit] == [
            ("op-1", "refused"),
            ("tech-1", "refused"),
            ("sup-1", "refused"),
            ("nobody", "refused"),
            ("sup-2", "ok"),
            ("sup-2", "refused"),
        ]

    rig_factory(scenario)


def test_gates_and_aborts_after_payment_need_their_role(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> None:
        officers(rig)
        gate = {"gate": "exit"}
        refused = await as_(rig, "op-1", Action.OPEN_GATE, reason="barrier check", data=gate)
        assert not refused.ok and "open_gate needs a supervisor or technician" in refused.message
        assert rig.world.exit_gate.commands == []
        assert (await as_(rig, "tech-1", Action.OPEN_GATE, reason="barrier check", data=gate)).ok
        assert rig.world.exit_gate.commands == ["open"]
        assert not (await as_(rig, "tech-1", Action.OPEN_GATE, data=gate)).ok, "and a reason"
        await rig.clock.sleep(5)
        await rig.drive_to(Stage.PHOTO)  # paid at the payment point
        refused = await as_(rig, "op-1", Action.ABORT, reason="driver left")
        assert not refused.ok and "abort after payment needs a supervisor" in refused.message
        assert rig.lane.stage is Stage.PHOTO
        assert (await as_(rig, "sup-1", Action.ABORT, data={"confirm": "yes"}, reason="driver left")).ok
        assert stage(rig) is Stage.REJECTED

    rig_factory(scenario)
