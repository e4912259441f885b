"""Site planning's model of one renewal (`lane plan`): the demand, a candidate layout, and the walk of one driver
through the renewal flow table (flows/renewal.py) with the time each stage takes. Pure: no I/O.

The walk fires the same triggers a lane fires, through the same table and guards: a driver goes in by
`vehicle_arrived`, on by each stage's trigger, out to `rejected` by `documents_rejected`, back into a stage by
`retry` while the flow's `max_retries` allows it, into `fault` when a stage runs past its hard budget (resumed by
the operator, aborted after `MAX_RESUMES`), and ends at idle by `vehicle_left`. So a change to the table (a stage
added or skipped, a retry limit) changes the plan. What the walk leaves out: the devices themselves (booms,
printer and cameras are fixed times measured on the virtual lane), images and plate reading (a plate is read in
`PLATE_READ_S` or typed), and device faults other than a stage over its hard budget.

Stage times come from a `StageTimes`: `StepTimes` composes them from the human steps of `[simulation.steps]`
(as lane/people.py plays them: operator reaction, then the step), `FittedTimes` draws whole stage times fitted
from a site's own cycles (lane/plan_fit.py).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from flows.renewal import Flow, LaneClass, Transition
from flows.states import Stage

#: Device times of the virtual lane (devices/virtual.py, devices/driving.py), measured by `lane simulate`.
GATE_S = 2.0  # a boom's travel; the entry and the exit each open and close once
PRINT_S = 25.0  # one card
PLATE_READ_S = 1.0  # camera frames until `plate_agreement` readings agree
PHOTO_CAPTURE_S = 0.2  # a capture and the face gate
#: A driver leaves the exit loop half a pass after the safety loop (devices/driving.py drive_out).
EXIT_PASS_FACTOR = 1.5
#: Faults of one stage the operator resumes before a supervisor aborts the renewal (lane/people.py).
MAX_RESUMES = 3
#: Guards that hold for a driver who goes through: everything but `close_requested` (the lane stays open).
HELD_GUARDS = frozenset(
    {"plate_valid", "documents_checked", "receipt_recorded", "photo_taken", "card_printed", "reason_given"}
)
#: The trigger that takes each stage on, and the one taken when the stage's mishap happens.
FORWARD: Mapping[Stage, str] = {
    Stage.ARRIVED: "admitted",
    Stage.PLATE: "plate_read",
    Stage.DOCUMENTS: "documents_ok",
    Stage.PAYMENT: "paid",
    Stage.PHOTO: "photo_accepted",
    Stage.PRINTING: "printed",
    Stage.HANDOVER: "handed_over",
    Stage.EXITING: "vehicle_left",
    Stage.REJECTED: "vehicle_left",
}
MISHAP_TRIGGER: Mapping[str, tuple[Stage, str]] = {
    "plate_unread": (Stage.PLATE, "plate_entered"),
    "documents_rejected": (Stage.DOCUMENTS, "documents_rejected"),
    "photo_retake": (Stage.PHOTO, "retry"),
}
#: Triggers a driver's walk never takes of its own accord (the operator's and the fault's).
SIDE_TRIGGERS = frozenset({"abort", "fault", "resume", "retry", "reprint", "close_lane", "open_lane"})


class PlanError(ValueError):
    """A plan that cannot be made: `str()` says what and where, in one line."""


@dataclass(frozen=True)
class Dist:
    """A duration in seconds: lognormal by median and sigma, uniform between low and high, or fixed."""

    kind: str = "lognormal"
    median: float = 0.0
    sigma: float = 0.0
    low: float = 0.0
    high: float = 0.0
    value: float = 0.0

    def draw(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            return self.value
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high)
        return self.median * math.exp(rng.gauss(0.0, self.sigma))

    def describe(self) -> str:
        if self.kind == "fixed":
            return f"fixed {self.value:.1f} s"
        if self.kind == "uniform":
            return f"uniform {self.low:.1f}-{self.high:.1f} s"
        return f"lognormal median {self.median:.1f} s sigma {self.sigma:.2f}"


@dataclass(frozen=True)
class Demand:
    """Renewals of the design day: per class, per hour of the day (24 expected arrivals each)."""

    per_hour: Mapping[LaneClass, tuple[float, ...]]
    mishaps: Mapping[str, float] = field(default_factory=dict)

    def per_day(self, lane_class: LaneClass) -> float:
        return sum(self.per_hour.get(lane_class, ()))

    def classes(self) -> list[LaneClass]:
        return [c for c in LaneClass if self.per_day(c) > 0]

    def busy_hours(self) -> list[int]:
        """Hours with at least one expected arrival: the hours a layout must hold the goal in."""
        return [h for h in range(24) if sum(self.per_hour.get(c, (0.0,) * 24)[h] for c in LaneClass) >= 1.0]


@dataclass(frozen=True)
class Layout:
    """A candidate site: lanes and officers per class, a shared queue per class or a queue per lane, and how many
    vehicles a queue holds before the road (a driver who finds it full drives on: balking)."""

    lanes: Mapping[LaneClass, int]
    officers: Mapping[LaneClass, int]
    shared: bool = True
    capacity: int = 20

    @property
    def name(self) -> str:
        parts = [f"{c.value}{self.lanes.get(c, 0)}/{self.officers.get(c, 0)}" for c in LaneClass]
        return f"{' '.join(parts)} {'shared' if self.shared else 'per-lane'} q{self.capacity}"

    def size(self) -> tuple[int, int, int]:
        """What "smaller" means: fewer lanes, then fewer officers, then a shorter queue."""
        return (sum(self.lanes.values()), sum(self.officers.values()), self.capacity)

    def check(self, demand: Demand) -> None:
        """PlanError when the flow cannot serve the demand with this layout."""
        for c in LaneClass:
            n, o = self.lanes.get(c, 0), self.officers.get(c, 0)
            if demand.per_day(c) > 0 and n < 1:
                raise PlanError(
                    f"layout {self.name}: SIM {c.value} has {demand.per_day(c):.0f} renewals a day but no lane: "
                    f"only a SIM {c.value} lane renews SIM {c.value}"
                )
            if n > 0 and not (n + 1) // 2 <= o <= n:
                raise PlanError(
                    f"layout {self.name}: SIM {c.value} needs between {(n + 1) // 2} and {n} officers for {n} lanes "
                    f"(one officer serves one or two lanes), got {o}"
                )
        if self.capacity < 0:
            raise PlanError(f"layout {self.name}: queue capacity must be 0 or more, got {self.capacity}")


@dataclass(frozen=True)
class Segment:
    """Time in one stage: `seconds` in all, of which the last `officer_s` need the lane's officer."""

    stage: Stage
    seconds: float
    officer_s: float = 0.0


class StageTimes(Protocol):
    def draw(self, lane_class: LaneClass, stage: Stage, trigger: str, visit: int, rng: random.Random) -> Segment: ...

    def mishap_shares(self, shares: Mapping[str, float]) -> Mapping[str, float]: ...


@dataclass(frozen=True)
class StepTimes:
    """Stage times composed from the configured human steps, as the simulated people and virtual devices play them."""

    steps: Mapping[str, Dist]
    plate_typed: bool = False  # every plate typed by the operator (plate_reader = "operator")
    plate_wait: float = 8.0
    retake_delay: float = 6.0

    def _d(self, name: str, rng: random.Random) -> float:
        return self.steps[name].draw(rng)

    def draw(self, lane_class: LaneClass, stage: Stage, trigger: str, visit: int, rng: random.Random) -> Segment:
        if stage is Stage.ARRIVED:
            return Segment(stage, 2 * GATE_S + self._d("drive_in", rng))
        if stage in (Stage.EXITING, Stage.REJECTED):
            return Segment(stage, 2 * GATE_S + EXIT_PASS_FACTOR * self._d("drive_out", rng))
        if stage is Stage.PLATE:
            if trigger == "plate_read" and not self.plate_typed:
                return Segment(stage, PLATE_READ_S)
            typed = self._d("operator_reaction", rng) + self._d("plate_typing", rng)
            return Segment(stage, typed + (0.0 if self.plate_typed else self.plate_wait), typed)
        if stage in (Stage.DOCUMENTS, Stage.HANDOVER, Stage.FAULT):
            own = 0.0 if stage is Stage.FAULT else self._d(stage.value, rng)
            work = self._d("operator_reaction", rng) + own
            return Segment(stage, work, work)
        if stage is Stage.PAYMENT:
            return Segment(stage, self._d("payment", rng))
        if stage is Stage.PHOTO:
            return Segment(stage, PHOTO_CAPTURE_S + (self.retake_delay if visit > 1 else 0.0))
        if stage is Stage.PRINTING:
            return Segment(stage, PRINT_S)
        raise PlanError(f"the plan has no time for stage {stage.value}")

    def mishap_shares(self, shares: Mapping[str, float]) -> Mapping[str, float]:
        return shares


@dataclass(frozen=True)
class FittedTimes:
    """Whole stage times fitted from a site's cycles. Retakes and typed plates are inside the fitted stage times,
    so only rejections are walked as mishaps; the officer is held for the stages that are the officer's."""

    stages: Mapping[tuple[LaneClass, Stage], Dist]
    officer_stages: frozenset[Stage] = frozenset({Stage.PLATE, Stage.DOCUMENTS, Stage.HANDOVER, Stage.FAULT})
    reaction: Dist = Dist("lognormal", 4.0, 0.5)

    def draw(self, lane_class: LaneClass, stage: Stage, trigger: str, visit: int, rng: random.Random) -> Segment:
        dist = self.reaction if stage is Stage.FAULT else self.stages.get((lane_class, stage))
        if dist is None:
            raise PlanError(f"no fitted time for stage {stage.value} of SIM {lane_class.value}")
        seconds = dist.draw(rng)
        return Segment(stage, seconds, seconds if stage in self.officer_stages else 0.0)

    def mishap_shares(self, shares: Mapping[str, float]) -> Mapping[str, float]:
        return {k: v for k, v in shares.items() if k == "documents_rejected"}


def _take(flow: Flow, stage: Stage, trigger: str, held: frozenset[str]) -> Transition | None:
    for row in flow.exits(stage):
        if row.trigger == trigger and set(row.conditions) <= held and not set(row.unless) & held:
            return row
    return None


def _next(flow: Flow, stage: Stage, trigger: str, held: frozenset[str]) -> Transition:
    """The row the walk takes: the wanted trigger, else the stage's one way on (a changed flow), else PlanError."""
    row = _take(flow, stage, trigger, held)
    if row is None:
        ways = [r for r in flow.exits(stage) if r.trigger not in SIDE_TRIGGERS]
        row = next((r for r in ways if _take(flow, stage, r.trigger, held) is r), None)
    if row is None:
        raise PlanError(f"flow SIM {flow.lane_class.value}: no way on from stage {stage.value} by {trigger}")
    return row


def walk(flow: Flow, times: StageTimes, mishaps: frozenset[str], rng: random.Random) -> tuple[list[Segment], bool]:
    """One driver's way through the flow, from `vehicle_arrived` back to idle: the stages with their times, and
    whether the renewal was rejected."""
    held = HELD_GUARDS | {"vehicle_present"}
    stage, retries, resumes = _next(flow, Stage.IDLE, "vehicle_arrived", held).dest, 0, 0
    visits: dict[Stage, int] = {}
    out: list[Segment] = []
    rejected = False
    for _ in range(200):  # a flow that loops for ever is refused, not run for ever
        if stage is Stage.IDLE:
            return out, rejected
        visits[stage] = visits.get(stage, 0) + 1
        trigger = FORWARD.get(stage, "")
        for mishap, (where, instead) in MISHAP_TRIGGER.items():
            if where is stage and mishap in mishaps and (instead != "retry" or visits[stage] == 1):
                trigger = instead
        if trigger == "retry":
            trigger = "retry" if retries < flow.max_retries else FORWARD[stage]
            retries += trigger == "retry"
        guards = held | ({"retry_allowed"} if trigger == "retry" else set())
        seg = times.draw(flow.lane_class, stage, trigger, visits[stage], rng)
        budget = flow.budgets.get(stage)
        if budget is not None and seg.seconds > budget.hard:
            out.append(Segment(stage, budget.hard, min(seg.officer_s, budget.hard)))
            out.append(times.draw(flow.lane_class, Stage.FAULT, "resume", 1, rng))
            resumes += 1
            faulted = held | {f"faulted_in_{stage.value}"}
            abort = _take(flow, Stage.FAULT, "abort", faulted) if resumes > MAX_RESUMES else None
            if abort is not None:  # a supervisor aborts (never after the hand-over: the table says so)
                stage, rejected = abort.dest, True
            else:  # the operator resumes: the stage runs again from its start
                stage = _next(flow, Stage.FAULT, "resume", faulted).dest
                visits[stage] -= 1
            continue
        out.append(seg)
        row = _next(flow, stage, trigger, frozenset(guards))
        rejected = rejected or row.dest is Stage.REJECTED
        stage = row.dest
    raise PlanError(f"flow SIM {flow.lane_class.value}: a renewal does not end within 200 steps")


def draw_mishaps(shares: Mapping[str, float], rng: random.Random) -> frozenset[str]:
    return frozenset(name for name, share in shares.items() if rng.random() < share)
