"""Abort, and abort after payment. Before the driver has paid, `abort` (with a reason) ends the cycle and lets the
vehicle out. After it, the officer must confirm (`confirm=yes`: the console asks first), and the abort's own
transaction (lane/store.py) voids every card of the cycle and every print job not settled, and records the refund
to make (`refunds`: cycle, lane, amount, the payment's receipt, when, which officer; state `to_make`). The driver
reads a fixed prompt ("aborted" or "aborted_paid" in config/prompts.toml), never the officer's note, which goes to
the audit and the cycle's reason only. `to_make` lists the refunds still owed (the console's refunds view).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from flows.states import Stage
from lane.commands import Command
from lane.errors import Refused

if TYPE_CHECKING:
    from lane.controller import LaneController


def rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


async def abort(lane: LaneController, cmd: Command, who: str) -> str:
    """End the cycle (a reason is needed); after payment only with `confirm=yes`, voiding cards, owing a refund."""
    receipt = str(lane.ctx.get("receipt") or "")
    if not receipt or not lane.allows("abort", reason=cmd.reason):  # not paid, or refused as it stands
        await lane.fire("abort", actor=who, reason=cmd.reason)
        return "done"
    fee = int(lane.ctx.get("fee") or lane.fee)
    if cmd.data.get("confirm", "").strip().lower() != "yes":
        raise Refused(
            f"the driver has paid {rupiah(fee)} (receipt {receipt}): confirm with confirm=yes; "
            "any card printed is voided and a refund is recorded"
        )
    await lane.fire("abort", actor=who, reason=cmd.reason, refund=fee, paid_receipt=receipt)
    return f"aborted: card voided if printed; refund of {rupiah(fee)} to make (receipt {receipt})"


def prompt_code(lane: LaneController, stage: Stage) -> str:
    """The prompt the driver reads on entering `stage`: after an abort a fixed one, never the officer's note."""
    if stage is Stage.REJECTED and lane.ctx.get("outcome") == "aborted":
        return "aborted_paid" if lane.ctx.get("receipt") else "aborted"
    return stage.value


def to_make(con: sqlite3.Connection) -> list[dict[str, Any]]:
    """The refunds still owed, oldest first, with the cycle's plate (read-only: the console's connection); none
    in a database from before refunds (its controller has not migrated it yet)."""
    try:
        rows = con.execute(
            "select r.id, r.cycle_id, r.lane, r.amount, r.receipt, r.at, r.officer, c.plate from refunds r "
            "left join cycles c on c.id = r.cycle_id where r.state = 'to_make' order by r.id"
        )
    except sqlite3.OperationalError:  # no such table
        return []
    names = [d[0] for d in rows.description]
    return [dict(zip(names, row, strict=True)) for row in rows.fetchall()]
