"""The operator and the plate (issue 16): the plate typed or confirmed at the plate stage, and corrected at any later
stage until the card is printed.

- At the plate stage the operator types the plate (`enter_plate plate=...`) or, when the lane asked with the best
  unsure reading as a suggestion (lane.plate_policy), confirms it (`confirm`). Either way the plate counts as typed
  (`plate_source` "operator"); the reading the camera gave (`plate_read`, its confidence and crop) is kept beside it.
- Later (documents, payment, photo, printing before a print job was sent, rejected, or a fault in one of those)
  `enter_plate plate=...` corrects the plate in force: checked by plates.grammar, written to the cycle
  (`plate`, `plate_corrected_by`, `plate_corrected_at`; `plate_read` keeps what the camera read) and audited in
  `operator_actions` like every command (lane.operator_actions.execute), with the old and new plate in its message.
  Once a card job was sent or the card is out it is refused.
- A correction while the lane is in documents runs the pre-registration lookup again for the new plate: a booking
  of the new plate replaces what the old one pre-filled (or fills in where it found none), none clears it, and the
  operator is asked for the documents again. Once the documents were accepted the holder stands (the documents were
  checked against the registry on their own) and a pre-registration used stays used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows.states import Stage
from lane.errors import Refused
from plates.grammar import parse

if TYPE_CHECKING:
    from lane.controller import LaneController

#: Stages in which the plate in force can be corrected (after the plate stage, before a card is printed).
CORRECTABLE = (Stage.DOCUMENTS, Stage.PAYMENT, Stage.PHOTO, Stage.PRINTING, Stage.REJECTED)
#: Keys of the cycle's context that carry the camera's reading into `plate_entered`.
READ_KEYS = ("plate_read", "plate_read_confidence", "plate_evidence")


def read_fields(lane: LaneController) -> dict[str, Any]:
    """What the camera read of this vehicle (noted by the plate stage before it asked the operator)."""
    return {k: lane.ctx[k] for k in READ_KEYS if lane.ctx.get(k) is not None}


async def type_plate(lane: LaneController, text: str, who: str) -> str:
    """The plate typed at the plate stage."""
    plate = parse(text).text
    await lane.fire("plate_entered", actor=who, plate=plate, plate_source="operator", **read_fields(lane))
    return "done"


async def confirm_suggestion(lane: LaneController, who: str) -> str:
    """`confirm` at the plate stage: the reading the lane suggested becomes the plate, as if typed."""
    suggestion = str(lane.pending.get("suggestion", "")) if lane.pending.get("what") == "plate" else ""
    if not suggestion:
        raise Refused("no plate reading to confirm: type the plate (enter_plate plate=...)")
    await type_plate(lane, suggestion, who)
    return f"plate {suggestion} confirmed"


def _refusal(lane: LaneController) -> str | None:
    """Why the plate cannot be corrected now, or None when it can."""
    stage = lane.faulted_from if lane.stage is Stage.FAULT and lane.faulted_from else lane.stage
    if lane.cycle_id is None or stage in (Stage.IDLE, Stage.CLOSED):
        return "no vehicle in the lane: no plate to correct"
    if stage is Stage.ARRIVED:
        return "the plate has not been read yet"
    if stage in (Stage.HANDOVER, Stage.EXITING):
        return "the card is printed: the plate can no longer be corrected"
    if stage not in CORRECTABLE:
        return f"no plate can be corrected while the lane is {lane.stage}"
    job = lane.store.print_job(str(lane.ctx.get("card_job", ""))) if stage is Stage.PRINTING else None
    if job is not None and job["state"] in ("sent", "out"):
        return "the card is being printed: the plate can no longer be corrected"
    return None


async def correct(lane: LaneController, text: str, operator: str) -> str:
    """Correct the plate in force after the plate stage (see the module's header)."""
    why = _refusal(lane)
    if why is not None:
        raise Refused(why)
    plate = parse(text).text
    old = str(lane.ctx.get("plate", ""))
    if plate == old:
        raise Refused(f"the plate is {plate} already")
    assert lane.cycle_id is not None  # _refusal checked it
    stamp = lane.stamp()
    lane.store.plate_corrected(lane.cycle_id, plate, operator, stamp)
    lane.note(plate=plate, plate_corrected_by=operator, plate_corrected_at=stamp.iso)
    message = f"plate corrected: {old or '(none)'} -> {plate}"
    if lane.stage is Stage.DOCUMENTS:
        prefill = lane.rules.prefill(plate, lane.clock.wall())
        had = lane.ctx.pop("prefill", None)
        if prefill:
            lane.ctx["prefill"] = prefill
        if had or prefill:
            message += "; pre-registration " + ("found for the new plate" if prefill else "of the old plate dropped")
        lane.request("documents", prefill=prefill or {})
    return message
