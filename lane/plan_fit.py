"""`lane plan --from-db PATH`: a site's own stage times, fitted from its cycles, for planning from its logs.

The database is opened read-only (lane/report/query.py `connect`). For each licence class and each timed stage the
recorded durations (`cycles.dur_<stage>`, seconds, of every ended cycle that went through the stage) are fitted
with a lognormal by maximum likelihood with the location fixed at zero (scipy's `lognorm.fit(x, floc=0)`: the
median is the geometric mean, sigma the standard deviation of the logarithms). A stage's time includes what
happened in it (a retaken photo, a typed plate, a fault), so the plan walks only rejections as mishaps, at the
share of cycles the site rejected. Stages with fewer than `MIN_CYCLES` durations of a class borrow the other
class's fit (said in the notes); a class with too few cycles for a stage is refused with a one-line reason.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from scipy import stats

from flows.plan_model import Dist, FittedTimes, PlanError
from flows.renewal import LaneClass
from flows.states import TIMED, Stage
from lane.report.query import ReportError, connect

#: Durations of a stage a fit needs.
MIN_CYCLES = 8


@dataclass(frozen=True)
class Fitted:
    times: FittedTimes
    rejected: dict[LaneClass, float]  # share of ended cycles rejected, by class
    cycles: dict[LaneClass, int]
    samples: dict[tuple[LaneClass, Stage], int]
    notes: tuple[str, ...]


def lognormal(values: list[float]) -> Dist:
    """The maximum-likelihood lognormal (location zero) of positive durations."""
    sigma, _, scale = stats.lognorm.fit(values, floc=0)
    return Dist("lognormal", median=float(scale), sigma=float(sigma))


def fit(path: Path) -> Fitted:
    """The stage-time distributions and rejection shares of the site whose database is `path`."""
    try:
        con = connect(path)
    except ReportError as err:
        raise PlanError(f"--from-db: {err}") from None
    except sqlite3.Error as err:  # not an SQLite file, or one that cannot be opened
        raise PlanError(f"--from-db: {path}: cannot open it: {err}") from None
    try:
        columns = ", ".join(f"dur_{s.value}" for s in TIMED)
        rows = con.execute(
            f"SELECT lane_class, outcome, {columns} FROM cycles WHERE outcome IN ('completed', 'rejected')"
        ).fetchall()
    except sqlite3.Error as err:  # a database that is not this program's: no cycles table, other columns
        raise PlanError(f"--from-db: {path}: cannot read its cycles: {err}") from None
    finally:
        con.close()
    durations: dict[tuple[LaneClass, Stage], list[float]] = {}
    counts = {c: 0 for c in LaneClass}
    rejected = {c: 0 for c in LaneClass}
    for row in rows:
        if row[0] not in ("A", "C"):
            continue
        c = LaneClass(row[0])
        counts[c] += 1
        rejected[c] += row[1] == "rejected"
        for stage, value in zip(TIMED, row[2:], strict=True):
            if value is not None and value > 0 and math.isfinite(value):
                durations.setdefault((c, stage), []).append(float(value))
    if not rows:
        raise PlanError(f"--from-db: {path}: no ended cycles to fit stage times from")
    fits: dict[tuple[LaneClass, Stage], Dist] = {}
    samples: dict[tuple[LaneClass, Stage], int] = {}
    notes: list[str] = []
    for c in (c for c in LaneClass if counts[c]):
        for stage in TIMED:
            own = durations.get((c, stage), [])
            other = LaneClass.C if c is LaneClass.A else LaneClass.A
            if len(own) < MIN_CYCLES:
                source, borrowed = f"SIM {other.value} {stage.value}", durations.get((other, stage), [])
                if len(borrowed) < MIN_CYCLES and stage is Stage.REJECTED:  # the same way out, after a rejection
                    source, borrowed = f"SIM {c.value} exiting", durations.get((c, Stage.EXITING), [])
                if len(borrowed) < MIN_CYCLES:
                    raise PlanError(
                        f"--from-db: {path}: SIM {c.value} has {len(own)} recorded {stage.value} times, "
                        f"a fit needs {MIN_CYCLES}"
                    )
                notes.append(f"SIM {c.value} {stage.value}: {len(own)} times recorded, fitted from {source} instead")
                own = borrowed
            fits[(c, stage)] = lognormal(own)
            samples[(c, stage)] = len(own)
    share = {c: rejected[c] / counts[c] for c in LaneClass if counts[c]}
    return Fitted(FittedTimes(fits), share, counts, samples, tuple(notes))
