"""Site planning's discrete-event simulation (`lane plan`): one design day of a layout on simpy, and the figures of
many such days with confidence intervals. Pure: no I/O.

A day: drivers of each class arrive as a Poisson process whose rate changes by the hour (`Demand.per_hour`), join
their class's shared queue or the shortest queue of a lane of their class, or drive on when it holds `capacity`
vehicles (balking), or give up after their patience (reneging); a lane takes one vehicle at a time from entry to
exit (flows/plan_model.py `walk`), and a stage that needs the officer waits for the lane's officer, who may serve
two lanes. Total time = wait in the queue + service (lane entry to exit), the words of issue 17.

Many days: each replication is a day with its own seed; each figure is the mean over the days with a 95% Student-t
interval (scipy). A layout holds when, at every hour with demand, the upper bound of the 90th percentile of the
total time of the drivers who joined in that hour is within the target.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import simpy

from flows.plan_model import Demand, Dist, Layout, Segment, StageTimes, draw_mishaps, walk
from flows.renewal import Flow, LaneClass

#: The queue is looked at this often (seconds) for its length through the day.
SAMPLE_S = 60.0
#: A driver turned away counts in the hourly percentiles as this many times the target.
LOST_FACTOR = 2.0
#: A driver's service: the stages of one walk, and whether the renewal was rejected.
Service = Callable[[LaneClass, random.Random], tuple[list[Segment], bool]]


@dataclass
class Day:
    """What one simulated day gave."""

    totals: list[float] = field(default_factory=list)  # seconds from joining the queue to leaving the lane
    waits: list[float] = field(default_factory=list)
    joined_hour: list[int] = field(default_factory=list)
    lost_hour: list[int] = field(default_factory=list)  # the hour each driver who balked or reneged came
    arrived: int = 0
    balked: int = 0
    reneged: int = 0
    rejected: int = 0
    queue: dict[int, list[int]] = field(default_factory=dict)  # hour -> vehicles queued at each look
    lane_busy: float = 0.0
    officer_busy: float = 0.0
    span: float = 0.0  # seconds from the first hour with demand to the last driver's exit (or the closing hour)


def flow_service(flows: Mapping[LaneClass, Flow], times: StageTimes, shares: Mapping[str, float]) -> Service:
    """Each driver's walk through the flow of their class, with their mishaps drawn from `shares`."""
    walked = times.mishap_shares(shares)

    def service(lane_class: LaneClass, rng: random.Random) -> tuple[list[Segment], bool]:
        return walk(flows[lane_class], times, draw_mishaps(walked, rng), rng)

    return service


def simulate_day(
    service: Service, demand: Demand, layout: Layout, seed: int, patience: Dist | None = None, warmup_h: float = 0.0
) -> Day:
    """One design day of `layout` under `demand`; drivers who join in the first `warmup_h` hours are not counted."""
    layout.check(demand)
    rng = random.Random(seed)
    env = simpy.Environment()
    day = Day()
    hours = [h for h in range(24) if any(demand.per_hour.get(c, (0.0,) * 24)[h] > 0 for c in LaneClass)]
    first, last = (hours[0], hours[-1] + 1) if hours else (0, 0)
    queues: dict[LaneClass, list[simpy.Store]] = {}
    officer_of: dict[tuple[LaneClass, int], simpy.Resource | None] = {}
    inside = [0]
    for c in LaneClass:
        n, o = layout.lanes.get(c, 0), layout.officers.get(c, 0)
        if n == 0:
            continue
        if layout.shared:
            queues[c] = [simpy.Store(env)]
            queues[c][0].items.extend(range(n))
        else:
            queues[c] = [simpy.Store(env) for _ in range(n)]
            for i, q in enumerate(queues[c]):
                q.items.append(i)
        officers = [simpy.Resource(env, 1) for _ in range(o)]
        for i in range(n):  # lanes 0 and 1 share officer 0 when there are half as many officers as lanes
            officer_of[(c, i)] = officers[i * o // n] if o < n else None

    def driver(c: LaneClass, joined: float) -> Any:
        counted = joined >= (first + warmup_h) * 3600
        day.arrived += counted
        pick = min(queues[c], key=lambda q: len(q.get_queue) + (0 if q.items else 1))
        if len(pick.get_queue) >= layout.capacity and not pick.items:
            day.balked += counted
            if counted:
                day.lost_hour.append(int(joined // 3600))
            return
        inside[0] += 1
        get = pick.get()
        if patience is not None:
            got = yield get | env.timeout(patience.draw(rng))
            if get not in got:
                get.cancel()
                if get.triggered:  # a lane came free at the very moment the driver gave up: it stays free
                    pick.put(get.value)
                day.reneged += counted
                if counted:
                    day.lost_hour.append(int(joined // 3600))
                inside[0] -= 1
                return
            lane = got[get]
        else:
            lane = yield get
        entered = env.now
        segments, rejected = service(c, rng)
        officer = officer_of[(c, lane)]
        if officer is None:
            yield env.timeout(sum(s.seconds for s in segments))
            day.officer_busy += sum(s.officer_s for s in segments)
        else:
            for s in segments:
                if s.seconds > s.officer_s:
                    yield env.timeout(s.seconds - s.officer_s)
                if s.officer_s > 0:
                    with officer.request() as turn:
                        yield turn
                        yield env.timeout(s.officer_s)
                    day.officer_busy += s.officer_s
        day.lane_busy += env.now - entered
        pick.put(lane)
        inside[0] -= 1
        if counted:
            day.totals.append(env.now - joined)
            day.waits.append(entered - joined)
            day.joined_hour.append(int(joined // 3600))
            day.rejected += rejected

    def arrivals(c: LaneClass) -> Any:
        rates = demand.per_hour.get(c, (0.0,) * 24)
        for hour in range(24):
            if rates[hour] <= 0:
                continue
            t = hour * 3600.0
            yield env.timeout(max(0.0, t - env.now))
            while True:
                t += rng.expovariate(rates[hour] / 3600.0)
                if t >= (hour + 1) * 3600:
                    break
                yield env.timeout(t - env.now)
                env.process(driver(c, env.now))

    def watch() -> Any:
        yield env.timeout(first * 3600.0)
        while env.now < last * 3600 or inside[0] > 0:
            hour = int(env.now // 3600)
            day.queue.setdefault(hour, []).append(sum(len(q.get_queue) for qs in queues.values() for q in qs))
            yield env.timeout(SAMPLE_S)

    for c in queues:
        env.process(arrivals(c))
    env.process(watch())
    env.run()
    day.span = max(env.now, last * 3600.0) - (first + warmup_h) * 3600.0
    return day


@dataclass(frozen=True)
class Estimate:
    """A figure's mean over the replications and the half-width of its 95% interval (NaN with fewer than two)."""

    mean: float
    half: float
    n: int

    @property
    def upper(self) -> float:
        return self.mean + self.half

    @property
    def lower(self) -> float:
        return self.mean - self.half

    @classmethod
    def of(cls, values: Sequence[float], level: float = 0.95) -> Estimate:
        vals = [v for v in values if not math.isnan(v)]
        if not vals:
            return cls(math.nan, math.nan, 0)
        if any(math.isinf(v) for v in vals):  # a day when more than the quantile's share were turned away
            return cls(math.inf, math.inf, len(vals))
        if len(vals) < 2:
            return cls(vals[0], math.nan, 1)
        from scipy import stats  # here, not at import: it costs every `lane` command 0.6 s to load

        sd = statistics.stdev(vals)
        return cls(
            statistics.fmean(vals),
            float(stats.t.ppf((1 + level) / 2, len(vals) - 1)) * sd / math.sqrt(len(vals)),
            len(vals),
        )


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile (linear between order statistics, as numpy's default; infinite values allowed); NaN for none."""
    if not values:
        return math.nan
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    if pos == lo or s[hi] == s[lo]:
        return s[lo]
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@dataclass(frozen=True)
class Figures:
    """A layout's figures over its replications (times in seconds, shares 0..1)."""

    layout: Layout
    days: int
    total_median: Estimate
    total_p90: Estimate
    goal_met: Estimate
    wait_p90: Estimate
    queue_p95: Estimate
    balked: Estimate
    reneged: Estimate
    lane_util: Estimate
    officer_util: Estimate
    hour_p90: dict[int, Estimate]  # by the hour the drivers joined
    hour_queue_p95: dict[int, Estimate]
    hour_queue_max: dict[int, int]  # the longest queue seen in that hour on any day
    busy_hours: tuple[int, ...]
    target_s: float

    @property
    def holds(self) -> bool:
        """The upper bound of the hourly p90 total is within the target at every hour with demand."""
        return all(h in self.hour_p90 and self.hour_p90[h].upper <= self.target_s for h in self.busy_hours)


def _totals_of(day: Day, hour: int, target_s: float) -> list[float]:
    """The total times of the drivers who came in `hour`; each turned away (balked, reneged) counts as `LOST_FACTOR`
    times the target: not done within it, and finite, so that one bad day weighs on the mean over the days as much
    as it should, not infinitely."""
    done = [t for t, j in zip(day.totals, day.joined_hour, strict=True) if j == hour]
    return done + [LOST_FACTOR * target_s] * day.lost_hour.count(hour)


def _met(day: Day, target_s: float) -> float:
    """The share of the drivers who came that were done within the target (those turned away were not)."""
    came = len(day.totals) + len(day.lost_hour)
    return sum(t <= target_s for t in day.totals) / came if came else math.nan


def figures(layout: Layout, demand: Demand, days: Sequence[Day], target_s: float) -> Figures:
    """The figures of a layout from its simulated days."""
    lanes = sum(layout.lanes.values())
    officers = sum(layout.officers.values())

    def per_day(f: Callable[[Day], float]) -> Estimate:
        return Estimate.of([f(d) for d in days])

    hours = sorted({h for d in days for h in d.joined_hour} | set(demand.busy_hours()))
    by_hour: dict[int, Estimate] = {}
    for h in hours:
        est = Estimate.of([quantile(_totals_of(d, h, target_s), 0.9) for d in days])
        if est.n:
            by_hour[h] = est
    q_hours = sorted({h for d in days for h in d.queue})
    return Figures(
        layout=layout,
        days=len(days),
        total_median=per_day(lambda d: quantile(d.totals, 0.5)),
        total_p90=per_day(lambda d: quantile(d.totals, 0.9)),
        goal_met=per_day(lambda d: _met(d, target_s)),
        wait_p90=per_day(lambda d: quantile(d.waits, 0.9)),
        queue_p95=per_day(lambda d: quantile([float(x) for xs in d.queue.values() for x in xs], 0.95)),
        balked=per_day(lambda d: d.balked / d.arrived if d.arrived else 0.0),
        reneged=per_day(lambda d: d.reneged / d.arrived if d.arrived else 0.0),
        lane_util=per_day(lambda d: d.lane_busy / (lanes * d.span) if d.span else math.nan),
        officer_util=per_day(lambda d: d.officer_busy / (officers * d.span) if d.span and officers else math.nan),
        hour_p90=by_hour,
        hour_queue_p95={
            h: Estimate.of([quantile([float(x) for x in d.queue.get(h, [])], 0.95) for d in days]) for h in q_hours
        },
        hour_queue_max={h: max((max(d.queue.get(h, [0]) or [0]) for d in days), default=0) for h in q_hours},
        busy_hours=tuple(demand.busy_hours()),
        target_s=target_s,
    )


def smallest_holding(results: Sequence[Figures]) -> Figures | None:
    """The smallest layout (fewest lanes, then officers, then queue places) that holds the goal at every hour."""
    holding = [f for f in results if f.holds]
    return min(holding, key=lambda f: f.layout.size()) if holding else None
