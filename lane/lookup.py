"""Past renewals, for the officer: `lookup` finds them by one of plate=, sim= (the SIM number: 12 to 14 digits, 16
on a NIK-numbered card) or nik=, each answered as one line with its personal values masked, and, like every
command, audited (operator_actions, the search terms masked). `reissue` prints a new card for a renewal whose
driver has already left (a lost or spoilt card; a supervisor, with a reason): through the lane's printer and the
print-job machinery (the job committed before it is sent; one left sent by a reissue cut short is settled against
the printer's counter first), then, in one transaction, the cycle's valid card void and the new one valid, so
exactly one valid card remains. Only while the lane is idle or closed: its printer is not printing a driver's
card then.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from devices.base import CardOutcome, PrintJob, PrintTicket
from flows.bookkeeping import card_job
from flows.renewal import LaneClass
from flows.states import Stage
from lane import evidence
from lane.commands import Command
from lane.errors import Refused
from lane.privacy import mask_name, mask_value, scrub
from lane.rules import holder_dict
from plates.grammar import PlateGrammarError, parse

if TYPE_CHECKING:
    from lane.controller import LaneController

#: Renewals one lookup answers with, at most (the newest).
MAX_FOUND = 20


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _search(cmd: Command) -> tuple[str, str]:
    """The cycles' column and the value to look for, from the one search term given."""
    terms = {"plate": cmd.plate.strip(), "sim": cmd.data.get("sim", "").strip(), "nik": cmd.data.get("nik", "")}
    given = {k: v.strip() for k, v in terms.items() if v.strip()}
    if len(given) != 1:
        raise Refused("look up by one of plate=, sim= or nik=")
    ((key, value),) = given.items()
    if key == "plate":
        try:
            return "plate", parse(value).text
        except PlateGrammarError as err:
            raise Refused(f"plate={value}: {err}") from None
    digits = _digits(value)
    if key == "nik" and len(digits) != 16:
        raise Refused("nik= takes the 16 digits of a NIK")
    if key == "sim" and not 10 <= len(digits) <= 16:
        raise Refused("sim= takes a SIM number: 12 to 14 digits, or 16 on a NIK-numbered card")
    return ("nik" if key == "nik" else "sim_number"), digits


def _line(row: dict[str, Any]) -> str:
    when = str(row["started_at"] or "")[:16].replace("T", " ")
    card = f"card {row['card']} {row['card_status']}" if row["card"] else "no card"
    nik, sim = mask_value("nik", row["nik"] or "-"), mask_value("sim", row["sim_number"] or "-")
    who = f"{mask_name(row['holder_name'])} NIK {nik} SIM {sim}"
    return (
        f"#{row['id']} {row['lane']} {when} {row['plate'] or '-'} SIM {row['sim_class'] or '-'} {who} "
        f"{row['outcome']}{': ' + scrub(str(row['reason'])) if row['reason'] else ''}; {card}"
    )


async def lookup(lane: LaneController, cmd: Command, who: str) -> str:
    column, value = _search(cmd)
    rows = list(
        lane.store.db.query(
            f"select c.*, k.job_id as card, k.status as card_status from cycles c "
            f"left join cards k on k.cycle_id = c.id and k.status = 'valid' "
            f"where c.[{column}] = ? order by c.id desc limit ?",
            [value, MAX_FOUND],
        )
    )
    if not rows:
        return "no renewal found"
    return f"{len(rows)} renewal(s) found:\n" + "\n".join(_line(r) for r in rows)


async def _settle_left(lane: LaneController, cycle_id: int, who: str, reason: str) -> str:
    """A reissue cut short (the controller stopped between sending its job and recording its card) is settled
    against the printer's counter first: its card came out (it is the new card: recorded, not printed again), or
    not, or the printer cannot say (the job is void either way: a card of a void job is never valid)."""
    sql = "select job_id, counter from print_jobs where cycle_id = ? and lane = ? and state = 'sent' order by job_id"
    for job in list(lane.store.db.query(sql, [cycle_id, lane.lane_id])):
        outcome = await lane.devices.printer.settle(PrintTicket(job["job_id"], job["counter"]))
        if outcome is CardOutcome.OUT:
            voided = lane.store.card_reissued(cycle_id, job["job_id"], lane.lane_id, lane.stamp(), who, reason)
            return f"card {job['job_id']} (printed before a restart) recorded for renewal #{cycle_id}; void: " + (
                ", ".join(voided) or "none"
            )
        state = "not_out" if outcome is CardOutcome.NOT_OUT else "void"
        lane.store.print_job_settled(job["job_id"], state, lane.stamp(), who)
    return ""


async def reissue(lane: LaneController, cmd: Command, who: str) -> str:
    """A new card for the completed renewal `cycle=`, printed on this lane's printer; the old card void."""
    if lane.stage not in (Stage.IDLE, Stage.CLOSED):
        raise Refused(f"a card is reissued only while the lane is idle or closed (it is {lane.stage})")
    if not cmd.reason.strip():
        raise Refused("reissuing a card needs a reason")
    given = cmd.data.get("cycle", "").strip().lstrip("#")
    found = list(lane.store.db.query("select * from cycles where id = ?", [given])) if given.isdigit() else []
    if not found:
        raise Refused(f"cycle={given}: no such renewal")
    row, cycle_id = found[0], int(given)
    if row["outcome"] != "completed":
        raise Refused(f"renewal #{cycle_id} is {row['outcome']}: only a completed renewal has a card to reissue")
    registry = lane.rules.registry
    holder = registry.lookup(str(row["sim_number"])) if registry is not None and row["sim_number"] else None
    if holder is None:
        raise Refused(f"renewal #{cycle_id}: its holder is no longer in the registry (or retention removed them)")
    left = await _settle_left(lane, cycle_id, who, f"reissued: {cmd.reason}")
    if left:
        return left
    photo = evidence.load_photo(lane.photo_dir, str(row["photo_file"] or ""))
    if photo is None:
        raise Refused(f"renewal #{cycle_id}: its photo is gone (retention): the driver must renew at the counter")
    face = await lane.clock.run_blocking(lane.rules.assess, photo)
    issued = datetime.fromisoformat(str(row["started_at"])).date()
    card = lane.rules.card_face(holder_dict(holder), photo, face.face, LaneClass(row["lane_class"]), issued)
    taken = {
        r["job_id"]
        for r in lane.store.db.query(
            "select job_id from print_jobs where cycle_id = ? union select job_id from cards where cycle_id = ?",
            [cycle_id, cycle_id],
        )
    }
    attempt = len(taken) + 1
    while card_job(str(row["lane"]), cycle_id, attempt) in taken:
        attempt += 1
    job = card_job(str(row["lane"]), cycle_id, attempt)
    printer = lane.devices.printer
    ticket = await printer.ticket(job)
    lane.store.print_job_sent(job, cycle_id, lane.lane_id, ticket.counter, lane.stamp())
    await printer.print_card(PrintJob(job, card), ticket)
    voided = lane.store.card_reissued(cycle_id, job, lane.lane_id, lane.stamp(), who, f"reissued: {cmd.reason}")
    return f"card {job} printed for renewal #{cycle_id}; void: {', '.join(voided) or 'none'}"
