"""Receipts an officer enters at the payment stage, and the supervisor's approval of a manual one.

The payment point records every payment it takes: a device event of kind `payment` with its reference (the
cycle's `LANE-CYCLE`), receipt number and amount (devices.base.PaymentTerminal.collect). A receipt an officer
types is taken as the payment only when it is one the payment point recorded for this cycle, of the fee. Any other
(the payment point was down, the driver paid at a counter) is a manual receipt: the lane asks for a supervisor's
approval and stays in payment; a supervisor other than the officer who entered it sends `approve`. The cycle is
then marked `receipt_manual` and `approved_by`, and `lane report` lists it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from flows.bookkeeping import cycle_name
from flows.states import Stage
from lane.commands import Command
from lane.errors import Refused

if TYPE_CHECKING:
    from lane.controller import LaneController

WAITING = "receipt_approval"  # the lane's request while a manual receipt waits


def recorded(lane: LaneController) -> dict[str, int]:
    """Receipt number -> amount of the payments the payment point recorded for the lane's open cycle."""
    if lane.cycle_id is None:
        return {}
    reference = cycle_name(lane.lane_id, lane.cycle_id)
    rows = lane.store.db.execute(
        "select detail from device_events where lane = ? and cycle_id = ? and kind = 'payment'",
        [lane.lane_id, lane.cycle_id],
    )
    out: dict[str, int] = {}
    for (detail,) in rows:
        paid = json.loads(detail or "{}")
        if paid.get("reference") == reference and paid.get("receipt"):
            out[str(paid["receipt"])] = int(paid.get("amount") or 0)
    return out


async def confirm(lane: LaneController, cmd: Command, who: str) -> str:
    """`confirm receipt=...` in payment: the payment when the payment point recorded it, else a manual receipt
    that waits for a supervisor."""
    receipt = cmd.receipt.strip()
    if not receipt:
        raise Refused("confirming the payment needs its receipt number: confirm receipt=...")
    if recorded(lane).get(receipt) == lane.fee:
        await lane.fire("paid", actor=who, receipt=receipt, fee=lane.fee)
        return f"payment confirmed: receipt {receipt} was recorded by the payment point"
    text = f"approve manual receipt {receipt} entered by {cmd.operator} (a supervisor: approve)"
    lane.request(WAITING, text=text, receipt=receipt, entered_by=cmd.operator)
    return (
        f"receipt {receipt} matches no payment recorded by the payment point: entered as a manual receipt, "
        "waiting for a supervisor's approval"
    )


async def approve(lane: LaneController, cmd: Command, who: str) -> str:
    """A supervisor approves the manual receipt waiting in the lane: the lane goes on as paid."""
    waiting = lane.pending
    if lane.stage is not Stage.PAYMENT or waiting.get("what") != WAITING:
        raise Refused("no manual receipt is waiting for approval on this lane")
    if waiting.get("entered_by") == cmd.operator:
        raise Refused("a manual receipt is approved by a supervisor other than the officer who entered it")
    receipt = str(waiting["receipt"])
    await lane.fire(
        "paid",
        actor=who,
        receipt=receipt,
        fee=lane.fee,
        receipt_manual=1,
        approved_by=cmd.operator,
        receipt_entered_by=str(waiting.get("entered_by", "")),
    )
    return f"manual receipt {receipt} approved"
