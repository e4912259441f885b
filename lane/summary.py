"""The figures a run ends with (`lane demo`, `lane simulate`), read back from the cycles table: renewals completed
and rejected; then, over the completed renewals, TOTAL time first (queue entry to exit: median, 90th percentile,
share under the target), then the wait (queue entry to lane entry) and the service (lane entry to exit). A renewal
with no queue entry (`cycles.wait` NULL: no queue detector, or none matched) counts its service time as its total
(a lower bound) and is left out of the wait; the summary says how many there were. The same rule as `lane report`
(docs/reports.md). Reads only.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import sqlite_utils


def mmss(s: float | None) -> str:
    return "-" if s is None else f"{int(s // 60)}:{s % 60:04.1f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@dataclass(frozen=True)
class Summary:
    completed: int
    rejected: int
    aborted: int
    open: int
    median_s: float | None  # service: lane entry to exit
    p90_s: float | None
    under_target: float | None  # share of completed renewals whose service is inside the target
    target_s: float
    db: str
    total_median_s: float | None = None  # total: wait + service (the service alone with no queue entry)
    total_p90_s: float | None = None
    total_under_target: float | None = None
    wait_median_s: float | None = None  # over the completed renewals with a queue entry
    wait_p90_s: float | None = None
    unqueued: int = 0  # completed renewals with no queue entry

    def lines(self) -> list[str]:
        target = f"{self.target_s / 60:g} min"
        if not self.completed:
            missing = ""
        elif self.unqueued == self.completed:
            missing = "   no queue entry recorded: total = service"
        elif self.unqueued:
            missing = f"   {self.unqueued} with no queue entry: counted with their service time as total"
        else:
            missing = ""
        return [
            f"renewals completed: {self.completed}   rejected: {self.rejected}   aborted: {self.aborted}"
            + (f"   still open: {self.open}" if self.open else ""),
            f"total time (queue to exit): median {mmss(self.total_median_s)}   p90 {mmss(self.total_p90_s)}   "
            f"under {target}: {_share(self.total_under_target)}",
            f"wait (queue to lane): median {mmss(self.wait_median_s)}   p90 {mmss(self.wait_p90_s)}{missing}",
            f"service (lane entry to exit): median {mmss(self.median_s)}   p90 {mmss(self.p90_s)}   "
            f"under {target}: {_share(self.under_target)}",
            f"database: {self.db}",
        ]


def p90(values: list[float]) -> float:
    """90th percentile, linear between order statistics (the 'inclusive' method)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _times(values: list[float], target_s: float) -> tuple[float | None, float | None, float | None]:
    """(median, p90, share under the target) of `values`, None for each when there are none."""
    if not values:
        return None, None, None
    return statistics.median(values), p90(values), sum(1 for v in values if v < target_s) / len(values)


def summarise(db: sqlite_utils.Database, target_s: float, path: str, since_id: int = 0) -> Summary:
    waits = "wait" in db["cycles"].columns_dict  # a store before schema 10 has no queue
    rows = list(db.query(f"select outcome, duration, {'wait' if waits else 'NULL'} as wait from cycles where id > ?",
                         [since_id]))  # fmt: skip
    count = {k: sum(1 for r in rows if r["outcome"] == k) for k in ("completed", "rejected", "aborted", "open")}
    done = [r for r in rows if r["outcome"] == "completed"]
    service = [float(r["duration"]) for r in done]
    total = [float(r["duration"]) + float(r["wait"] or 0.0) for r in done]
    wait = [float(r["wait"]) for r in done if r["wait"] is not None]
    s_median, s_p90, s_under = _times(service, target_s)
    t_median, t_p90, t_under = _times(total, target_s)
    w_median, w_p90, _ = _times(wait, target_s)
    return Summary(
        completed=count["completed"],
        rejected=count["rejected"],
        aborted=count["aborted"],
        open=count["open"],
        median_s=s_median,
        p90_s=s_p90,
        under_target=s_under,
        target_s=target_s,
        db=path,
        total_median_s=t_median,
        total_p90_s=t_p90,
        total_under_target=t_under,
        wait_median_s=w_median,
        wait_p90_s=w_p90,
        unqueued=len(done) - len(wait),
    )
