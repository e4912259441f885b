"""The renewal as data: the transition table's shape, its guards, the budgets, and that flows/ stays pure."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.renewal import (
    BUDGET_CEILING_SECONDS,
    DEFAULT_BUDGETS,
    GUARDS,
    TABLE,
    Budget,
    LaneClass,
    Transition,
    make_flow,
    reachable,
)
from flows.states import TIMED, WORKING, Stage
from lane.machine import LaneCore

ROOT = Path(__file__).resolve().parents[2]
ALL_STAGES = list(Stage)
GUARD_NAMES = sorted({name for row in TABLE for name in (*row.conditions, *row.unless)})
#: Stages the `fault` trigger leaves from, and `resume` goes back to.
FAULTABLE = [Stage.IDLE, *TIMED]


def _rows(trigger: str, source: Stage | None = None, dest: Stage | None = None) -> list[Transition]:
    return [
        row
        for row in TABLE
        if row.trigger == trigger and (source is None or row.source is source) and (dest is None or row.dest is dest)
    ]


# -- the graph ------------------------------------------------------------------------------------------------


def test_table_rows_are_stages() -> None:
    assert TABLE
    for row in TABLE:
        assert isinstance(row.source, Stage) and isinstance(row.dest, Stage), row


def test_every_stage_is_reachable_from_idle() -> None:
    assert reachable(TABLE) == set(Stage)


def test_reachable_follows_the_rows() -> None:
    """reachable() itself: a two-row table reaches exactly its chain, not the rest of the stages."""
    chain = [Transition("a", Stage.IDLE, Stage.ARRIVED), Transition("b", Stage.ARRIVED, Stage.PLATE)]
    assert reachable(chain) == {Stage.IDLE, Stage.ARRIVED, Stage.PLATE}
    assert reachable(chain, Stage.PLATE) == {Stage.PLATE}


@pytest.mark.parametrize("stage", ALL_STAGES, ids=str)
def test_every_stage_has_a_way_out(stage: Stage) -> None:
    assert any(row.source is stage for row in TABLE), f"{stage} is a dead end"


@pytest.mark.parametrize("stage", ALL_STAGES, ids=str)
def test_idle_is_reachable_again_from_every_stage(stage: Stage) -> None:
    assert Stage.IDLE in reachable(TABLE, stage), f"no way back to idle from {stage}"


def test_no_two_rows_are_the_same() -> None:
    keys = [(r.trigger, r.source, r.dest, r.conditions, r.unless) for r in TABLE]
    assert len(keys) == len(set(keys))


# -- guards ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GUARD_NAMES)
def test_guard_is_documented(name: str) -> None:
    assert name in GUARDS


@pytest.mark.parametrize("name", GUARD_NAMES)
def test_guard_is_implemented_by_lane_core(name: str) -> None:
    assert hasattr(LaneCore, name) or name == "close_requested" or name.startswith("faulted_in_"), name


class _Clock:
    def monotonic(self) -> float:
        return 0.0


def _core() -> LaneCore:
    """A LaneCore without machine, store or devices: enough to look its guards up."""
    return LaneCore("L1", make_flow(LaneClass.A), store=None, clock=_Clock())  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_guard_resolves_on_a_lane_core(name: str) -> None:
    """On an instance every documented guard is a callable or a plain flag (close_requested)."""
    value = getattr(_core(), name)
    assert callable(value) or isinstance(value, bool), (name, value)


def test_faulted_in_guard_is_only_true_for_its_stage() -> None:
    core = _core()
    core.faulted_from = Stage.PHOTO
    assert core.faulted_in_photo(None) is True
    assert core.faulted_in_printing(None) is False
    with pytest.raises(AttributeError):
        _ = getattr(core, "no_such_guard")  # noqa: B009  (a name no guard has: no attribute is made up for it)


# -- budgets --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lane_class", list(LaneClass), ids=str)
def test_default_budgets_fit_the_ceiling(lane_class: LaneClass) -> None:
    budgets = DEFAULT_BUDGETS[lane_class]
    assert set(TIMED) <= set(budgets), f"missing budgets: {set(TIMED) - set(budgets)}"
    assert sum(budgets[s] for s in WORKING) <= BUDGET_CEILING_SECONDS
    assert all(budgets[s] > 0 for s in TIMED)
    flow = make_flow(lane_class)
    assert flow.budget_total() == sum(budgets[s] for s in WORKING)
    assert set(TIMED) <= set(flow.budgets)


def test_make_flow_overrides_a_soft_budget() -> None:
    flow = make_flow("A", {Stage.PHOTO: 100}, hard_factor=2.5)
    assert flow.lane_class is LaneClass.A
    assert flow.budgets[Stage.PHOTO] == Budget(100, 250)
    default = DEFAULT_BUDGETS[LaneClass.A][Stage.DOCUMENTS]
    assert flow.budgets[Stage.DOCUMENTS] == Budget(default, default * 2.5)
    assert DEFAULT_BUDGETS[LaneClass.A][Stage.PHOTO] != 100, "the override leaked into the defaults"
    assert make_flow("A").budgets[Stage.PHOTO].soft == DEFAULT_BUDGETS[LaneClass.A][Stage.PHOTO]


def test_make_flow_takes_a_hard_limit() -> None:
    flow = make_flow(LaneClass.C, hard={Stage.PRINTING: 500})
    assert flow.budgets[Stage.PRINTING] == Budget(DEFAULT_BUDGETS[LaneClass.C][Stage.PRINTING], 500)
    assert flow.classes_served == ("C", "C I", "C II")


def test_make_flow_rejects_an_unknown_class() -> None:
    with pytest.raises(ValueError):
        make_flow("B")


@pytest.mark.parametrize(("soft", "hard"), [(10, 5), (0, 5), (-1, 5), (0, 0)])
def test_budget_rejects(soft: float, hard: float) -> None:
    with pytest.raises(ValueError, match="0 < soft <= hard"):
        Budget(soft, hard)


def test_budget_accepts_soft_equal_to_hard() -> None:
    assert Budget(5, 5).hard == 5


def test_make_flow_rejects_a_hard_limit_below_the_budget() -> None:
    with pytest.raises(ValueError):
        make_flow("A", hard={Stage.PHOTO: 10})


# -- fault and resume -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", FAULTABLE, ids=str)
def test_fault_and_resume(stage: Stage) -> None:
    faults = _rows("fault", source=stage)
    assert [row.dest for row in faults] == [Stage.FAULT]
    resumes = _rows("resume", source=Stage.FAULT, dest=stage)
    assert len(resumes) == 1
    assert resumes[0].conditions == (f"faulted_in_{stage.value}",)
    assert resumes[0].unless == ()


@pytest.mark.parametrize("stage", [Stage.CLOSED, Stage.FAULT], ids=str)
def test_no_fault_from_closed_or_fault(stage: Stage) -> None:
    assert _rows("fault", source=stage) == []


def test_resume_only_goes_back_where_a_fault_came_from() -> None:
    assert {row.dest for row in _rows("resume")} == set(FAULTABLE)


# -- purity of flows/ (their imports: the import-linter contracts in pyproject.toml, `make layers`) ----------------


@pytest.mark.parametrize("relative", ["flows/renewal.py", "flows/states.py", "plates/grammar.py"])
def test_pure_module_does_no_io(relative: str) -> None:
    text = (ROOT / relative).read_text(encoding="utf-8")
    for word in ("open(", "socket", "serial", "sqlite3"):
        assert word not in text, f"{relative} mentions {word!r}"
