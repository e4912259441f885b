"""The figures of `lane central report`, read from the central aggregates (never from the cycles): per site
(ranking), per week, per daypart, each site against its own previous period of the same length, reject reasons
and device faults by site. A period's histograms are its whole calendar months from `hist_month` and its other
days from `hist_day`, so a year reads twelve rows a site and bin, not 365. Percentiles come from those 5-second
bins (`p90`: resolution 5 s, within 2.5 s of the exact figure).
What a cycle counts for (service, wait, total, goal met) is the SQL view `cycle_facts`, applied on ingest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from lane.report.model import reason_group

BIN_S = 5.0
BINS = 1441  # 0 .. 1439: 5 s each up to two hours; 1440: two hours and more
SUMS = (
    "sum(completed), sum(rejected), sum(aborted), sum(abandoned), sum(open), sum(goal_met), sum(sum_total), "
    "sum(sum_service), sum(sum_wait), sum(n_wait)"
)


@dataclass(frozen=True)
class Line:
    """Volumes and times of one group (a site, a week, a daypart): times over completed renewals."""

    key: str
    completed: int
    rejected: int
    aborted: int
    abandoned: int
    open: int
    goal_met: int
    mean_total_s: float | None
    mean_service_s: float | None
    mean_wait_s: float | None
    p90_total_s: float | None = None

    @property
    def goal_share(self) -> float | None:
        return self.goal_met / self.completed if self.completed else None


@dataclass(frozen=True)
class Slip:
    site: str
    before: Line
    now: Line
    why: str


@dataclass(frozen=True)
class CentralFigures:
    first: date
    last: date
    ranking: list[Line]  # best first: goal met share, then p90
    weeks: list[Line]  # key: the Monday
    dayparts: list[Line]
    slipped: list[Slip]
    reasons: list[tuple[str, str, str, int]]  # site, outcome, reason (dates as "…"), count
    faults: list[tuple[str, str, str, str, int]]  # site, device, kind, cause, count


def _line(key: str, row: Any, p90: float | None = None) -> Line:
    done, rej, ab, aban, still, met, tot, srv, wait, n_wait = (float(v or 0) for v in row)
    return Line(
        key,
        int(done),
        int(rej),
        int(ab),
        int(aban),
        int(still),
        int(met),
        tot / done if done else None,
        srv / done if done else None,
        wait / n_wait if n_wait else None,
        p90,
    )


def p90(counts: npt.NDArray[np.int64]) -> float | None:
    """The 90th percentile of a histogram of 5-second bins, as `lane report` takes it (statistics.quantiles,
    inclusive: between the order statistics j and j + 1), each order statistic read as the middle of its bin: so
    within 2.5 s of the exact figure."""
    n = int(counts.sum())
    if not n:
        return None
    cum = np.cumsum(counts)

    def order(k: int) -> float:  # the k-th smallest (0-based)
        return (int(np.searchsorted(cum, k + 1)) + 0.5) * BIN_S

    if n == 1:
        return order(0)
    j, delta = divmod(9 * (n - 1), 10)
    return (order(j) * (10 - delta) + order(j + 1) * delta) / 10


def _month_split(first: date, last: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole calendar months inside [first, last] (their first days) and the runs of days outside them."""
    months: list[date] = []
    runs: list[tuple[date, date]] = []
    day = first
    while day <= last:
        nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        if day.day == 1 and nxt - timedelta(days=1) <= last:
            months.append(day)
            day = nxt
            continue
        end = min(last, nxt - timedelta(days=1))
        runs.append((day, end))
        day = end + timedelta(days=1)
    return months, runs


def histograms(cur: Any, first: date, last: date, sites: list[str]) -> npt.NDArray[np.int64]:
    """One histogram a site (rows in the order of `sites`) of the completed renewals' total time in the period."""
    months, runs = _month_split(first, last)
    parts: list[str] = []
    params: list[Any] = []
    if months:
        parts.append("SELECT site, bin, n FROM hist_month WHERE month = ANY(%s)")
        params.append(months)
    for start, end in runs:
        parts.append("SELECT site, bin, n FROM hist_day WHERE day BETWEEN %s AND %s")
        params += [start, end]
    out = np.zeros((len(sites), BINS), dtype=np.int64)
    if not parts:
        return out
    index = {s: i for i, s in enumerate(sites)}
    cur.execute(f"SELECT site, bin, sum(n) FROM ({' UNION ALL '.join(parts)}) h GROUP BY 1, 2", params)
    rows = cur.fetchall()
    if rows:
        where = np.array([index.get(r[0], -1) for r in rows])
        bins = np.array([r[1] for r in rows], dtype=np.int64)
        counts = np.array([r[2] for r in rows], dtype=np.int64)
        keep = where >= 0
        np.add.at(out, (where[keep], bins[keep]), counts[keep])
    return out


def _lines(cur: Any, first: date, last: date) -> tuple[list[Line], list[Line], list[Line], dict[str, Line]]:
    """By site for the period and for the one before it, by week and by daypart, from one scan of `daily`
    (grouping sets); each site's p90 from the histograms."""
    before = first - timedelta(days=(last - first).days + 1)
    cur.execute(
        f"SELECT day >= %s AS now, site, date_trunc('week', day)::date AS week, daypart, {SUMS} FROM daily "
        "WHERE day BETWEEN %s AND %s GROUP BY GROUPING SETS ((1, 2), (1, 3), (1, 4))",
        [first, before, last],
    )
    rows = sorted(cur.fetchall(), key=lambda r: tuple((v is None, v) for v in r[:4]))
    by_site: dict[bool, list[Any]] = {True: [], False: []}
    weeks, parts = [], {}
    for now, site, week, daypart, *sums in rows:
        if site is not None:
            by_site[now].append((site, sums))
        elif week is not None and now:
            weeks.append(_line(week.isoformat(), sums))
        elif daypart is not None and now:
            parts[daypart] = _line(daypart, sums)
    out = []
    for now, since, until in ((True, first, last), (False, before, first - timedelta(days=1))):
        sites = [site for site, _ in by_site[now]]
        hist = histograms(cur, since, until, sites)
        out.append([_line(site, sums, p90(hist[i])) for i, (site, sums) in enumerate(by_site[now])])
    return out[0], out[1], weeks, parts


def slipped(before: list[Line], now: list[Line], points: float = 0.05, rise: float = 0.10) -> list[Slip]:
    """Sites whose goal-met share fell by `points` or more, or whose p90 total rose by `rise` or more."""
    old = {line.key: line for line in before}
    out = []
    for line in now:
        prev = old.get(line.key)
        if prev is None or prev.goal_share is None or line.goal_share is None:
            continue
        why = []
        if prev.goal_share - line.goal_share >= points:
            why.append(f"goal met {prev.goal_share:.0%} -> {line.goal_share:.0%}")
        if prev.p90_total_s and line.p90_total_s and line.p90_total_s >= prev.p90_total_s * (1 + rise):
            why.append(f"p90 {prev.p90_total_s:.0f} s -> {line.p90_total_s:.0f} s")
        if why:
            out.append(Slip(line.key, prev, line, "; ".join(why)))
    return sorted(out, key=lambda s: (s.now.goal_share or 0) - (s.before.goal_share or 0))


def read(con: Any, first: date, last: date) -> CentralFigures:
    """Every section, in one read-only transaction (REPEATABLE READ: the sections agree with each other)."""
    with con.transaction(), con.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur.execute("SET LOCAL work_mem = '64MB'")  # the grouping sets hashed, not sorted
        now, before, weeks, parts = _lines(cur, first, last)
        cur.execute(
            "SELECT site, outcome, reason, sum(n) FROM daily_reasons WHERE day BETWEEN %s AND %s GROUP BY 1, 2, 3",
            [first, last],
        )
        reasons: Counter[tuple[str, str, str]] = Counter()
        for site, outcome, reason, n in cur.fetchall():
            reasons[site, outcome, reason_group(reason)] += int(n)
        cur.execute(
            "SELECT site, device, kind, cause, sum(n) FROM daily_faults WHERE day BETWEEN %s AND %s "
            "GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0 ORDER BY 5 DESC, 1, 2, 3, 4",
            [first, last],
        )
        faults = [(s, d, k, c, int(n)) for s, d, k, c, n in cur.fetchall()]
    ranking = sorted(now, key=lambda x: (-(x.goal_share or 0), x.p90_total_s or 0, x.key))
    return CentralFigures(
        first,
        last,
        ranking,
        weeks,
        [parts[p] for p in ("pagi", "siang", "sore") if p in parts],
        slipped(before, now),
        [(*k, n) for k, n in sorted(reasons.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0])) if n],
        faults,
    )
