"""Site planning's walk through the renewal flow table, its layouts and its day simulation (flows/plan_model.py,
flows/plan_sim.py): the walk follows the table (so a changed flow changes the plan), mishaps take the table's
side ways, a stage past its hard budget faults, an impossible layout is refused."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace

import pytest

from flows.plan_model import Demand, Dist, Layout, PlanError, Segment, StepTimes, walk
from flows.plan_sim import figures, flow_service, simulate_day
from flows.renewal import TABLE, LaneClass, Transition, make_flow
from flows.states import WORKING, Stage

STEPS = {
    name: Dist("lognormal", median, sigma)
    for name, (median, sigma) in {
        "drive_in": (12, 0.3),
        "drive_out": (8, 0.3),
        "documents": (70, 0.35),
        "payment": (35, 0.3),
        "photo": (30, 0.3),
        "handover": (15, 0.3),
        "operator_reaction": (4, 0.5),
        "plate_typing": (10, 0.3),
    }.items()
}
TIMES = StepTimes(STEPS)
A, C = LaneClass.A, LaneClass.C
PROFILE = (0.0,) * 8 + (0.16, 0.18, 0.15, 0.13, 0.10, 0.10, 0.10, 0.08) + (0.0,) * 8


def demand(a: float, c: float) -> Demand:
    return Demand({A: tuple(a * p for p in PROFILE), C: tuple(c * p for p in PROFILE)})


def stages(segments: list[Segment]) -> list[Stage]:
    return [s.stage for s in segments]


def test_a_renewal_walks_the_working_stages_in_order() -> None:
    segments, rejected = walk(make_flow(A), TIMES, frozenset(), random.Random(1))
    assert stages(segments) == list(WORKING) and not rejected
    officer = {s.stage for s in segments if s.officer_s > 0}
    assert officer == {Stage.DOCUMENTS, Stage.HANDOVER}  # the plate is read by the camera


def test_mishaps_take_the_tables_side_ways() -> None:
    segments, rejected = walk(make_flow(C), TIMES, frozenset({"documents_rejected"}), random.Random(1))
    assert stages(segments) == [Stage.ARRIVED, Stage.PLATE, Stage.DOCUMENTS, Stage.REJECTED] and rejected
    segments, _ = walk(make_flow(C), TIMES, frozenset({"photo_retake", "plate_unread"}), random.Random(1))
    assert stages(segments).count(Stage.PHOTO) == 2
    plate = segments[1]
    assert plate.stage is Stage.PLATE and plate.seconds > 8.0 and plate.officer_s > 0  # waited, then typed
    # No retries allowed by the flow: the photo is taken once, retake or not.
    segments, _ = walk(make_flow(C, max_retries=0), TIMES, frozenset({"photo_retake"}), random.Random(1))
    assert stages(segments).count(Stage.PHOTO) == 1


def test_a_change_to_the_flow_changes_the_plan() -> None:
    # A flow where paying moves to the window before the lane (documents_ok leads straight to the photo).
    table = tuple(
        Transition("documents_ok", Stage.DOCUMENTS, Stage.PHOTO, t.conditions) if t.trigger == "documents_ok" else t
        for t in TABLE
    )
    normal, changed = make_flow(A), replace(make_flow(A), transitions=table)
    segments, _ = walk(changed, TIMES, frozenset(), random.Random(1))
    assert Stage.PAYMENT not in stages(segments)
    need = demand(60, 0)
    layout = Layout({A: 1}, {A: 1})
    before = [simulate_day(flow_service({A: normal}, TIMES, {}), need, layout, s) for s in range(4)]
    after = [simulate_day(flow_service({A: changed}, TIMES, {}), need, layout, s) for s in range(4)]
    f0, f1 = figures(layout, need, before, 600), figures(layout, need, after, 600)
    assert f1.total_median.upper < f0.total_median.lower  # about the 35 s of payment, and less waiting
    assert f1.lane_util.mean < f0.lane_util.mean


class Slow:
    """Documents that take an hour: past the hard budget every time."""

    def draw(self, lane_class: LaneClass, stage: Stage, trigger: str, visit: int, rng: random.Random) -> Segment:
        if stage is Stage.DOCUMENTS:
            return Segment(stage, 3600.0, 3600.0)
        return TIMES.draw(lane_class, stage, trigger, visit, rng)

    def mishap_shares(self, shares: Mapping[str, float]) -> Mapping[str, float]:
        return shares


def test_a_stage_past_its_hard_budget_faults_and_is_aborted_after_the_resumes() -> None:
    flow = make_flow(A)
    segments, rejected = walk(flow, Slow(), frozenset(), random.Random(1))
    assert rejected and stages(segments)[-1] is Stage.REJECTED
    assert stages(segments).count(Stage.FAULT) == 4
    hard = flow.budgets[Stage.DOCUMENTS].hard
    assert all(s.seconds == hard for s in segments if s.stage is Stage.DOCUMENTS)


def test_a_layout_the_flow_cannot_serve_is_refused() -> None:
    need = demand(20, 80)
    with pytest.raises(PlanError, match="SIM C has 80 renewals a day but no lane"):
        Layout({A: 2}, {A: 2}).check(need)
    with pytest.raises(PlanError, match="SIM A has 20 renewals a day but no lane"):
        simulate_day(flow_service({C: make_flow(C)}, TIMES, {}), need, Layout({C: 3}, {C: 3}), 1)
    with pytest.raises(PlanError, match="between 2 and 4 officers for 4 lanes"):
        Layout({A: 1, C: 4}, {A: 1, C: 1}).check(need)
    Layout({A: 1, C: 4}, {A: 1, C: 2}).check(need)  # one officer for two lanes is allowed


def test_an_officer_for_two_lanes_makes_drivers_wait_for_the_officer() -> None:
    need = demand(0, 160)
    service = flow_service({C: make_flow(C)}, TIMES, {})
    own, shared = Layout({C: 2}, {C: 2}), Layout({C: 2}, {C: 1})
    f_own = figures(own, need, [simulate_day(service, need, own, s) for s in range(4)], 600)
    f_shared = figures(shared, need, [simulate_day(service, need, shared, s) for s in range(4)], 600)
    assert f_shared.total_median.lower > f_own.total_median.upper
    assert f_shared.officer_util.mean > 1.5 * f_own.officer_util.mean


def test_a_full_queue_turns_drivers_away() -> None:
    need = demand(0, 300)  # far more than one lane serves
    service = flow_service({C: make_flow(C)}, TIMES, {})
    small = Layout({C: 1}, {C: 1}, capacity=3)
    day = simulate_day(service, need, small, 1)
    assert day.balked > 0 and max(max(v) for v in day.queue.values()) <= 3
    # Those served wait at most three renewals, but those turned away count as twice the target: the layout fails.
    f = figures(small, need, [day, simulate_day(service, need, small, 2)], 600)
    assert f.goal_met.mean < 0.6 and not f.holds
    assert all(f.hour_p90[h].mean == pytest.approx(1200) for h in (9, 10)), f.hour_p90
    patient = simulate_day(service, need, Layout({C: 1}, {C: 1}, capacity=1000), 1, Dist("fixed", value=600.0))
    assert patient.reneged > 0 and patient.balked == 0
    assert max(patient.waits) <= 600.0
