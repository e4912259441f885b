"""Abort after payment (lane/abort.py): refused until the officer confirms; then every card of the cycle is void,
a print job never settled is void, the refund to make is recorded in the abort's own transaction, and the driver
reads a fixed prompt, never the officer's note (which is in the audit). Before payment an abort is as it was, with
the fixed prompt too."""

from __future__ import annotations

from typing import Any

from flows.states import Stage
from lane import abort
from lane.commands import Action
from tests.conftest import Rig

NOTE = "driver was rude, said his brother is a general"


def test_abort_after_the_card_is_printed_asks_then_voids_it_and_owes_the_fee(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> dict[str, Any]:
        await rig.drive_to(Stage.HANDOVER)
        first = await rig.cmd(Action.ABORT, reason=NOTE)
        cards_before = rig.rows("select status from cards")
        stage_before = rig.lane.stage
        done = await rig.cmd(Action.ABORT, data={"confirm": "yes"}, reason=NOTE)
        await rig.at(Stage.REJECTED)
        await rig.until(lambda: len(rig.world.display.history) > 0 and "Dihentikan" in rig.world.display.history[-1][0])
        return {
            "first": first,
            "cards_before": cards_before,
            "stage_before": stage_before,
            "done": done,
            "cards": rig.rows("select status, void_reason from cards"),
            "refunds": rig.rows("select lane, amount, receipt, officer, state from refunds"),
            "owed": abort.to_make(rig.store.db.conn),
            "shown": rig.world.display.history,
            "cycle": rig.rows("select outcome, reason from cycles")[0],
            "audit": rig.rows("select result, message from operator_actions where action = 'abort'"),
        }

    r = rig_factory(scenario)
    assert not r["first"].ok and "confirm=yes" in r["first"].message and "Rp80.000" in r["first"].message
    assert r["cards_before"] == [{"status": "valid"}] and r["stage_before"] is Stage.HANDOVER  # nothing changed
    assert r["done"].ok, r["done"].message
    assert [c["status"] for c in r["cards"]] == ["void"]
    assert r["refunds"] == [
        {
            "lane": "L1",
            "amount": 80000,
            "receipt": r["refunds"][0]["receipt"],
            "officer": "operator:op-test",
            "state": "to_make",
        }
    ]
    assert r["refunds"][0]["receipt"] and [o["amount"] for o in r["owed"]] == [80000]
    assert r["owed"][0]["plate"] == "G 1234 AB"
    assert r["shown"][-1] == ("Dihentikan, biaya dikembalikan", "Stopped, your fee is refunded")
    assert all(NOTE not in line for shown in r["shown"] for line in shown)  # never on the sign
    assert r["cycle"]["reason"] == NOTE  # the note goes to the cycle record and the audit only
    assert [a["result"] for a in r["audit"]] == ["refused", "ok"]


def test_a_print_job_sent_but_never_settled_is_void_after_an_abort(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        await rig.drive_to(Stage.FAULT)  # the printer is empty: the job was sent, no card came out
        await rig.at(Stage.FAULT)
        rig.store.db.conn.execute("update print_jobs set state = 'sent'")  # as if its answer had been lost
        assert (await rig.cmd(Action.ABORT, data={"confirm": "yes"}, reason="printer broken")).ok
        await rig.at(Stage.REJECTED)
        return rig.rows("select state from print_jobs"), rig.rows("select amount from refunds")

    jobs, refunds = rig_factory(scenario)
    assert jobs == [{"state": "void"}] and refunds == [{"amount": 80000}]


def test_abort_before_payment_needs_no_confirmation_and_shows_a_fixed_prompt(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[bool, list[tuple[str, str]], list[dict[str, Any]]]:
        await rig.drive_to(Stage.DOCUMENTS)
        outcome = await rig.cmd(Action.ABORT, reason=NOTE)
        await rig.at(Stage.REJECTED)
        await rig.until(lambda: "dihentikan" in rig.world.display.history[-1][0])
        return outcome.ok, rig.world.display.history, rig.rows("select * from refunds")

    ok, shown, refunds = rig_factory(scenario)
    assert ok and refunds == []
    assert shown[-1] == ("Proses dihentikan, temui petugas", "Renewal stopped, see the officer")
    assert all(NOTE not in line for s in shown for line in s)
