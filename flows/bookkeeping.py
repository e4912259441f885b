"""What a transition means for the lane's records: given the source, destination, trigger and data of one
transition and the cycle's context before it, the cycle-row update, the new context, and the card printed or
voided. Everything a trigger carries besides the move itself lives here (a card job on entering printing, a new
job on reprint or on retry with a voided job, the outcome on reject or abort, retry counts, the fault's cause).

`lane.machine.LaneCore.record` calls `bookkeep` and adds what only the lane knows (times, the store, privacy).
Also the one place the cycle's `{lane}-{cycle:06d}` name is made. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flows.states import Stage

#: Keys of trigger data that are copied onto the cycle row (and into the context).
CYCLE_FIELDS = (
    "plate",
    "plate_source",
    "plate_confidence",
    "plate_evidence",
    "plate_read",
    "plate_read_confidence",
    "receipt",
    "fee",
    "holder_name",
    "nik",
    "sim_number",
    "sim_class",
    "photo_file",
    "prereg_id",
    "receipt_manual",
    "approved_by",
)


def cycle_name(lane: str, cycle: int | None) -> str:
    """A cycle's name, `L1-000042`: the payment reference, and the stem of its card jobs and evidence files."""
    return f"{lane}-{cycle or 0:06d}"


def card_job(lane: str, cycle: int | None, attempt: int) -> str:
    """The id of a cycle's `attempt`-th card print job."""
    return f"{cycle_name(lane, cycle)}-{attempt}"


@dataclass(frozen=True)
class Bookkeeping:
    """What one transition writes. `update` holds cycle-row columns (without stage durations and end times,
    which the lane adds); a `reason` in it is raw text the lane scrubs of names before storing."""

    update: dict[str, Any]
    ctx: dict[str, Any]
    printed: str | None  # the card job that came out
    voided: tuple[str, str] | None  # (card job, reason) of a card spoilt or never handed over
    opening: bool  # a vehicle arrived: a cycle opens
    closing: bool  # the lane is free again: the open cycle closes
    faulted_from: Stage | None  # the stage a faulted lane was in


def bookkeep(
    src: Stage,
    dst: Stage,
    trigger: str,
    data: Mapping[str, Any],
    ctx: Mapping[str, Any],
    *,
    lane: str,
    cycle: int | None,
    faulted_from: Stage | None,
) -> Bookkeeping:
    """The records of one transition (also of a restart, which is not a machine transition)."""
    update: dict[str, Any] = {}
    new = dict(ctx)
    for key in CYCLE_FIELDS:
        if key in data:
            update[key] = new[key] = data[key]
    if "holder" in data:
        new["holder"] = data["holder"]
    if trigger == "retry":
        retries = dict(new.get("retries", {}))
        retries[src.value] = retries.get(src.value, 0) + 1
        new["retries"] = retries
        update["retries"] = sum(retries.values())
    if dst is Stage.REJECTED and src is not Stage.REJECTED:  # entered (a restart in rejected keeps its why)
        new["outcome"] = "rejected" if trigger == "documents_rejected" else "aborted"
        update["reason"] = new["reason"] = str(data.get("reason", ""))
    printed = voided = None
    if dst is Stage.PRINTING and "card_job" not in new:
        new["prints"] = 1
        new["card_job"] = update["card_job"] = card_job(lane, cycle, 1)
    if trigger == "reprint" or (trigger == "retry" and data.get("void_job")):
        if trigger == "reprint":  # the card handed over is spoilt; a job voided unseen has no card row
            voided = (str(new["card_job"]), str(data.get("reason", "")))
            update["reprints"] = int(new.get("prints", 1))
        new["prints"] = int(new.get("prints", 1)) + 1
        new["card_job"] = update["card_job"] = card_job(lane, cycle, new["prints"])
        new.pop("card", None)
    if trigger == "printed":
        printed = new["card"] = str(data.get("job", ""))
    if trigger == "abort" and dst is Stage.REJECTED and new.get("card"):  # a card printed, never handed over
        voided = (str(new.pop("card")), str(data.get("reason", "")))
    opening = src is Stage.IDLE and dst is Stage.ARRIVED
    closing = cycle is not None and dst in (Stage.IDLE, Stage.CLOSED)
    if opening:
        new = {}
    if closing:
        update["outcome"] = new.get("outcome", "completed")
    faulted = (src if src is not Stage.FAULT else faulted_from) if dst is Stage.FAULT else None
    if dst is Stage.FAULT and "cause" in data:
        new["fault_cause"] = str(data["cause"])
    return Bookkeeping(update, new, printed, voided, opening, closing, faulted)
