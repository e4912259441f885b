"""The stage runners: the work a lane does in each state, started when the lane enters it (and cancelled when it
leaves). `run` shows the stage's prompt and calls the stage's runner from `RUNNERS`.

Each runner reads the world before acting, so a lane restarted in any stage resumes it: the loops' vehicle
counts are noted before a boom opens (a vehicle that passed while the controller was down is not waited for), and
a card job found already sent is settled against the printer's card counter before anything is printed again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from devices.base import CardOutcome, Gate, GatePosition, PrintJob, PrintTicket, VehicleLoop
from devices.codecs.iomap import passed_since
from devices.errors import DeviceError, DeviceRefused, DeviceTimeout
from flows.bookkeeping import cycle_name
from flows.card import LAYOUT as CARD_LAYOUT
from flows.states import Stage
from lane import abort, evidence, plate_policy
from lane.errors import Refused
from lane.events import EventKind
from plates.reading import PlateReading
from plates.vote import Voter

if TYPE_CHECKING:
    from lane.controller import LaneController

Runner = Callable[["LaneController"], Awaitable[None]]


async def run(lane: LaneController, stage: Stage) -> None:
    """A stage's work: its prompt to the driver, then its runner (if it has one)."""
    code = abort.prompt_code(lane, stage)  # after an abort a fixed prompt, never the officer's note
    await lane.show(code, reason=lane.reasons() if code == "rejected" else "")
    runner = RUNNERS.get(stage)
    if runner is not None:
        await runner(lane)


# -- the booms and the loops --------------------------------------------------------------------------------------


async def run_idle(lane: LaneController) -> None:
    d = lane.devices
    if d.exit_gate.position is not GatePosition.DOWN:  # up over nothing (a restart, a hand-opened boom)
        await pass_and_close(d.exit_gate, d.exit_loop)
    if d.entry_gate.position is not GatePosition.DOWN and not d.entry_loop.occupied:
        await pass_and_close(d.entry_gate, d.entry_loop)
    if lane.close_requested:
        await lane.fire("close_lane")
        return
    await d.entry_loop.wait_for(True)
    await lane.fire("vehicle_arrived", actor="entry_loop")


async def run_arrived(lane: LaneController) -> None:
    """Let the vehicle in: the entry boom, counted on its safety loop (the vehicle waits on the entry loop)."""
    d = lane.devices
    await _let_through(lane, d.entry_gate, d.entry_safety, d.entry_loop, "entry_mark")
    await lane.fire("admitted", actor="entry_loop")


async def run_exiting(lane: LaneController) -> None:
    """Let the vehicle out: the exit boom, counted on the exit loop beyond it."""
    d = lane.devices
    await _let_through(lane, d.exit_gate, d.exit_loop, d.exit_loop, "exit_mark")
    await lane.fire("vehicle_left", actor="exit_loop")


async def _let_through(lane: LaneController, gate: Gate, counted: VehicleLoop, after: VehicleLoop, key: str) -> None:
    """Open `gate`, wait for the vehicle on `counted`, close the boom once `after` and its safety loop are clear.
    `counted`'s vehicle count is noted (durably) under `key` before the boom opens, so a lane restarted after the
    vehicle went through while the controller was down goes on instead of waiting for it."""
    if await _mark(lane, key, counted) or not await _passed(lane, counted, key):
        await gate.open()
        await _wait_passage(lane, counted, key)
    await pass_and_close(gate, after)


async def _mark(lane: LaneController, key: str, loop: VehicleLoop) -> bool:
    """Note the loop's vehicle count under `key` when this stage first runs (before any boom moves); True when
    noted now (nothing can have passed since), False when a run before this one (a restart) noted it."""
    if key in lane.ctx:
        return False
    lane.note(**{key: await loop.passes()})
    return True


async def _passed(lane: LaneController, loop: VehicleLoop, key: str) -> bool:
    """Whether a vehicle has reached `loop` since its count was noted under `key`: occupied now, or counted by
    the I/O module since. A count below the mark is a module that was replaced or power-cycled (a 16-bit
    counter wraps once in 65,536 vehicles): the mark is taken again and only occupancy is believed."""
    if loop.occupied:
        return True
    mark, now = lane.ctx.get(key), await loop.passes()
    if mark is None or now is None:
        return False
    if now < int(mark):
        lane.note(**{key: now})
        return False
    return passed_since(int(mark), now) > 0


async def _wait_passage(lane: LaneController, loop: VehicleLoop, key: str) -> None:
    """Wait for a vehicle on `loop`; after each quiet second the count is read as well, so a passage between
    two polls of the loop is never waited for again."""
    while not loop.occupied:
        try:
            await loop.wait_for(True, timeout=1.0)
        except DeviceTimeout:
            if await _passed(lane, loop, key):
                return


async def pass_and_close(gate: Gate, loop_after: VehicleLoop) -> None:
    """Wait until the vehicle is clear of `loop_after` and the boom's safety loop, then close the boom."""
    while True:
        await loop_after.wait_for(False)
        await gate.safety.wait_for(False)
        try:
            await gate.close()
            return
        except DeviceRefused:
            continue  # something moved under the boom: it went back up; wait for it to clear again


# -- the renewal ---------------------------------------------------------------------------------------------------


async def run_plate(lane: LaneController) -> None:
    """Read camera frames until `agreement` readings agree character by character (plates.vote) and the agreed
    reading is sure enough (lane.plate_policy, `plate_accept`), then record the plate with the best frame's crop as
    evidence; after `plate_wait` seconds, ask the operator, showing the best unsure reading as a suggestion."""
    if lane.plates is None:
        lane.request("plate", why="no plate reader on this lane")
        return
    voter = Voter(lane.agreement)
    frames = plate_policy.Frames()
    deadline = lane.clock.monotonic() + lane.plate_wait
    try:
        while lane.clock.monotonic() < deadline:
            frame = await lane.devices.plate_camera.capture()
            reading = await lane.plates.read(lane.clock, frame.image)
            if not isinstance(reading, PlateReading):
                continue
            frames.add(reading)
            agreed = voter.add(reading)
            sure = frames.decide(agreed, lane.plate_accept) if agreed is not None else None
            if sure is not None:
                await lane.fire(
                    "plate_read",
                    actor="camera",
                    plate=sure.text,
                    plate_source="camera",
                    plate_confidence=sure.confidence,
                    plate_read=sure.text,
                    plate_read_confidence=sure.confidence,
                    plate_evidence=lane._save_evidence(sure),
                )
                return
    except DeviceError as err:
        lane.alert(err.cause, str(err))
    seen = ", ".join(f"{text} x{n}" for text, n in voter.seen.items())
    why = f"no sure agreed reading in {lane.plate_wait:g} s" + (f" (seen: {seen})" if seen else "")
    best = frames.suggestion()
    if best is None:
        lane.request("plate", why=why)
        return
    crop = lane._save_evidence(best) if best.crop is not None else None  # the example an operator's answer labels
    lane.note(plate_read=best.text, plate_read_confidence=best.confidence, plate_evidence=crop)
    lane.request("plate", why=why, suggestion=best.text, confidence=best.confidence)


async def run_documents(lane: LaneController) -> None:
    prefill = lane.rules.prefill(str(lane.ctx.get("plate", "")), lane.clock.wall())
    if prefill:
        lane.ctx["prefill"] = prefill
    lane.request("documents", prefill=prefill or {})


async def run_payment(lane: LaneController) -> None:
    receipt = await lane.devices.payment.collect(lane.fee, cycle_name(lane.lane_id, lane.cycle_id))
    await lane.fire("paid", actor="payment", receipt=receipt.number, fee=receipt.amount)


async def run_photo(lane: LaneController) -> None:
    """Take photos until one passes the gate (prompting the driver with what to fix), at most
    1 + photo_retakes times; then the operator decides (accept with a reason, or retry)."""
    verdict = None
    for attempt in range(1 + lane.photo_retakes):
        if attempt:
            await lane.clock.sleep(lane.retake_delay)
        frame = await lane.devices.driver_camera.capture()
        lane.photo = frame.image
        verdict = await lane.clock.run_blocking(lane.rules.assess, frame.image)
        lane.face = verdict.face
        if verdict.ok:
            await lane.fire("photo_accepted", actor="photo_gate", photo_file=_save_photo(lane, "ok"))
            return
        code = verdict.problems[0]
        await lane.show(f"photo_{code}")
        lane.emit(EventKind.PHOTO_PROBLEM, problems=list(verdict.problems), attempt=attempt + 1)
    assert verdict is not None
    lane.ctx["photo_problems"] = list(verdict.problems)
    lane.request("photo", problems=list(verdict.problems), file=_save_photo(lane, "rejected"))


def _save_photo(lane: LaneController, tag: str) -> str:
    name = evidence.photo_name(lane.lane_id, lane.cycle_id, lane.ctx.get("retries", {}).get("photo", 0), tag)
    evidence.save_photo(lane.photo_dir, name, lane.photo)
    lane.ctx["photo"] = name
    return name


async def run_printing(lane: LaneController) -> None:
    """Print the cycle's card exactly once. A job is committed with the printer's card counter before it is
    sent; a job found already sent (a crash, a lost answer, a fault) is first settled against the printer:
    its card came out (recorded, not printed again), did not (sent again), or the printer cannot say (the
    operator is asked, `card_out`)."""
    job = str(lane.ctx["card_job"])
    holder = lane.ctx.get("holder")
    if holder is None:
        raise Refused("no holder data for the card: the documents step did not record one")
    printer = lane.devices.printer
    sent = lane.store.print_job(job)
    if sent is not None and sent["state"] == "sent":
        outcome = await printer.settle(PrintTicket(job, sent["counter"]))
        if outcome is CardOutcome.OUT:
            await lane.fire("printed", actor="printer", job=job)
            return
        if outcome is CardOutcome.UNKNOWN:
            lane.request("card_out", job=job)
            return
        lane.store.print_job_settled(job, "not_out", lane.stamp(), "printer")
    elif sent is not None and sent["state"] == "out":  # recorded by the printed transition: cannot happen
        raise Refused(f"card job {job} already came out")
    if lane.photo is None and lane.ctx.get("photo") and lane.photo_dir is not None:  # after a restart
        lane.photo = evidence.load_photo(lane.photo_dir, str(lane.ctx["photo"]))
        lane.face = lane.rules.assess(lane.photo).face if lane.photo is not None else None
    today = lane.clock.wall().date()
    card = lane.rules.card_face  # its background step is CPU work: off the lanes' event loop
    face = await lane.clock.run_blocking(card, holder, lane.photo, lane.face, lane.flow.lane_class, today)
    ticket = await printer.ticket(job)
    lane.store.print_job_sent(job, lane.cycle_id, lane.lane_id, ticket.counter, lane.stamp())
    await printer.print_card(PrintJob(job, face, CARD_LAYOUT["photo"]), ticket)
    await lane.fire("printed", actor="printer", job=job)


async def run_handover(lane: LaneController) -> None:
    lane.request("handover")


async def run_fault(lane: LaneController) -> None:
    lane.request("fault", cause=lane.ctx.get("fault_cause", ""), stage=lane.faulted_from or "")


#: The runner of each stage that has work of its own (closed has none; rejected lets the vehicle out).
RUNNERS: Mapping[Stage, Runner] = {
    Stage.IDLE: run_idle,
    Stage.ARRIVED: run_arrived,
    Stage.PLATE: run_plate,
    Stage.DOCUMENTS: run_documents,
    Stage.PAYMENT: run_payment,
    Stage.PHOTO: run_photo,
    Stage.PRINTING: run_printing,
    Stage.HANDOVER: run_handover,
    Stage.EXITING: run_exiting,
    Stage.REJECTED: run_exiting,
    Stage.FAULT: run_fault,
}
