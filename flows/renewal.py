"""The renewal as data: the transition table with named guards, stage budgets and the SIM A / SIM C variants.

Everything that decides which state a lane may move to lives here, as values. The lane package builds a
`transitions` machine from `Flow.transitions` and implements each guard named in `GUARDS` on its model.
This module does no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from flows.states import RETRYABLE, TIMED, WITH_VEHICLE, WORKING, Stage

#: The whole-renewal target the budgets are planned against (seconds).
TARGET_SECONDS = 600.0
#: The budgets of one flow may add up to at most this, leaving slack inside the target.
BUDGET_CEILING_SECONDS = 480.0


class LaneClass(StrEnum):
    """The kind of lane: which licence class it renews."""

    A = "A"  # cars
    C = "C"  # motorcycles


@dataclass(frozen=True)
class Transition:
    """One row of the table: `trigger` moves `source` to `dest` when every guard in `conditions` holds and
    none in `unless` does."""

    trigger: str
    source: Stage
    dest: Stage
    conditions: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The row in the form `transitions.Machine(transitions=[...])` takes."""
        return {
            "trigger": self.trigger,
            "source": self.source.value,
            "dest": self.dest.value,
            "conditions": list(self.conditions),
            "unless": list(self.unless),
        }


@dataclass(frozen=True)
class Budget:
    """Time allowed in a stage: past `soft` the driver is prompted and the operator alerted; past `hard` the
    lane goes to fault for the operator."""

    soft: float
    hard: float

    def __post_init__(self) -> None:
        if not 0 < self.soft <= self.hard:
            raise ValueError(f"budget needs 0 < soft <= hard, got soft={self.soft} hard={self.hard}")


#: Guards the lane model must provide, with what each one means.
GUARDS: Mapping[str, str] = {
    "plate_valid": "the plate (read or typed) fits the plate grammar",
    "documents_checked": "the document check passed",
    "receipt_recorded": "a payment receipt number was recorded",
    "photo_taken": "a photo was captured and accepted",
    "card_printed": "the printer confirmed the card",
    "reason_given": "the operator gave a reason",
    "vehicle_present": "a cycle is open (a vehicle stands in the lane)",
    "close_requested": "the operator asked to close the lane after this vehicle",
    "retry_allowed": "the stage has retries left",
    **{f"faulted_in_{s.value}": f"the fault happened in {s.value}" for s in (Stage.IDLE, *TIMED)},
}


def _table() -> tuple[Transition, ...]:
    s = Stage
    rows = [
        Transition("vehicle_arrived", s.IDLE, s.ARRIVED),
        Transition("admitted", s.ARRIVED, s.PLATE),
        Transition("plate_read", s.PLATE, s.DOCUMENTS, ("plate_valid",)),
        Transition("plate_entered", s.PLATE, s.DOCUMENTS, ("plate_valid",)),
        Transition("documents_ok", s.DOCUMENTS, s.PAYMENT, ("documents_checked",)),
        Transition("documents_rejected", s.DOCUMENTS, s.REJECTED, ("reason_given",)),
        Transition("paid", s.PAYMENT, s.PHOTO, ("receipt_recorded",)),
        Transition("photo_accepted", s.PHOTO, s.PRINTING, ("photo_taken",)),
        Transition("printed", s.PRINTING, s.HANDOVER, ("card_printed",)),
        Transition("handed_over", s.HANDOVER, s.EXITING),
        Transition("reprint", s.HANDOVER, s.PRINTING, ("reason_given",)),
        Transition("open_lane", s.CLOSED, s.IDLE),
        Transition("close_lane", s.IDLE, s.CLOSED),
    ]
    for way_out in (s.EXITING, s.REJECTED):
        rows.append(Transition("vehicle_left", way_out, s.CLOSED, ("close_requested",)))
        rows.append(Transition("vehicle_left", way_out, s.IDLE, (), ("close_requested",)))
    for stage in sorted(RETRYABLE, key=list(Stage).index):
        rows.append(Transition("retry", stage, stage, ("retry_allowed",)))
    for stage in (*WORKING[:-1],):
        rows.append(Transition("abort", stage, s.REJECTED, ("reason_given",)))
    # Any state but closed and fault itself can fall into fault; the operator takes it from there.
    for stage in (s.IDLE, *TIMED):
        rows.append(Transition("fault", stage, s.FAULT))
        rows.append(Transition("resume", s.FAULT, stage, (f"faulted_in_{stage.value}",)))
    # After hand-over the renewal is done: what is left is the exit, so a fault there is resumed, never aborted.
    rows.append(Transition("abort", s.FAULT, s.REJECTED, ("reason_given", "vehicle_present"), ("faulted_in_exiting",)))
    rows.append(Transition("abort", s.FAULT, s.IDLE, ("reason_given",), ("vehicle_present",)))
    rows.append(Transition("close_lane", s.FAULT, s.CLOSED, ("reason_given",), ("vehicle_present",)))
    return tuple(rows)


TABLE: tuple[Transition, ...] = _table()

#: Default budgets (soft seconds) per lane class. A car driver steps out for the photo; a rider stays on the
#: motorcycle but takes the helmet off. Each adds up to at most BUDGET_CEILING_SECONDS.
DEFAULT_BUDGETS: Mapping[LaneClass, Mapping[Stage, float]] = {
    LaneClass.A: {
        Stage.ARRIVED: 30,
        Stage.PLATE: 30,
        Stage.DOCUMENTS: 120,
        Stage.PAYMENT: 60,
        Stage.PHOTO: 90,
        Stage.PRINTING: 90,
        Stage.HANDOVER: 30,
        Stage.EXITING: 30,
        Stage.REJECTED: 60,
    },
    LaneClass.C: {
        Stage.ARRIVED: 20,
        Stage.PLATE: 30,
        Stage.DOCUMENTS: 120,
        Stage.PAYMENT: 60,
        Stage.PHOTO: 60,
        Stage.PRINTING: 90,
        Stage.HANDOVER: 30,
        Stage.EXITING: 20,
        Stage.REJECTED: 60,
    },
}

#: Licence classes a lane of each kind renews.
CLASSES_SERVED: Mapping[LaneClass, tuple[str, ...]] = {
    LaneClass.A: ("A",),
    LaneClass.C: ("C", "C I", "C II"),
}

#: Vehicle category text printed on the card for each lane kind.
VEHICLE_CATEGORY: Mapping[LaneClass, str] = {
    LaneClass.A: "Mobil penumpang / barang <= 3.500 kg",
    LaneClass.C: "Sepeda motor <= 250 cc",
}


@dataclass(frozen=True)
class Flow:
    """A renewal flow for one kind of lane: the table plus the budgets that lane runs with."""

    lane_class: LaneClass
    budgets: Mapping[Stage, Budget]
    transitions: tuple[Transition, ...] = TABLE
    initial: Stage = Stage.IDLE
    max_retries: int = 3
    classes_served: tuple[str, ...] = field(default=())

    def budget_total(self) -> float:
        """Sum of the soft budgets of the working stages: the planned length of one renewal."""
        return sum(self.budgets[s].soft for s in WORKING)

    def triggers(self) -> frozenset[str]:
        return frozenset(t.trigger for t in self.transitions)

    def exits(self, stage: Stage) -> list[Transition]:
        return [t for t in self.transitions if t.source is stage]


def make_flow(
    lane_class: LaneClass | str,
    soft: Mapping[Stage, float] | None = None,
    hard_factor: float = 3.0,
    hard: Mapping[Stage, float] | None = None,
    max_retries: int = 3,
) -> Flow:
    """The flow of a SIM A or SIM C lane, with the default budgets overridden by `soft` and `hard` (seconds).
    A stage's hard limit is `hard_factor` times its soft budget unless given."""
    kind = LaneClass(lane_class)
    soft_all = {**DEFAULT_BUDGETS[kind], **(soft or {})}
    hard = hard or {}
    budgets = {st: Budget(sec, hard.get(st, sec * hard_factor)) for st, sec in soft_all.items()}
    return Flow(kind, budgets, max_retries=max_retries, classes_served=CLASSES_SERVED[kind])


def reachable(transitions: Iterable[Transition], start: Stage = Stage.IDLE) -> set[Stage]:
    """Every stage reachable from `start` by some sequence of triggers (guards assumed satisfiable)."""
    rows = list(transitions)
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for row in rows:
            if row.source is here and row.dest not in seen:
                seen.add(row.dest)
                todo.append(row.dest)
    return seen


def vehicle_stage(stage: Stage) -> bool:
    """Whether a vehicle stands in the lane in this stage."""
    return stage in WITH_VEHICLE
