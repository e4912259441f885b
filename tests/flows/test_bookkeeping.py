"""The bookkeeping of a transition (flows.bookkeeping.bookkeep): a pure function of the transition and the context."""

from __future__ import annotations

from typing import Any

from flows.bookkeeping import bookkeep, card_job, cycle_name
from flows.renewal import GUARDS
from flows.states import Stage
from lane.machine import LaneCore


def _book(src: Stage, dst: Stage, trigger: str, data: dict[str, Any], ctx: dict[str, Any], **kw: Any) -> Any:
    return bookkeep(src, dst, trigger, data, ctx, lane="L1", cycle=kw.pop("cycle", 7), faulted_from=None, **kw)


def test_the_cycle_name_and_card_jobs_are_made_in_one_form() -> None:
    assert cycle_name("L1", 42) == "L1-000042"
    assert cycle_name("L1", None) == "L1-000000"
    assert card_job("L2", 3, 2) == "L2-000003-2"


def test_trigger_data_goes_onto_the_cycle_row_and_into_the_context() -> None:
    done = _book(Stage.PLATE, Stage.DOCUMENTS, "plate_read", {"plate": "G 1234 AB", "other": 1}, {"a": 1})
    assert done.update == {"plate": "G 1234 AB"}
    assert done.ctx == {"a": 1, "plate": "G 1234 AB"}
    assert (done.printed, done.voided, done.faulted_from) == (None, None, None)
    assert not done.opening and not done.closing


def test_the_context_given_is_not_changed() -> None:
    ctx = {"retries": {"photo": 1}}
    done = _book(Stage.PHOTO, Stage.PHOTO, "retry", {}, ctx)
    assert ctx == {"retries": {"photo": 1}}
    assert done.ctx["retries"] == {"photo": 2} and done.update == {"retries": 2}


def test_entering_printing_opens_the_first_card_job_once() -> None:
    done = _book(Stage.PHOTO, Stage.PRINTING, "photo_accepted", {"photo_file": "p.jpg"}, {})
    assert done.ctx["card_job"] == done.update["card_job"] == "L1-000007-1" and done.ctx["prints"] == 1
    again = _book(Stage.PRINTING, Stage.PRINTING, "restart", {}, done.ctx)
    assert "card_job" not in again.update


def test_printed_then_reprint_voids_the_card_and_opens_a_new_job() -> None:
    ctx = {"card_job": "L1-000007-1", "prints": 1}
    printed = _book(Stage.PRINTING, Stage.HANDOVER, "printed", {"job": "L1-000007-1"}, ctx)
    assert printed.printed == "L1-000007-1" and printed.ctx["card"] == "L1-000007-1"
    reprint = _book(Stage.HANDOVER, Stage.PRINTING, "reprint", {"reason": "smudged"}, printed.ctx)
    assert reprint.voided == ("L1-000007-1", "smudged")
    assert reprint.update == {"reprints": 1, "card_job": "L1-000007-2"} and "card" not in reprint.ctx


def test_a_retry_with_a_voided_job_opens_a_new_job_without_a_card_row() -> None:
    ctx = {"card_job": "L1-000007-1", "prints": 1}
    done = _book(Stage.PRINTING, Stage.PRINTING, "retry", {"void_job": "L1-000007-1"}, ctx)
    assert done.voided is None and done.ctx["card_job"] == "L1-000007-2" and done.update["retries"] == 1


def test_rejected_and_aborted_carry_their_outcome_and_reason() -> None:
    rejected = _book(Stage.DOCUMENTS, Stage.REJECTED, "documents_rejected", {"reason": "expired"}, {})
    assert rejected.ctx["outcome"] == "rejected" and rejected.update["reason"] == "expired"
    aborted = _book(Stage.HANDOVER, Stage.REJECTED, "abort", {"reason": "left"}, {"card": "L1-000007-1"})
    assert aborted.ctx["outcome"] == "aborted" and aborted.voided == ("L1-000007-1", "left")
    restarted = _book(Stage.REJECTED, Stage.REJECTED, "restart", {}, aborted.ctx)
    assert "reason" not in restarted.update and restarted.ctx["reason"] == "left"


def test_a_cycle_opens_on_arrival_and_closes_with_its_outcome() -> None:
    opened = _book(Stage.IDLE, Stage.ARRIVED, "vehicle_arrived", {}, {"stale": 1}, cycle=None)
    assert opened.opening and opened.ctx == {} and not opened.closing
    closed = _book(Stage.REJECTED, Stage.IDLE, "vehicle_left", {}, {"outcome": "aborted"})
    assert closed.closing and closed.update == {"outcome": "aborted"}
    completed = _book(Stage.EXITING, Stage.CLOSED, "vehicle_left", {}, {})
    assert completed.update == {"outcome": "completed"}


def test_a_fault_remembers_where_it_happened_and_why() -> None:
    done = _book(Stage.PHOTO, Stage.FAULT, "fault", {"cause": "camera"}, {})
    assert done.faulted_from is Stage.PHOTO and done.ctx["fault_cause"] == "camera"
    kept = bookkeep(Stage.FAULT, Stage.FAULT, "restart", {}, done.ctx, lane="L1", cycle=7, faulted_from=Stage.PHOTO)
    assert kept.faulted_from is Stage.PHOTO
    resumed = bookkeep(Stage.FAULT, Stage.PHOTO, "resume", {}, done.ctx, lane="L1", cycle=7, faulted_from=Stage.PHOTO)
    assert resumed.faulted_from is None


def test_every_guard_of_the_flow_is_declared_on_the_lane() -> None:
    declared = {name for name in dir(LaneCore) if not name.startswith("_")}
    assert set(GUARDS) - {"close_requested"} <= declared
