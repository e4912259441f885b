"""The renewal rules wired into the lane: documents with every failure listed, pre-registration, the fee of the
licence's class, the photo gate with retakes and operator override, the card printed and reprinted."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from flows.states import Stage
from lane.commands import Action
from tests.conftest import Rig


async def _to_documents(rig: Rig) -> None:
    await rig.drive_to(Stage.DOCUMENTS)
    await rig.until(lambda: rig.lane.pending.get("what") == "documents")


def test_every_document_failure_is_listed_and_the_operator_rejects_with_them(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, list[str], dict[str, Any]]:
        await _to_documents(rig)
        bad = dict(
            rig.documents,
            nik=rig.documents["nik"][:-1] + str((int(rig.documents["nik"][-1]) + 1) % 10),
            health_date="2001-01-01",
        )
        outcome = await rig.cmd(Action.DOCUMENTS, data=bad)
        assert not outcome.ok
        assert rig.lane.stage is Stage.DOCUMENTS  # nothing decided yet: the operator may correct a typo
        assert len(rig.lane.pending["failures"]) == 2
        alerts = [r["code"] for r in rig.rows("select code from notices where kind = 'alert'")]
        assert (await rig.cmd(Action.REJECT)).ok  # no reason typed: the check's reasons are used
        await rig.at(Stage.REJECTED)
        await rig.world.drive_out()
        await rig.at(Stage.IDLE)
        cycle = rig.rows("select outcome, reason from cycles")[0]
        return outcome.message, alerts, cycle

    message, alerts, cycle = rig_factory(scenario)
    assert "NIK does not match" in message and "Health certificate older than 180 days" in message
    assert {"nik_mismatch", "health_too_old"} <= set(alerts)
    assert cycle["outcome"] == "rejected"
    assert "NIK tidak sesuai" in cycle["reason"] and "Surat sehat lebih dari 180 hari" in cycle["reason"]


def test_a_corrected_submission_passes_and_records_the_holder(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> dict[str, Any]:
        await _to_documents(rig)
        assert not (await rig.cmd(Action.DOCUMENTS, data=dict(rig.documents, sim="123"))).ok
        outcome = await rig.cmd(Action.DOCUMENTS, data=rig.documents)
        assert outcome.ok and rig.holder.name in outcome.message
        await rig.at(Stage.PAYMENT)
        await rig.until(lambda: bool(rig.world.payment.pending))
        amount = next(iter(rig.world.payment.pending.values()))[0]
        assert amount == 80000
        audit = rig.rows("select args from operator_actions where action = 'documents'")
        assert all(rig.holder.nik not in a["args"] for a in audit), "the audit masks the NIK"
        return rig.rows("select holder_name, nik, sim_number, sim_class from cycles")[0]

    row = rig_factory(scenario)
    assert row["holder_name"] and len(row["nik"]) == 16 and row["sim_class"] == "A"


def test_a_motorcycle_licence_pays_its_own_tariff(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> int:
        holder = rig.registry.sample(random.Random(5), ("C I",), rig.clock.wall().date())
        rig.documents.update(nik=holder.nik, sim=holder.sim_number)
        await rig.drive_to(Stage.PAYMENT)
        await rig.until(lambda: bool(rig.world.payment.pending))
        return int(next(iter(rig.world.payment.pending.values()))[0])

    assert rig_factory(scenario, lane_class="C") == 75000


def test_a_preregistration_prefills_the_documents(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[dict[str, Any], dict[str, Any]]:
        now = rig.clock.wall()
        booking = rig.registry.book("G 1234 AB", rig.holder, now - timedelta(minutes=30), now + timedelta(hours=1))
        await _to_documents(rig)
        prefill = rig.lane.pending["prefill"]
        assert prefill == {"prereg_id": booking, "nik": rig.holder.nik, "sim": rig.holder.sim_number}
        certificates = {k: v for k, v in rig.documents.items() if k not in ("nik", "sim")}
        assert (await rig.cmd(Action.CONFIRM, data=certificates)).ok  # the checks still run, on the booking's data
        await rig.at(Stage.PAYMENT)
        used = rig.registry.db.execute("select cycle_id from preregistrations").fetchone()[0]
        return rig.rows("select id, prereg_id from cycles")[0], {"used": used}

    cycle, booking = rig_factory(scenario)
    assert cycle["prereg_id"] == 1 and booking["used"] == cycle["id"]


def test_the_photo_gate_prompts_retakes_then_asks_the_operator(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[str], list[str], str]:
        await rig.drive_to(Stage.PHOTO)  # the driver keeps the helmet on
        await rig.until(lambda: rig.lane.pending.get("what") == "photo")
        prompts = [r["code"] for r in rig.rows("select code from notices where kind = 'prompt' and stage = 'photo'")]
        problems = list(rig.lane.pending["problems"])
        refused = await rig.cmd(Action.CONFIRM)
        assert not refused.ok and "reason" in refused.message
        assert (await rig.cmd(Action.CONFIRM, reason="driver wears a religious head covering")).ok
        await rig.at(Stage.HANDOVER)
        return prompts, problems, rig.rows("select photo_file from cycles")[0]["photo_file"]

    prompts, problems, photo = rig_factory(scenario)
    assert prompts.count("photo_no_face") == 3  # the first photo and two automatic retakes
    assert problems == ["no_face"]
    assert photo.endswith("-rejected.jpg")


def test_the_driver_fixes_the_photo_and_it_passes_on_a_retake(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, int]:
        await rig.drive_to(Stage.PHOTO)
        await rig.until(lambda: any(r["code"] == "photo_no_face" for r in rig.rows("select code from notices")))
        rig.vehicle.extras.pop("photo_issue")  # the helmet comes off
        await rig.at(Stage.PRINTING)
        face = rig.world.printer
        await rig.at(Stage.HANDOVER)
        assert face.last_card is not None and face.last_card.shape == (648, 1016, 3)
        return rig.rows("select photo_file from cycles")[0]["photo_file"], len(face.cards)

    photo, cards = rig_factory(scenario)
    assert photo.endswith("-ok.jpg") and cards == 1


def test_a_reprint_needs_a_reason_and_leaves_one_valid_card(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[dict[str, Any]], list[str], int]:
        await rig.drive_to(Stage.HANDOVER)
        assert not (await rig.cmd(Action.REPRINT)).ok
        assert (await rig.cmd(Action.REPRINT, reason="ribbon streak across the photo")).ok
        await rig.at(Stage.HANDOVER)
        assert (await rig.cmd(Action.CONFIRM)).ok
        cards = rig.rows("select job_id, status, void_reason from cards order by job_id")
        return cards, rig.world.printer.cards, rig.rows("select reprints from cycles")[0]["reprints"]

    cards, printed, reprints = rig_factory(scenario)
    assert printed == ["L1-000001-1", "L1-000001-2"]
    assert [(c["job_id"], c["status"]) for c in cards] == [("L1-000001-1", "void"), ("L1-000001-2", "valid")]
    assert cards[0]["void_reason"] == "ribbon streak across the photo"
    assert reprints == 1
