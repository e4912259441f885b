"""Issue 16 at lane level: a plate is taken from the camera without asking only when the frames agree and the agreed
reading is sure (`plate_accept`); an unsure, unreadable or dirty plate leads to the operator being asked, with the
best unsure reading as a suggestion; the operator corrects the plate at a later stage until the card is printed,
audited, the cycle keeping both the read plate and the corrected one."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from flows.states import Stage
from lane.commands import Action
from plates.lane_reader import lane_reader
from plates.reading import Image, NoPlate, PlateReading
from tests.conftest import Rig

PLATE_COLUMNS = "plate, plate_source, plate_confidence, plate_read, plate_read_confidence, plate_evidence"


def reads(text: str, confidence: float) -> Any:
    """A reader that reads every frame as `text`, `confidence` sure (each character as sure as the whole)."""

    def read(image: Image) -> PlateReading | NoPlate:
        chars = len(text.replace(" ", ""))
        return PlateReading(text, confidence, char_confidences=(confidence,) * chars, crop=image[:20, :60].copy())

    return read


async def _arrive(rig: Rig) -> None:
    """The rig's vehicle drives in and stops at the plate camera (the lane reads it, or has read it)."""
    await rig.drive_to(Stage.ARRIVED)
    rig.world.vehicle = None
    rig.driving = asyncio.ensure_future(rig.world.drive_in(rig.vehicle))
    await rig.until(lambda: rig.lane.stage is not Stage.ARRIVED)


async def _asked(rig: Rig) -> dict[str, Any]:
    """Wait for the lane to ask for the plate; the request as stored for the console."""
    await rig.until(lambda: rig.lane.pending.get("what") == "plate", limit=60)
    assert rig.lane.stage is Stage.PLATE
    rows = rig.rows("select text from notices where kind = 'request' and code = 'plate' order by id desc")
    request: dict[str, Any] = json.loads(rows[0]["text"])
    return request


def _cycle(rig: Rig) -> dict[str, Any]:
    return rig.rows(f"select {PLATE_COLUMNS}, plate_corrected_by, plate_corrected_at from cycles")[0]


def test_frames_that_agree_on_an_unsure_reading_make_the_lane_ask(rig_factory: Any) -> None:
    """The issue's "A 29": every frame agrees on the expiry line, unsure; the lane asks and shows it."""

    async def scenario(rig: Rig) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        await _arrive(rig)
        request = await _asked(rig)
        before = _cycle(rig)
        assert (await rig.cmd(Action.ENTER_PLATE, plate="G 1234 AB")).ok
        await rig.at(Stage.DOCUMENTS)
        return request, before, _cycle(rig)

    request, before, after = rig_factory(scenario, reader=reads("A 29", 0.4))
    assert request["suggestion"] == "A 29" and request["confidence"] == 0.4
    assert before["plate"] is None  # nothing taken unasked
    assert after["plate"] == "G 1234 AB" and after["plate_source"] == "operator"
    assert after["plate_read"] == "A 29" and after["plate_read_confidence"] == 0.4
    assert after["plate_evidence"].startswith("L1-")  # the unsure reading's crop: a labelled example for export


def test_the_operator_confirms_the_suggestion_and_it_counts_as_typed(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, dict[str, Any]]:
        await _arrive(rig)
        await _asked(rig)
        outcome = await rig.cmd(Action.CONFIRM)
        assert outcome.ok, outcome.message
        await rig.at(Stage.DOCUMENTS)
        return outcome.message, _cycle(rig)

    message, cycle = rig_factory(scenario, reader=reads("G 1234 AB", 0.85))
    assert message == "plate G 1234 AB confirmed"
    assert cycle["plate"] == "G 1234 AB" and cycle["plate_source"] == "operator"


def test_a_sure_agreed_reading_is_taken_unasked(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> dict[str, Any]:
        await _arrive(rig)
        await rig.at(Stage.DOCUMENTS)
        return _cycle(rig)

    cycle = rig_factory(scenario, reader=reads("G 1234 AB", 1.0))
    assert cycle["plate"] == cycle["plate_read"] == "G 1234 AB" and cycle["plate_source"] == "camera"
    assert cycle["plate_confidence"] == 1.0


def test_a_dirty_plate_read_by_the_real_reader_is_never_taken_unasked(rig_factory: Any) -> None:
    """Mud over the plate: the shipped reader finds only the expiry line or pieces; the operator is asked."""

    async def scenario(rig: Rig) -> dict[str, Any]:
        rig.vehicle.dirty_plate = True
        rig.lane.plate_wait = 1.5  # 15 frames: enough for two to agree, few enough to read in seconds
        await _arrive(rig)
        await _asked(rig)
        return _cycle(rig)

    cycle = rig_factory(scenario, reader=lane_reader())
    assert cycle["plate"] is None


def test_no_reading_at_all_asks_without_a_suggestion(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[dict[str, Any], str]:
        await _arrive(rig)
        request = await _asked(rig)
        return request, (await rig.cmd(Action.CONFIRM)).message

    request, refused = rig_factory(scenario, reader=lambda image: NoPlate("no plate-like row of characters"))
    assert "suggestion" not in request and "no sure agreed reading" in request["why"]
    assert refused == "no plate reading to confirm: type the plate (enter_plate plate=...)"


# -- corrections after the plate stage ------------------------------------------------------------------------------


async def _misread(rig: Rig) -> None:
    """The camera reads the plate wrong, surely: the lane goes on to documents with it."""
    await _arrive(rig)
    await rig.at(Stage.DOCUMENTS)


def _audit(rig: Rig) -> list[dict[str, Any]]:
    return rig.rows("select action, args, result, message, hash from operator_actions where action = 'enter_plate'")


def test_the_operator_corrects_the_plate_at_the_documents_stage(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        today = rig.clock.wall()
        rig.registry.book("G 1234 AB", rig.holder, today - timedelta(hours=1), today + timedelta(hours=1))
        await _misread(rig)
        assert "prefill" not in rig.lane.ctx  # the wrong plate finds no booking
        outcome = await rig.cmd(Action.ENTER_PLATE, plate="g1234ab")
        assert outcome.ok, outcome.message
        return _cycle(rig), _audit(rig), dict(rig.lane.pending)

    cycle, audit, pending = rig_factory(scenario, reader=reads("G 1284 AB", 1.0))
    assert cycle["plate"] == "G 1234 AB" and cycle["plate_read"] == "G 1284 AB"
    assert cycle["plate_source"] == "camera" and cycle["plate_corrected_by"] == "op-test"
    assert cycle["plate_corrected_at"]
    [row] = audit
    assert row["result"] == "ok" and row["hash"] and json.loads(row["args"]) == {"plate": "g1234ab"}
    assert row["message"].startswith("plate corrected: G 1284 AB -> G 1234 AB; pre-registration found")
    assert pending["what"] == "documents" and pending["prefill"]["prereg_id"]  # looked up again for the new plate


def test_the_operator_corrects_the_plate_at_the_photo_stage(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
        await _misread(rig)
        assert (await rig.cmd(Action.DOCUMENTS, data=rig.documents)).ok
        rig.vehicle.extras["photo_issue"] = "helmet"  # the photo fails its check: the lane waits in photo
        await rig.until(lambda: bool(rig.world.payment.pending))
        assert rig.world.payment.pay(f"L1-{rig.lane.cycle_id:06d}")
        await rig.at(Stage.PHOTO)
        bad = await rig.cmd(Action.ENTER_PLATE, plate="G 12345 AB")
        assert not bad.ok
        assert (await rig.cmd(Action.ENTER_PLATE, plate="G 1234 AB")).ok
        return _cycle(rig), _audit(rig), bad.message

    cycle, audit, bad = rig_factory(scenario, reader=reads("G 1284 AB", 1.0))
    assert cycle["plate"] == "G 1234 AB" and cycle["plate_read"] == "G 1284 AB"
    assert [(r["result"], r["message"]) for r in audit] == [
        ("refused", bad),
        ("ok", "plate corrected: G 1284 AB -> G 1234 AB"),
    ]
    assert "number" in bad or "digit" in bad  # the grammar says what is wrong


def test_a_correction_after_the_card_is_printed_is_refused(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, str]:
        await rig.drive_to(Stage.HANDOVER)
        at_handover = await rig.cmd(Action.ENTER_PLATE, plate="G 1234 AC")
        assert (await rig.cmd(Action.CONFIRM)).ok
        exiting = await rig.cmd(Action.ENTER_PLATE, plate="G 1234 AC")
        assert not at_handover.ok and not exiting.ok
        assert rig.rows("select plate, plate_corrected_by from cycles")[0] == {
            "plate": "G 1234 AB",
            "plate_corrected_by": None,
        }
        return at_handover.message, exiting.message

    messages = rig_factory(scenario)
    assert messages == ("the card is printed: the plate can no longer be corrected",) * 2


def test_a_correction_once_the_print_job_is_sent_is_refused_and_audited(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, list[dict[str, Any]]]:
        await rig.drive_to(Stage.FAULT)  # the printer ran out of cards with the job sent
        assert rig.lane.faulted_from is Stage.PRINTING
        outcome = await rig.cmd(Action.ENTER_PLATE, plate="G 1234 AC")
        assert not outcome.ok
        return outcome.message, _audit(rig)

    message, audit = rig_factory(scenario)
    assert message == "the card is being printed: the plate can no longer be corrected"
    assert [(r["result"], r["message"]) for r in audit] == [("ok", "done"), ("refused", message)]


def test_a_correction_before_any_plate_is_refused(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[str, str]:
        idle = await rig.cmd(Action.ENTER_PLATE, plate="G 1234 AB")
        await rig.drive_to(Stage.ARRIVED)
        return idle.message, (await rig.cmd(Action.ENTER_PLATE, plate="G 1234 AB")).message

    assert rig_factory(scenario) == ("no vehicle in the lane: no plate to correct", "the plate has not been read yet")
