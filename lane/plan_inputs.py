"""`lane plan`'s inputs from the site file and the command line: the design day's demand, the renewal flow of each
class, the step times, and the candidate layouts (parsed from `A1,C3/2,shared,q15` or made around the site).

Precedence as everywhere: command-line arguments, then `[plan]`, then `[simulation]` and the lanes.
"""

from __future__ import annotations

import math
import random
import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from flows.plan_model import Demand, Dist, Layout, PlanError, StepTimes
from flows.plan_sim import Service
from flows.renewal import Flow, LaneClass, make_flow
from lane.config import Distribution, SiteConfig

#: Days in an average month, for a month's figure spread over the weekdays.
MONTH_DAYS = 365.25 / 12
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Candidate layouts are sized so that the busiest hour's offered load is at most this share of the lanes.
TARGET_LOAD = 0.85
#: More renewals on one day than this is not one site (and would take minutes a layout-day to simulate).
MAX_PER_DAY = 10_000
_PART = re.compile(
    r"^(?:(?P<cls>[AC])(?P<lanes>\d{1,2})(?:/(?P<off>\d{1,2}))?|(?P<queue>shared|per-lane)|q(?P<cap>\d{1,4}))$"
)


@dataclass(frozen=True)
class DemandSpec:
    """What the demand was made of, for the output to say."""

    per_day: float
    weekday: str
    sim_a_share: float
    source: str


def dist(d: Distribution) -> Dist:
    return Dist(d.kind, d.median or 0.0, d.sigma, d.low or 0.0, d.high or 0.0, d.value or 0.0)


def step_times(config: SiteConfig) -> StepTimes:
    """The configured human steps; plates typed when every configured lane has them typed."""
    steps = {name: dist(getattr(config.simulation.steps, name)) for name in type(config.simulation.steps).model_fields}
    typed = all(lane.devices.plate_reader == "operator" for lane in config.lanes)
    return StepTimes(
        steps, plate_typed=typed, plate_wait=config.rules.plate_wait, retake_delay=config.photo.retake_delay
    )


def flows(config: SiteConfig) -> dict[LaneClass, Flow]:
    """Each class's flow as its first configured lane runs it (budget overrides included), else the default."""
    out = {c: make_flow(c, None, config.rules.hard_factor, None, config.rules.max_retries) for c in LaneClass}
    for lane in reversed(config.lanes):
        out[lane.lane_class] = config.flow(lane)
    return out


def mishaps(config: SiteConfig, rejected: float | None, retakes: float | None) -> dict[str, float]:
    m = config.simulation.mishaps
    return {
        "documents_rejected": m.documents_rejected if rejected is None else rejected,
        "photo_retake": m.photo_retake if retakes is None else retakes,
        "plate_unread": m.plate_unread,
    }


def demand(
    config: SiteConfig,
    per_day: float | None,
    per_month: float | None,
    sim_a_share: float | None,
    shares: Mapping[str, float],
) -> tuple[Demand, DemandSpec]:
    """The design day: renewals per class per hour of the day."""
    plan = config.plan
    weights = plan.weekdays
    weekday = plan.weekday if plan.weekday is not None else max(range(7), key=lambda i: weights[i])
    per_day = per_day or plan.renewals_per_day
    per_month = per_month or plan.renewals_per_month
    if per_day is not None:
        source = f"{per_day:g} renewals a day"
    elif per_month is not None:
        if weights[weekday] <= 0 or sum(weights) <= 0:
            raise PlanError(f"[plan] weekdays: the design day ({WEEKDAYS[weekday]}) has no weight")
        per_day = per_month * weights[weekday] / (MONTH_DAYS / 7 * sum(weights))
        source = f"{per_month:g} renewals a month, {WEEKDAYS[weekday]}'s share"
    else:
        hours_open = sum(1 for w in plan.hours if w > 0)
        per_day = config.simulation.arrivals_per_hour * len(config.lanes) * hours_open
        source = f"[simulation] arrivals_per_hour {config.simulation.arrivals_per_hour:g} x {len(config.lanes)} lanes"
    if per_day > MAX_PER_DAY:
        raise PlanError(
            f"demand: {per_day:.0f} renewals on the design day ({source}); one site serves at most {MAX_PER_DAY}"
        )
    a_lanes = sum(lane.lane_class is LaneClass.A for lane in config.lanes)
    share_a = sim_a_share if sim_a_share is not None else plan.sim_a_share
    share_a = share_a if share_a is not None else a_lanes / len(config.lanes)
    total = sum(plan.hours)
    if total <= 0 or plan.open_hour + len(plan.hours) > 24:
        raise PlanError("[plan] hours: need a positive share in some hour, and open_hour + len(hours) <= 24")
    per_hour: dict[LaneClass, tuple[float, ...]] = {}
    for c, share in ((LaneClass.A, share_a), (LaneClass.C, 1 - share_a)):
        rates = [0.0] * 24
        for i, w in enumerate(plan.hours):
            rates[plan.open_hour + i] = per_day * share * w / total
        per_hour[c] = tuple(rates)
    return Demand(per_hour, dict(shares)), DemandSpec(per_day, WEEKDAYS[weekday], share_a, source)


def parse_layout(spec: str, capacity: int) -> Layout:
    """`A1,C3/2,shared,q15`: lanes (and officers, default one a lane) per class, the queue kind, its capacity."""
    lanes: dict[LaneClass, int] = {}
    officers: dict[LaneClass, int] = {}
    shared = True
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        m = _PART.match(part)
        if m is None:
            raise PlanError(
                f"--layout {spec!r:.80}: cannot read {part!r:.20} (expected e.g. A1,C3/2,shared,q15: "
                "lanes/officers per class, shared or per-lane, q and the queue's capacity)"
            )
        if m["cls"]:
            c = LaneClass(m["cls"])
            lanes[c] = int(m["lanes"])
            officers[c] = int(m["off"]) if m["off"] else lanes[c]
        elif m["queue"]:
            shared = m["queue"] == "shared"
        else:
            capacity = int(m["cap"])
    return Layout(lanes, officers, shared, capacity)


def mean_service(service: Service, lane_class: LaneClass, n: int = 2000) -> float:
    rng = random.Random(1)
    return statistics.fmean(sum(s.seconds for s in service(lane_class, rng)[0]) for _ in range(n))


def candidates(config: SiteConfig, need: Demand, service: Service, capacity: int) -> list[Layout]:
    """Twelve layouts around the one the busiest hour needs (at least the configured lanes): one lane fewer and one
    more of each class (two more when one fewer would be none), each lane with its own officer and a shared queue;
    and the middle of them with a queue per lane, with an officer for two lanes, and one more lane of the busier class
    with an officer for two of them."""
    base: dict[LaneClass, int] = {}
    for c in LaneClass:
        peak = max(need.per_hour[c]) if need.per_day(c) else 0.0
        configured = sum(lane.lane_class is c for lane in config.lanes)
        load = peak * mean_service(service, c) / 3600 if peak else 0.0
        base[c] = max(configured, math.ceil(load / TARGET_LOAD)) if peak else 0
    out: list[Layout] = []
    grid = {c: [max(1, base[c] - 1) + k for k in range(3)] if base[c] else [0] for c in LaneClass}
    for n_a in grid[LaneClass.A]:
        for n_c in grid[LaneClass.C]:
            lanes = {LaneClass.A: n_a, LaneClass.C: n_c}
            out.append(Layout(lanes, dict(lanes), True, capacity))
    mid = {c: grid[c][len(grid[c]) // 2] for c in LaneClass}
    half = {c: (n + 1) // 2 for c, n in mid.items()}
    busier = max(LaneClass, key=need.per_day)
    more = {**mid, busier: mid[busier] + 1}
    out += [
        Layout(mid, dict(mid), False, capacity),
        Layout(mid, half, True, capacity),
        Layout(more, {**mid, busier: (more[busier] + 1) // 2}, True, capacity),
    ]
    unique = {layout.name: layout for layout in out}
    return sorted(unique.values(), key=lambda layout: layout.size())
