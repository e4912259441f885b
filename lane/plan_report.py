"""`lane plan`'s output: the figures of each candidate layout as rich tables on the terminal (plain text when not
a terminal) and as CSV, one row per layout, hour and figure with its 95% interval. The HTML is lane/plan_html.py.
Every output says what the plan leaves out (`LEAVES_OUT`)."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.table import Table

from flows.plan_sim import Estimate, Figures, smallest_holding

LEAVES_OUT = (
    "Left out: real devices (booms, printer and cameras are fixed times measured on the virtual lane), images and "
    "OCR (a plate is read in a second or typed), device faults other than a stage over its hard budget, "
    "drivers changing queues, and a lane closing during the day."
)


@dataclass(frozen=True)
class Plan:
    results: list[Figures]
    notes: list[str]
    target_s: float

    @property
    def best(self) -> Figures | None:
        return smallest_holding(self.results)


def mmss(seconds: float) -> str:
    if math.isinf(seconds):
        return "never"  # more than the quantile's share of drivers were turned away
    if math.isnan(seconds):
        return "-"
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def pm(e: Estimate, kind: str) -> str:
    """A figure and the half-width of its interval (none with a single day)."""
    if math.isnan(e.mean) or math.isinf(e.mean):
        return "-" if math.isnan(e.mean) else "never"
    formats: dict[str, Callable[[float], str]] = {"time": mmss, "share": "{:.0%}".format, "count": "{:.1f}".format}
    fmt = formats[kind]
    return fmt(e.mean) if math.isnan(e.half) else f"{fmt(e.mean)} ±{fmt(e.half)}"


SUMMARY = (
    ("total median", "total_median", "time"),
    ("total p90", "total_p90", "time"),
    ("goal met", "goal_met", "share"),
    ("wait p90", "wait_p90", "time"),
    ("queue p95", "queue_p95", "count"),
    ("balked", "balked", "share"),
    ("reneged", "reneged", "share"),
    ("officers busy", "officer_util", "share"),
    ("lanes busy", "lane_util", "share"),
)


def print_text(plan: Plan, out: IO[str]) -> None:
    console = Console(file=out, width=max(120, 20 + 14 * len(SUMMARY)), highlight=False)
    for note in plan.notes:
        console.print(note, markup=False)
    goal = f"{plan.target_s / 60:g} min"
    table = Table(title=f"Layouts (lanes/officers per class): mean over the days ±95% interval; goal {goal}")
    for col in ("layout", *(name for name, _, _ in SUMMARY), "holds"):
        table.add_column(col, justify="left" if col == "layout" else "right")
    for f in plan.results:
        cells = [pm(getattr(f, attr), kind) for _, attr, kind in SUMMARY]
        table.add_row(f.layout.name, *cells, "yes" if f.holds else "no", style="bold" if f is plan.best else "")
    console.print(table)
    hours = sorted({h for f in plan.results for h in f.hour_queue_max})
    by_hour = Table(title="By hour joined: p90 total, upper bound of its interval / queue p95 / longest queue")
    by_hour.add_column("layout")
    for h in hours:
        by_hour.add_column(f"{h:02d}", justify="right")
    for f in plan.results:
        cells = []
        for h in hours:
            p90 = f.hour_p90.get(h)
            up = mmss(p90.upper if not math.isnan(p90.half) else p90.mean) if p90 else "-"
            late = p90 is not None and h in f.busy_hours and not p90.upper <= plan.target_s
            q95 = f.hour_queue_p95.get(h)
            q = f"{q95.mean:.0f}" if q95 and not math.isnan(q95.mean) else "-"
            cells.append(f"{'[red]' if late else ''}{up}{'[/red]' if late else ''}\n{q}/{f.hour_queue_max.get(h, 0)}")
        by_hour.add_row(f.layout.name, *cells)
    console.print(by_hour)
    best = plan.best
    if best is None:
        console.print("No candidate holds the goal at every hour with demand: add lanes or officers.", markup=False)
    else:
        console.print(
            f"Smallest layout that holds the goal at every hour: {best.layout.name} "
            f"(p90 total {mmss(best.total_p90.mean)}, upper bound {mmss(best.total_p90.upper)}; "
            f"worst hour's upper bound {mmss(max(best.hour_p90[h].upper for h in best.busy_hours))})",
            markup=False,
        )
    console.print(LEAVES_OUT, markup=False)


def rows(plan: Plan) -> Iterator[list[str]]:
    yield ["layout", "hour", "figure", "mean", "low", "high", "days", "holds"]

    def num(x: float) -> str:
        return "" if math.isnan(x) else f"{x:.4g}"

    for f in plan.results:
        holds = "yes" if f.holds else "no"
        for name, attr, _ in SUMMARY:
            e: Estimate = getattr(f, attr)
            yield [f.layout.name, "all", name, num(e.mean), num(e.lower), num(e.upper), str(e.n), holds]
        for h in sorted(set(f.hour_p90) | set(f.hour_queue_p95)):
            if h in f.hour_p90:
                e = f.hour_p90[h]
                yield [f.layout.name, f"{h:02d}", "total p90", num(e.mean), num(e.lower), num(e.upper), str(e.n), holds]
            if h in f.hour_queue_p95:
                e = f.hour_queue_p95[h]
                yield [f.layout.name, f"{h:02d}", "queue p95", num(e.mean), num(e.lower), num(e.upper), str(e.n), holds]
                yield [f.layout.name, f"{h:02d}", "queue max", str(f.hour_queue_max[h]), "", "", str(f.days), holds]


def write_csv(plan: Plan, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows(plan))
