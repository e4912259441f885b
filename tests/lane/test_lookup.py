"""Past renewals (lane/lookup.py): found by plate, SIM number or NIK, each lookup audited with its search term
masked; a card reissued for a driver who has left is printed once on the lane's printer, the old card void, so
exactly one valid card remains; only a supervisor may, with a reason, while the lane is idle."""

from __future__ import annotations

from typing import Any

from devices.base import PrintJob
from flows.states import Stage
from lane.commands import Action, Command, Outcome
from lane.officers import Officers, Role
from tests.conftest import Rig


async def _renewed(rig: Rig) -> None:
    """One renewal to the end: the driver drives off with the card."""
    await rig.drive_to(Stage.EXITING)
    await rig.world.drive_out()
    await rig.at(Stage.IDLE)


async def _as(rig: Rig, officer: str, action: Action, **args: Any) -> Outcome:
    return await rig.lane.execute(Command("L1", action, officer, **args))


def test_a_renewal_is_found_by_plate_sim_or_nik_and_every_lookup_is_audited(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[Outcome], list[dict[str, Any]], tuple[str, str, str]]:
        await _renewed(rig)
        found = [
            await rig.cmd(Action.LOOKUP, plate="g 1234 ab"),
            await rig.cmd(Action.LOOKUP, data={"sim": rig.holder.sim_number}),
            await rig.cmd(Action.LOOKUP, data={"nik": rig.holder.nik}),
            await rig.cmd(Action.LOOKUP, plate="B 1 ZZ"),
            await rig.cmd(Action.LOOKUP, plate="G 1234 AB", data={"nik": rig.holder.nik}),
        ]
        audit = rig.rows("select args, result, message from operator_actions where action = 'lookup'")
        return found, audit, (rig.holder.nik, rig.holder.sim_number, rig.holder.name)

    (plate, sim, nik, none, two), audit, personal = rig_factory(scenario)
    assert plate.ok and plate.message.startswith("1 renewal(s) found:\n#1 L1 ")
    assert "G 1234 AB" in plate.message and "completed; card L1-000001-1 valid" in plate.message
    assert sim.message == plate.message == nik.message
    assert none.ok and none.message == "no renewal found"
    assert not two.ok and "one of plate=, sim= or nik=" in two.message
    assert [a["result"] for a in audit] == ["ok", "ok", "ok", "ok", "refused"]
    text = repr(audit) + plate.message
    assert "NIK " in plate.message and all(value not in text for value in personal)  # masked everywhere


def test_a_card_reissued_for_a_driver_who_left_voids_the_old_one(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> dict[str, Any]:
        Officers(rig.store).ensure("op-1", Role.OPERATOR)
        await _renewed(rig)
        refused = [
            await _as(rig, "op-1", Action.REISSUE, data={"cycle": "1"}, reason="card lost"),  # not a supervisor
            await rig.cmd(Action.REISSUE, data={"cycle": "1"}),  # no reason
            await rig.cmd(Action.REISSUE, data={"cycle": "9"}, reason="card lost"),
        ]
        done = await rig.cmd(Action.REISSUE, data={"cycle": "1"}, reason="card lost at home")
        return {
            "refused": refused,
            "done": done,
            "cards": rig.rows("select job_id, status, void_reason from cards order by job_id"),
            "printed": list(rig.world.printer.cards),
            "jobs": rig.rows("select job_id, state from print_jobs order by job_id"),
            "cycle": rig.rows("select card_job, reprints from cycles")[0],
            "audit": rig.rows("select operator, result from operator_actions where action = 'reissue'"),
        }

    r = rig_factory(scenario)
    assert [o.ok for o in r["refused"]] == [False, False, False]
    assert "supervisor" in r["refused"][0].message and "reason" in r["refused"][1].message
    assert r["done"].ok, r["done"].message
    assert r["cards"] == [
        {"job_id": "L1-000001-1", "status": "void", "void_reason": "reissued: card lost at home"},
        {"job_id": "L1-000001-2", "status": "valid", "void_reason": None},
    ]
    assert r["printed"] == ["L1-000001-1", "L1-000001-2"]  # one new card out of the printer, no more
    assert r["jobs"] == [{"job_id": "L1-000001-1", "state": "out"}, {"job_id": "L1-000001-2", "state": "out"}]
    assert r["cycle"] == {"card_job": "L1-000001-2", "reprints": 1}
    assert [a["result"] for a in r["audit"]] == ["refused", "refused", "refused", "ok"]


def test_a_reissue_cut_short_after_its_card_came_out_is_recorded_not_printed_again(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[Outcome, list[dict[str, Any]], list[str]]:
        await _renewed(rig)
        printer = rig.world.printer
        assert printer.last_card is not None
        ticket = await rig.lane.devices.printer.ticket("L1-000001-2")  # a reissue: job committed, card out, then
        rig.store.print_job_sent("L1-000001-2", 1, "L1", ticket.counter, rig.lane.stamp())  # the controller died
        await rig.lane.devices.printer.print_card(PrintJob("L1-000001-2", printer.last_card), ticket)
        done = await rig.cmd(Action.REISSUE, data={"cycle": "1"}, reason="card lost")
        return done, rig.rows("select job_id, status from cards order by job_id"), list(printer.cards)

    done, cards, printed = rig_factory(scenario)
    assert done.ok and "printed before a restart" in done.message
    assert cards == [{"job_id": "L1-000001-1", "status": "void"}, {"job_id": "L1-000001-2", "status": "valid"}]
    assert printed == ["L1-000001-1", "L1-000001-2"]  # the card that came out is the one: none printed again


def test_no_reissue_while_a_driver_is_in_the_lane(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> Outcome:
        await _renewed(rig)
        rig.vehicle.plate = "H 77 K"
        await rig.drive_to(Stage.DOCUMENTS)
        return await rig.cmd(Action.REISSUE, data={"cycle": "1"}, reason="card lost")

    outcome = rig_factory(scenario)
    assert not outcome.ok and "idle or closed" in outcome.message
