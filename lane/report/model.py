"""What a supervisor report holds, as frozen dataclasses, and what every part shares: the period in site time and
its UTC bounds, masking of names and NIKs, and time formatting. No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flows.nik import mask
from flows.states import TIMED
from lane.audit import Head

#: Stage columns in the order of a renewal; `rejected` is the way out after a rejection or an abort.
STAGES: tuple[str, ...] = tuple(s.value for s in TIMED)
#: Outcomes a cycle ends with ("open": still in the lane).
OUTCOMES: tuple[str, ...] = ("completed", "rejected", "aborted", "abandoned", "open")
HISTOGRAM_BINS = 40  # of target / 20 each: 0 to twice the target, then one bin for everything longer


@dataclass(frozen=True)
class Period:
    """Whole days `first` to `last` (inclusive) in the site's time zone."""

    first: date
    last: date
    zone: str

    @classmethod
    def last_days(cls, zone: str, days: int = 7, now: datetime | None = None) -> Period:
        today = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()
        return cls(today - timedelta(days=days - 1), today, zone)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def utc_bounds(self) -> tuple[str, str]:
        """[start, end) as UTC ISO strings in the store's format, so that string order is time order."""
        start = datetime.combine(self.first, time(0), self.tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), self.tz).astimezone(UTC)
        return start.isoformat(timespec="milliseconds"), end.isoformat(timespec="milliseconds")

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def whole_hour_offsets(self) -> bool:
        """Whether the zone's UTC offset is a whole number of hours all through the period (then a UTC hour
        lies inside one local hour)."""
        tz = self.tz
        for day in [*self.days(), self.last + timedelta(days=1)]:
            offset = datetime.combine(day, time(0), tz).utcoffset() or timedelta(0)
            if offset.total_seconds() % 3600:
                return False
        return True

    def local(self, utc_iso: str) -> datetime:
        return datetime.fromisoformat(utc_iso).astimezone(self.tz)


@dataclass(frozen=True)
class Times:
    """One kind of time (total, wait) over a group's completed renewals: how many, median, 90th percentile,
    longest, and the share strictly under the target."""

    n: int = 0
    median_s: float | None = None
    p90_s: float | None = None
    max_s: float | None = None
    under_target: float | None = None


@dataclass(frozen=True)
class Figures:
    """Volume and cycle time of one group of cycles (the site, a lane, a day, an hour of the day). Cycle-time
    figures are over completed renewals only; `under_target` is the share of them strictly under the target.
    The flat fields are the service time (lane entry to exit, `cycles.duration`); `total_time` is wait + service,
    a renewal with no queue entry (`unqueued`) counting its service alone; `wait_time` is over the renewals
    with a queue entry."""

    key: str
    completed: int = 0
    rejected: int = 0
    aborted: int = 0
    abandoned: int = 0
    open: int = 0
    median_s: float | None = None
    p90_s: float | None = None
    max_s: float | None = None
    under_target: float | None = None
    total_time: Times = Times()
    wait_time: Times = Times()
    unqueued: int = 0  # completed renewals with no queue entry: their total is their service time

    @property
    def total(self) -> int:
        return self.completed + self.rejected + self.aborted + self.abandoned + self.open


@dataclass(frozen=True)
class StageFigure:
    """Median time in one stage for a lane (or a lane class: group "SIM A"), against the stage's budget.
    Working stages count completed renewals; `rejected` the rejected and aborted ones; `fault` the cycles that
    spent time in fault (no budget)."""

    group: str
    stage: str
    cycles: int
    median_s: float | None
    budget_s: float | None

    @property
    def over_budget(self) -> bool:
        return self.median_s is not None and self.budget_s is not None and self.median_s > self.budget_s


@dataclass(frozen=True)
class Step:
    """One stretch of a cycle's timeline: the stage, when it began (seconds after the cycle started), how long
    it lasted and the trigger that ended it."""

    stage: str
    start_s: float
    seconds: float
    ended_by: str


@dataclass(frozen=True)
class SlowCycle:
    id: int
    lane: str
    started: str  # site time, "YYYY-MM-DD HH:MM:SS"
    duration_s: float
    outcome: str
    reason: str
    plate: str
    holder: str  # masked unless the report shows personal data
    nik: str
    retries: int
    steps: tuple[Step, ...]
    wait_s: float | None = None  # queue entry to lane entry; None: no queue entry

    @property
    def total_s(self) -> float:
        return self.duration_s + (self.wait_s or 0.0)


@dataclass(frozen=True)
class ReasonCount:
    outcome: str
    reason: str
    count: int


@dataclass(frozen=True)
class FaultCount:
    """Device trouble: `kind` is "fault" (a device fault, with its cause) or the health a device fell to
    ("degraded", "down", with why)."""

    lane: str
    device: str
    kind: str
    cause: str
    count: int
    last: str  # site time


@dataclass(frozen=True)
class OverrideCount:
    """Operator actions other than the routine `confirm`, by action and result."""

    action: str
    result: str
    count: int
    operators: int
    lanes: str


@dataclass(frozen=True)
class QueueCount:
    """Queue events of one kind (join, balk, renege, assign, miss, double) at one approach."""

    approach: str
    kind: str
    count: int


class CycleRow(NamedTuple):
    """One cycle as the CSV lists it: site times, seconds (None: not known). A named tuple: a year has 150,000."""

    id: int
    lane: str
    lane_class: str
    queued: str  # site time, "" with no queue entry
    started: str
    approach: str
    match: str
    outcome: str
    wait_s: float | None
    service_s: float | None
    plate: str


@dataclass(frozen=True)
class ManualReceipt:
    """A cycle taken as paid on a receipt the payment point never recorded, approved by a supervisor."""

    cycle: int
    lane: str
    started: str  # site time
    receipt: str
    approved_by: str
    outcome: str


@dataclass(frozen=True)
class Histogram:
    bin_s: float
    counts: tuple[int, ...]  # HISTOGRAM_BINS bins from 0, then the overflow bin (>= HISTOGRAM_BINS * bin_s)


@dataclass(frozen=True)
class Report:
    site: str
    period: Period
    lanes: tuple[str, ...]  # the --lane filter; empty: every lane
    target_s: float
    generated: str  # site time
    personal: bool  # names and NIKs shown unmasked
    total: Figures
    by_lane: tuple[Figures, ...]
    by_day: tuple[Figures, ...]
    by_month: tuple[Figures, ...]  # key "2025-01", site time
    by_hour: tuple[Figures, ...]  # key "08" = 08:00-08:59 site time, over the whole period
    stages: tuple[StageFigure, ...]  # per lane
    stage_classes: tuple[StageFigure, ...]  # per lane class ("SIM A", "SIM C")
    histogram: Histogram
    slowest: tuple[SlowCycle, ...]
    reasons: tuple[ReasonCount, ...]
    faults: tuple[FaultCount, ...]
    overrides: tuple[OverrideCount, ...]
    manual_receipts: tuple[ManualReceipt, ...] = ()
    chains: tuple[Head, ...] = ()  # the audit's chain heads when the report read the store (lane/audit.py)
    by_week: tuple[Figures, ...] = ()  # key "2026-W10" (ISO week of the site-time day)
    by_daypart: tuple[Figures, ...] = ()  # key: the daypart's name; "-" the hours outside every daypart
    dayparts: tuple[tuple[str, int, int], ...] = ()  # name, from hour, to hour, as configured
    lane_days: tuple[tuple[str, Figures], ...] = ()  # (lane, figures keyed by day), the lanes' days with cycles
    lane_hours: tuple[tuple[str, Figures], ...] = ()  # (lane, figures keyed by hour "08")
    fastest: tuple[SlowCycle, ...] = ()  # the shortest completed renewals by total time
    queue: tuple[QueueCount, ...] = ()
    test_cycles: int = 0  # cycles of test vehicles (the site file's report.test_plates), left out of every figure
    held: tuple[str, str] | None = None  # with no cycle in the period: the first and last day the store holds
    cycles: tuple[CycleRow, ...] = ()  # every cycle of the period, for the CSV (query.build(rows=True))

    def queue_count(self, kind: str) -> int:
        return sum(q.count for q in self.queue if q.kind == kind)


_DATE = re.compile(r"\b(\d{1,2}[-./]\d{1,2}[-./]\d{4}|\d{4}-\d{2}-\d{2})\b")


def manual_row(m: ManualReceipt) -> tuple[object, ...]:
    return (m.cycle, m.lane, m.started, m.receipt, m.approved_by, m.outcome)


def reason_group(reason: str) -> str:
    """A reject or abort reason as the report counts it: dates in it become "…", so that "SIM sudah habis berlaku
    16-01-2025; ..." and the same reason with another expiry date are one row."""
    return _DATE.sub("…", reason)


def mask_name(name: str | None) -> str:
    """Each word to its first letter and three asterisks ("Budi Santoso" -> "B*** S***"): the length is not
    kept either."""
    return " ".join(word[0] + "***" for word in (name or "").split())


def mask_nik(nik: str | None) -> str:
    """A NIK keeps its first 6 (the region code) and last 2 digits: "332501********07" (flows.nik.mask)."""
    return mask(nik)


def mmss(seconds: float | None) -> str:
    """Minutes and seconds to a tenth, as the run summary prints them ("4:07.0"), but rounded before it is
    split (59.97 s is "1:00.0", where the summary prints "0:60.0"); "-" for none."""
    if seconds is None:
        return "-"
    minutes, tenths = divmod(round(seconds * 10), 600)
    return f"{minutes}:{tenths // 10:02d}.{tenths % 10}"


def share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def title(report: Report) -> str:
    p = report.period
    lanes = ", ".join(report.lanes) if report.lanes else "all lanes"
    who = "names and NIKs SHOWN" if report.personal else "names and NIKs masked"
    return (
        f"{report.site}: {p.first} to {p.last} ({p.zone}), {lanes}; target {report.target_s / 60:g} min; "
        f"{who}; made {report.generated}"
    )


def timeline(cycle: SlowCycle) -> str:
    return " > ".join(
        f"{s.stage} {mmss(s.seconds)}" + (" (retry)" if s.ended_by == "retry" else "") for s in cycle.steps
    )
