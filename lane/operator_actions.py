"""The operator's commands on a lane: `execute` checks the officer's account and role (lane.officers), carries the
command out and writes its audit row, done or refused. What each action does is one handler in `HANDLERS`, the
table from `Action` to handler; an action that only fires a trigger is a `_fires` row (the trigger's meaning is
in flows.renewal and flows.bookkeeping).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from devices.errors import DeviceError
from flows.states import Stage
from lane import abort, lookup, plate_correction, receipts
from lane.commands import Action, Command, Outcome
from lane.errors import Refused
from lane.events import EventKind
from lane.officers import authorise
from lane.privacy import masked, names_in, scrub
from lane.rules import holder_dict
from plates.grammar import PlateGrammarError

if TYPE_CHECKING:
    from lane.controller import LaneController

#: A handler: the lane, the command and who sent it ("operator:<id>") -> the message for the operator.
Handler = Callable[["LaneController", Command, str], Awaitable[str]]


async def execute(lane: LaneController, cmd: Command) -> Outcome:
    """Carry out an operator command; every command, done or refused, lands in the audit table."""
    names = names_in(lane.ctx)
    try:
        outcome = Outcome(True, await _do(lane, cmd))
    except (Refused, PlateGrammarError, DeviceError) as err:
        outcome = Outcome(False, str(err))
    lane.store.operator_action(
        lane.lane_id,
        lane.cycle_id,
        lane.stamp(),
        cmd.operator,
        cmd.action.value,
        masked(cmd.args(), names + names_in(lane.ctx)),
        "ok" if outcome.ok else "refused",
        scrub(outcome.message, names + names_in(lane.ctx)),
    )
    lane.emit(
        EventKind.OPERATOR, action=cmd.action.value, operator=cmd.operator, ok=outcome.ok, message=outcome.message
    )
    return outcome


async def _do(lane: LaneController, cmd: Command) -> str:
    if not cmd.operator.strip():
        raise Refused("an operator id is required")
    authorise(lane.store, cmd.operator, cmd.action, paid=bool(lane.ctx.get("receipt")))  # account and role
    return await HANDLERS[cmd.action](lane, cmd, f"operator:{cmd.operator}")


def _fires(trigger: str, *, reason: bool = False) -> Handler:
    """A handler that fires `trigger` (with the command's reason when `reason`)."""

    async def handler(lane: LaneController, cmd: Command, who: str) -> str:
        await (lane.fire(trigger, actor=who, reason=cmd.reason) if reason else lane.fire(trigger, actor=who))
        return "done"

    return handler


async def confirm(lane: LaneController, cmd: Command, who: str) -> str:
    """`confirm` means what the stage asks for: the plate suggested, the documents, the payment, the photo, the
    hand-over."""
    stage = lane.stage
    if stage is Stage.PLATE:
        return await plate_correction.confirm_suggestion(lane, who)
    if stage is Stage.DOCUMENTS:
        return await submit_documents(lane, cmd, who)
    if stage is Stage.PAYMENT:
        return await receipts.confirm(lane, cmd, who)
    if stage is Stage.PHOTO:
        if lane.photo is None or lane.pending.get("what") != "photo":
            raise Refused("no photo is waiting for a decision")
        if lane.ctx.get("photo_problems") and not cmd.reason.strip():
            raise Refused("the photo failed the check: accepting it needs a reason")
        await lane.fire("photo_accepted", actor=who, photo_file=lane.ctx.get("photo"), reason=cmd.reason)
    elif stage is Stage.HANDOVER:
        await lane.fire("handed_over", actor=who)
    else:
        raise Refused(f"nothing to confirm while the lane is {stage}")
    return "done"


async def submit_documents(lane: LaneController, cmd: Command, who: str) -> str:
    """Check the documents as entered; pass the lane on, or leave it in documents with every failure listed
    (the operator corrects a typo and submits again, or rejects with these reasons)."""
    if lane.stage is not Stage.DOCUMENTS:
        raise Refused(f"no documents are asked for while the lane is {lane.stage}")
    prefill = lane.ctx.get("prefill") or {}
    fields = dict(cmd.data)
    merged = {k: str(v) for k, v in prefill.items() if k != "prereg_id"} | {k: v for k, v in fields.items() if v}
    verdict = lane.rules.check(merged, lane.flow.classes_served, lane.clock.wall().date())
    if not verdict.ok:
        lane.ctx["failures"] = [f.code for f in verdict.failures]
        lane.ctx["failure_text"] = verdict.reason()
        lane.ctx["failure_texts"] = [[f.id, f.en] for f in verdict.failures]  # the sign's reasons, both languages
        for f in verdict.failures:
            lane.alert(f.code, f"{f.id} / {f.en}")
        lane.request("documents", prefill=prefill, failures=[f"{f.id} / {f.en}" for f in verdict.failures])
        raise Refused("documents not accepted: " + "; ".join(f"{f.id} / {f.en}" for f in verdict.failures))
    holder = verdict.holder
    assert holder is not None
    lane.ctx.pop("failure_texts", None)  # an earlier attempt's reasons are not this renewal's
    await lane.fire(
        "documents_ok",
        actor=who,
        checked=True,
        holder=holder_dict(holder),
        holder_name=holder.name,
        nik=holder.nik,
        sim_number=holder.sim_number,
        sim_class=holder.sim_class,
        prereg_id=prefill.get("prereg_id"),
    )
    if prefill.get("prereg_id") and lane.rules.registry is not None and lane.cycle_id is not None:
        lane.rules.registry.use_preregistration(int(prefill["prereg_id"]), lane.cycle_id)
    return f"documents accepted: {holder.name}, SIM {holder.sim_class}"


async def reject(lane: LaneController, cmd: Command, who: str) -> str:
    reason = cmd.reason.strip() or str(lane.ctx.get("failure_text", ""))
    await lane.fire("documents_rejected", actor=who, reason=reason)
    return "done"


async def card_out(lane: LaneController, cmd: Command, who: str) -> str:
    """The operator's answer to "did a card come out?": yes records the card; no voids the job, and the card
    is printed again under a new job id."""
    answer = cmd.data.get("out", "").strip().lower()
    job = str(lane.pending.get("job", ""))
    if lane.stage is not Stage.PRINTING or lane.pending.get("what") != "card_out":
        raise Refused("no one asked whether a card came out")
    if answer not in ("yes", "no"):
        raise Refused("answer out=yes or out=no")
    if answer == "yes":
        await lane.fire("printed", actor=who, job=job)
        return f"card {job} recorded as printed"
    await lane.fire("retry", actor=who, void_job=job)  # refused (no retries left): the job stays as it was
    lane.store.print_job_settled(job, "void", lane.stamp(), who)
    return f"job {job} void; printing again"


async def enter_plate(lane: LaneController, cmd: Command, who: str) -> str:
    """The plate typed at the plate stage; at a later stage, until the card is printed, a correction
    (lane.plate_correction)."""
    if lane.stage is not Stage.PLATE:
        return await plate_correction.correct(lane, cmd.plate, cmd.operator)
    return await plate_correction.type_plate(lane, cmd.plate, who)


async def close_lane(lane: LaneController, cmd: Command, who: str) -> str:
    """At once when the lane is idle or faulted; else once the vehicle in it has left."""
    if lane.stage in (Stage.IDLE, Stage.FAULT):
        await lane.fire("close_lane", actor=who, reason=cmd.reason or "closed by operator")
        return "done"
    if lane.stage is Stage.CLOSED:
        raise Refused("the lane is already closed")
    lane.close_requested = True
    return "the lane closes once the vehicle in it has left"


async def clear_printer(lane: LaneController, cmd: Command, who: str) -> str:
    await lane.devices.printer.clear_errors()
    return "printer errors cleared"


async def open_gate(lane: LaneController, cmd: Command, who: str) -> str:
    """A boom opened by hand, in any state (the lane does not move); it needs a reason, and alerts."""
    gate = {"entry": lane.devices.entry_gate, "exit": lane.devices.exit_gate}.get(cmd.data.get("gate", ""))
    if gate is None:
        raise Refused("which gate: gate=entry or gate=exit")
    if not cmd.reason.strip():
        raise Refused("opening a gate by hand needs a reason")
    lane.alert("gate_by_hand", f"{gate.name} opened by {cmd.operator}: {cmd.reason}")
    await gate.open()
    return f"{gate.name} open"


#: What each operator action does.
HANDLERS: Mapping[Action, Handler] = {
    Action.CONFIRM: confirm,
    Action.DOCUMENTS: submit_documents,
    Action.APPROVE: receipts.approve,
    Action.REJECT: reject,
    Action.CARD_OUT: card_out,
    Action.REPRINT: _fires("reprint", reason=True),
    Action.ENTER_PLATE: enter_plate,
    Action.RETRY: _fires("retry"),
    Action.ABORT: abort.abort,
    Action.RESUME: _fires("resume"),
    Action.OPEN_LANE: _fires("open_lane"),
    Action.CLOSE_LANE: close_lane,
    Action.CLEAR_PRINTER: clear_printer,
    Action.OPEN_GATE: open_gate,
    Action.LOOKUP: lookup.lookup,
    Action.REISSUE: lookup.reissue,
}
