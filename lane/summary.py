"""The figures a run ends with, read back from the cycles table: renewals completed and rejected, median and
90th-percentile cycle time, share under the target. Reads only."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Summary:
    completed: int
    rejected: int
    aborted: int
    open: int
    median_s: float | None
    p90_s: float | None
    under_target: float | None  # share of completed renewals inside the target
    target_s: float
    db: str

    def lines(self) -> list[str]:
        def mmss(s: float | None) -> str:
            return "-" if s is None else f"{int(s // 60)}:{s % 60:04.1f}"

        share = "-" if self.under_target is None else f"{self.under_target:.0%}"
        return [
            f"renewals completed: {self.completed}   rejected: {self.rejected}   aborted: {self.aborted}"
            + (f"   still open: {self.open}" if self.open else ""),
            f"cycle time (completed): median {mmss(self.median_s)}   p90 {mmss(self.p90_s)}   "
            f"under {self.target_s / 60:g} min: {share}",
            f"database: {self.db}",
        ]


def p90(values: list[float]) -> float:
    """90th percentile, linear between order statistics (the 'inclusive' method)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def summarise(db: sqlite_utils.Database, target_s: float, path: str, since_id: int = 0) -> Summary:
    rows = list(db.query("select outcome, duration from cycles where id > ?", [since_id]))
    count = {k: sum(1 for r in rows if r["outcome"] == k) for k in ("completed", "rejected", "aborted", "open")}
    done = sorted(float(r["duration"]) for r in rows if r["outcome"] == "completed")
    return Summary(
        completed=count["completed"],
        rejected=count["rejected"],
        aborted=count["aborted"],
        open=count["open"],
        median_s=statistics.median(done) if done else None,
        p90_s=p90(done) if done else None,
        under_target=sum(1 for d in done if d < target_s) / len(done) if done else None,
        target_s=target_s,
        db=path,
    )
