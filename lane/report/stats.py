"""The cycle figures of a report, with numpy: a year of cycles (about 150,000) in a few tens of milliseconds.

`Cycles` holds the period's cycles as columns (lane, local day and hour, outcome, duration, stage times), as
`lane.report.blocks.merge` puts them together. Medians and 90th percentiles are computed exactly as
`statistics.median` and `lane.summary.p90` (statistics.quantiles, inclusive) compute them: the same order
statistics and the same floating-point operations in the same order, so the report prints what the run summary
prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from lane.report.model import HISTOGRAM_BINS, OUTCOMES, STAGES, Figures, Histogram, StageFigure

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
COMPLETED = OUTCOMES.index("completed")
WORKING = len(STAGES) - 1  # stage columns arrived .. exiting; then rejected, then fault


def median(values: Floats, is_sorted: bool = False) -> float:
    """statistics.median of a non-empty array."""
    n = len(values)
    k = n // 2
    if n % 2:
        return float(values[k] if is_sorted else np.partition(values, k)[k])
    part = values if is_sorted else np.partition(values, (k - 1, k))
    return float((part[k - 1] + part[k]) / 2)


def p90(values: Floats, is_sorted: bool = False) -> float:
    """lane.summary.p90 of a non-empty array: statistics.quantiles(n=10, method="inclusive")[-1]."""
    n = len(values)
    if n == 1:
        return float(values[0])
    j, delta = divmod(9 * (n - 1), 10)
    part = values if is_sorted else np.partition(values, (j, j + 1))
    return float((part[j] * (10 - delta) + part[j + 1] * delta) / 10)


@dataclass(frozen=True)
class Cycles:
    """The period's cycles as columns. `stages` has one column per STAGES entry, then time in fault."""

    lanes: list[str]  # names of the lanes with cycles in the period, by code, sorted
    lane: Ints
    day: Ints  # days after period.first, site time
    hour: Ints  # 0..23, site time
    outcome: Ints  # index in OUTCOMES
    duration: Floats  # NaN while open
    stages: Floats

    @cached_property
    def done(self) -> npt.NDArray[np.bool_]:
        return np.equal(self.outcome, COMPLETED)

    @cached_property
    def done_sorted(self) -> Ints:
        """Indices of the completed cycles, shortest first."""
        index = np.flatnonzero(self.done)
        return index[np.argsort(self.duration[index], kind="stable")]


def figures(names: Sequence[str], key: Ints, c: Cycles, target_s: float) -> list[Figures]:
    """Figures of each group: `key` gives each cycle's group, an index into `names`."""
    groups = len(names)
    counts = np.bincount(key * len(OUTCOMES) + c.outcome, minlength=groups * len(OUTCOMES))
    counts = counts.reshape(groups, len(OUTCOMES))
    shortest_first = c.done_sorted
    k = key[shortest_first].astype(np.int16 if groups < 2**15 else np.int64)
    regroup = np.argsort(k, kind="stable")  # by group, shortest first within each (a radix sort for int16)
    k, d = k[regroup], c.duration[shortest_first][regroup]
    bounds = np.searchsorted(k, np.arange(groups + 1), side="left")
    under = np.bincount(k[d < target_s], minlength=groups)
    out = []
    for g, name in enumerate(names):
        values = d[bounds[g] : bounds[g + 1]]
        n = len(values)
        done, rejected, aborted, abandoned, still_open = (int(x) for x in counts[g])
        out.append(Figures(
            name, done, rejected, aborted, abandoned, still_open,
            median_s=median(values, is_sorted=True) if n else None, p90_s=p90(values, is_sorted=True) if n else None,
            max_s=float(values[-1]) if n else None, under_target=int(under[g]) / n if n else None,
        ))  # fmt: skip
    return out


def column_medians(block: Floats) -> list[float | None]:
    """`median` of each column of a 2-D array, in one partition."""
    n = block.shape[0]
    if n == 0:
        return [None] * block.shape[1]
    k = n // 2
    columns = np.ascontiguousarray(block.T)  # each column in a row of its own: partitioned in place, not strided
    if n % 2:
        return [float(v) for v in np.partition(columns, k, axis=1)[:, k]]
    part = np.partition(columns, (k - 1, k), axis=1)
    return [float(v) for v in (part[:, k - 1] + part[:, k]) / 2]


def stage_figures(group: str, c: Cycles, lanes: Sequence[int],
                  budgets: Sequence[dict[str, float]]) -> list[StageFigure]:  # fmt: skip
    """Stage medians of the cycles of `lanes` (codes), with a budget where every lane's budget agrees. Working
    stages: completed renewals; rejected: rejected and aborted cycles that went through it; fault: cycles with
    time in fault."""
    mine = np.equal(c.lane, lanes[0]) if len(lanes) == 1 else np.isin(c.lane, lanes)
    done = c.stages[mine & c.done, :WORKING]
    ended_out = mine & np.isin(c.outcome, [OUTCOMES.index("rejected"), OUTCOMES.index("aborted")])
    rejected, fault = c.stages[ended_out, WORKING], c.stages[mine, WORKING + 1]
    columns = [(done.shape[0], m) for m in column_medians(done)]
    for values in (rejected[rejected > 0], fault[fault > 0]):
        columns.append((len(values), median(values) if len(values) else None))
    out = []
    for stage, (n, value) in zip((*STAGES, "fault"), columns, strict=True):
        agreed = {b[stage] for b in budgets} if stage != "fault" else set()
        out.append(StageFigure(group, stage, n, value, agreed.pop() if len(agreed) == 1 else None))
    return out


def histogram(c: Cycles, target_s: float) -> Histogram:
    width = target_s / 20
    bins = np.minimum(np.floor(c.duration[c.done] / width), HISTOGRAM_BINS).astype(np.int64)
    return Histogram(width, tuple(int(x) for x in np.bincount(np.maximum(bins, 0), minlength=HISTOGRAM_BINS + 1)))
