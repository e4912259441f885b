"""lane.report.stats against the standard library: the report's order statistics (one partition of a copy) equal
statistics.median, lane.summary.p90 and max on any durations, and the grouped figures equal the same functions run
group by group: service, and the total (wait + service, the service alone with no queue entry) and the wait."""

from __future__ import annotations

import statistics

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from lane.report import stats
from lane.report.model import OUTCOMES
from lane.summary import p90

durations = st.lists(st.floats(min_value=0.0, max_value=1e5, allow_nan=False), min_size=1, max_size=200)


@given(durations)
def test_order_stats_equal_the_standard_library(values: list[float]) -> None:
    array = np.array(values)
    assert stats.order_stats(array) == (statistics.median(values), p90(values), max(values))
    assert list(array) == values, "the caller's array is left as it was"


@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(OUTCOMES[:4]),
            st.floats(0.0, 2000.0, allow_nan=False),
            st.none() | st.floats(0.0, 3000.0, allow_nan=False),
        ),
        max_size=120,
    )
)
def test_grouped_figures_equal_each_group_alone(rows: list[tuple[int, str, float, float | None]]) -> None:
    names = [f"g{i}" for i in range(6)]
    key = np.array([r[0] for r in rows], dtype=np.int64)
    outcome = np.array([OUTCOMES.index(r[1]) for r in rows], dtype=np.int64)
    duration = np.array([r[2] for r in rows], dtype=np.float64)
    n = len(rows)
    cycles = stats.Cycles(
        lanes=["L1"],
        lane=np.zeros(n, np.int64),
        day=key,
        hour=key,
        outcome=outcome,
        duration=duration,
        wait=np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=np.float64),
        stages=np.zeros((10, n)),
    )
    for g, f in enumerate(stats.figures(names, key, cycles, 600.0)):
        done = [d for k, o, d, _ in rows if k == g and o == "completed"]
        total = [d + (w or 0.0) for k, o, d, w in rows if k == g and o == "completed"]
        waits = [w for k, o, _, w in rows if k == g and o == "completed" and w is not None]
        assert (f.completed, f.rejected) == (len(done), sum(1 for k, o, _, _ in rows if k == g and o == "rejected"))
        assert (f.total_time.n, f.wait_time.n, f.unqueued) == (len(done), len(waits), len(done) - len(waits))
        for times, values in ((f.total_time, total), (f.wait_time, waits)):
            if values:
                assert (times.median_s, times.p90_s, times.max_s) == (
                    statistics.median(values),
                    p90(values),
                    max(values),
                )
                assert times.under_target == sum(1 for v in values if v < 600.0) / len(values)
            else:
                assert times.median_s is times.under_target is None
        if done:
            assert (f.median_s, f.p90_s, f.max_s) == (statistics.median(done), p90(done), max(done))
            assert f.under_target == sum(1 for d in done if d < 600.0) / len(done)
        else:
            assert f.median_s is f.p90_s is f.max_s is f.under_target is None
