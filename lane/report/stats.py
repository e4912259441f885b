"""The cycle figures of a report, with numpy: a year of cycles (about 150,000) in a few tens of milliseconds.

`Cycles` holds the period's cycles as columns (lane, local day and hour, outcome, duration, wait, stage times), as
`lane.report.blocks.merge` puts them together. Medians and 90th percentiles are computed exactly as
`statistics.median` and `lane.summary.p90` (statistics.quantiles, inclusive) compute them: the same order
statistics and the same floating-point operations in the same order, so the report prints what the run summary
prints. Each group has three times over its completed renewals: service (`duration`, lane entry to exit), wait
(queue entry to lane entry, over those with a queue entry) and total (wait + service; with no queue entry, the
service alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from lane.report.model import HISTOGRAM_BINS, OUTCOMES, STAGES, Figures, Histogram, StageFigure, Times

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
COMPLETED = OUTCOMES.index("completed")
WORKING = len(STAGES) - 1  # stage columns arrived .. exiting; then rejected, then fault


def median(values: Floats) -> float:
    """statistics.median of a non-empty array."""
    return order_stats(values)[0]


def order_stats(values: Floats) -> tuple[float, float, float]:
    """(statistics.median, lane.summary.p90, max) of a non-empty array, from one partition of a copy: p90 is
    statistics.quantiles(n=10, method="inclusive")[-1], the same order statistics in the same operations."""
    n = len(values)
    if n == 1:
        v = float(values[0])
        return v, v, v
    k = n // 2
    j, delta = divmod(9 * (n - 1), 10)
    part = np.partition(values, sorted({k - 1, k, j, j + 1, n - 1}))
    mid = float(part[k]) if n % 2 else float((part[k - 1] + part[k]) / 2)
    return mid, float((part[j] * (10 - delta) + part[j + 1] * delta) / 10), float(part[n - 1])


@dataclass(frozen=True)
class Cycles:
    """The period's cycles as columns. `stages` has a row per STAGES entry, then time in fault, each a column of
    the cycles' times."""

    lanes: list[str]  # names of the lanes with cycles in the period, by code, sorted
    lane: Ints
    day: Ints  # days after period.first, site time
    hour: Ints  # 0..23, site time
    outcome: Ints  # index in OUTCOMES
    duration: Floats  # NaN while open
    wait: Floats  # NaN: no queue entry
    stages: Floats

    @cached_property
    def done(self) -> npt.NDArray[np.bool_]:
        return np.equal(self.outcome, COMPLETED)

    @cached_property
    def done_index(self) -> Ints:
        """Indices of the completed cycles."""
        return np.flatnonzero(self.done)

    @cached_property
    def total(self) -> Floats:
        """Wait + service of each cycle; the service alone where there was no queue entry."""
        return self.duration + np.nan_to_num(self.wait, nan=0.0)

    def by_lane(self, index: Ints) -> tuple[Ints, Ints]:
        """`index` (cycle indices) ordered by lane, and where each lane's run starts (one more: the end)."""
        order = index[np.argsort(self.lane[index].astype(np.int16), kind="stable")]  # radix sort: < 2**15 lanes
        return order, np.searchsorted(self.lane[order], np.arange(len(self.lanes) + 1))


def times(groups: int, k: Ints, d: Floats, target_s: float) -> list[Times]:
    """`Times` of each group of the values `d`, `k` giving each value's group (0 .. groups - 1)."""
    if groups > 1:  # by group (a radix sort for int16 keys)
        regroup = np.argsort(k.astype(np.int16 if groups < 2**15 else np.int64), kind="stable")
        k, d = k[regroup], d[regroup]
    bounds = np.searchsorted(k, np.arange(groups + 1), side="left")
    under = np.bincount(k[d < target_s], minlength=groups)
    out = []
    for g in range(groups):
        values = d[bounds[g] : bounds[g + 1]]
        n = len(values)
        middle, p90_s, max_s = order_stats(values) if n else (None, None, None)
        out.append(Times(n, middle, p90_s, max_s, int(under[g]) / n if n else None))
    return out


def figures(names: Sequence[str], key: Ints, c: Cycles, target_s: float) -> list[Figures]:
    """Figures of each group: `key` gives each cycle's group, an index into `names`."""
    groups = len(names)
    counts = np.bincount(key * len(OUTCOMES) + c.outcome, minlength=groups * len(OUTCOMES))
    counts = counts.reshape(groups, len(OUTCOMES))
    done = c.done_index
    k = key[done]
    service = times(groups, k, c.duration[done], target_s)
    total = times(groups, k, c.total[done], target_s)
    queued = ~np.isnan(c.wait[done])
    wait = times(groups, k[queued], c.wait[done][queued], target_s)
    out = []
    for g, name in enumerate(names):
        completed, rejected, aborted, abandoned, still_open = (int(x) for x in counts[g])
        s = service[g]
        out.append(
            Figures(
                name,
                completed,
                rejected,
                aborted,
                abandoned,
                still_open,
                median_s=s.median_s,
                p90_s=s.p90_s,
                max_s=s.max_s,
                under_target=s.under_target,
                total_time=total[g],
                wait_time=wait[g],
                unqueued=completed - wait[g].n,
            )
        )
    return out


def row_medians(block: Floats) -> list[float | None]:
    """`median` of each row of a 2-D array, in one partition."""
    n = block.shape[1]
    if n == 0:
        return [None] * block.shape[0]
    k = n // 2
    if n % 2:
        return [float(v) for v in np.partition(block, k, axis=1)[:, k]]
    part = np.partition(block, (k - 1, k), axis=1)
    return [float(v) for v in (part[:, k - 1] + part[:, k]) / 2]


Group = tuple[str, Sequence[int], Sequence[dict[str, float]]]  # name, lane codes, each lane's stage budgets


def stage_figures(c: Cycles, groups: Sequence[Group]) -> list[list[StageFigure]]:
    """Stage medians of each group of lanes, with a budget where every lane's budget agrees. Working stages:
    completed renewals; rejected: rejected and aborted cycles that went through it; fault: cycles with time in
    fault. The cycles are put in lane order once; a group takes its lanes' runs."""
    done, done_at = c.by_lane(c.done_index)
    working = np.take(c.stages[:WORKING], done, axis=1)  # a stage a row: partitioned without striding
    ended = np.isin(c.outcome, [OUTCOMES.index("rejected"), OUTCOMES.index("aborted")])
    way_out, out_at = c.by_lane(np.flatnonzero(ended & (c.stages[WORKING] > 0)))
    faulted, fault_at = c.by_lane(np.flatnonzero(c.stages[WORKING + 1] > 0))
    rejected, fault = c.stages[WORKING, way_out], c.stages[WORKING + 1, faulted]

    def runs(values: Floats, at: Ints, lanes: Sequence[int]) -> Floats:
        parts = [values[..., at[i] : at[i + 1]] for i in lanes]
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)

    result = []
    for group, lanes, budgets in groups:
        mine = runs(working, done_at, lanes)
        columns = [(mine.shape[1], m) for m in row_medians(mine)]
        for values in (runs(rejected, out_at, lanes), runs(fault, fault_at, lanes)):
            columns.append((len(values), median(values) if len(values) else None))
        out = []
        for stage, (n, value) in zip((*STAGES, "fault"), columns, strict=True):
            agreed = {b[stage] for b in budgets} if stage != "fault" else set()
            out.append(StageFigure(group, stage, n, value, agreed.pop() if len(agreed) == 1 else None))
        result.append(out)
    return result


def histogram(c: Cycles, target_s: float) -> Histogram:
    """Total times (wait + service) of the completed renewals in bins of target / 20 from 0 (bin i holds
    [i w, (i + 1) w)), then one bin for the rest."""
    width = target_s / 20
    bins = np.minimum(np.floor(c.total[c.done] / width), HISTOGRAM_BINS).astype(np.int64)
    return Histogram(width, tuple(int(x) for x in np.bincount(np.maximum(bins, 0), minlength=HISTOGRAM_BINS + 1)))
