"""`lane plan`: how many lanes, of which class, with how many officers, keep the goal (90% of drivers under the
target from joining the queue to leaving the lane) for a design day's demand; each candidate layout simulated on
`--days` days (flows/plan_sim.py), their figures on the terminal, `--csv` and `--html` (lane/plan_report.py).

lane/cli.py adds the subcommand with `add_parser(sub)` and runs it with `run(args, config)`. The layouts' days
run on `--jobs` processes (concurrent.futures), each a share of the days of one layout, with the same seeds
whatever the number of processes. Exit codes: 0 done (whether or not a layout holds), 2 bad input (a layout the
flow cannot serve, an unreadable --from-db), one line saying what and where.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flows.plan_model import Demand, Dist, Layout, PlanError, StageTimes
from flows.plan_sim import Day, Figures, figures, flow_service, simulate_day
from flows.renewal import Flow, LaneClass
from lane import plan_inputs
from lane.config import SiteConfig


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share from 0 to 1, got {text!r:.20}")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3_000_000:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r:.20}")
    return value


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "plan", help="site planning: the smallest layout of lanes and officers that holds the goal"
    )
    p.add_argument("--renewals-per-day", type=_positive, metavar="N", help="both classes, the design day")
    p.add_argument("--renewals-per-month", type=_positive, metavar="N", help="spread by [plan] weekdays")
    p.add_argument("--sim-a-share", type=_share, metavar="X", help="share of SIM A (cars), 0..1")
    p.add_argument("--rejected", type=_share, metavar="X", help="share of renewals rejected at the documents")
    p.add_argument("--retakes", type=_share, metavar="X", help="share of renewals with a photo retaken")
    p.add_argument(
        "--layout",
        action="append",
        default=[],
        metavar="SPEC",
        help="a candidate, e.g. A1,C3/2,shared,q15 (lanes/officers per class, shared or per-lane queue, capacity); "
        "repeatable; default: [plan] layouts, else twelve around the configured site",
    )
    p.add_argument("--days", type=int, default=None, help="simulated days per layout (default [plan] days, 30)")
    p.add_argument("--seed", type=int, default=None, help="the first day's seed (default [simulation] seed)")
    p.add_argument("--from-db", type=Path, metavar="PATH", help="stage times fitted from this site database")
    p.add_argument("--csv", type=Path, metavar="FILE", help="also write the figures as CSV")
    p.add_argument("--html", type=Path, metavar="FILE", help="also write them as one self-contained HTML file")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="processes (default 2)")
    return p


@dataclass(frozen=True)
class Inputs:
    """Everything a plan is made from, picklable for the worker processes."""

    flows: Mapping[LaneClass, Flow]
    times: StageTimes
    shares: Mapping[str, float]
    demand: Demand
    patience: Dist | None
    target_s: float


def _days(inputs: Inputs, layout: Layout, seeds: Sequence[int]) -> list[Day]:
    service = flow_service(inputs.flows, inputs.times, inputs.shares)
    return [simulate_day(service, inputs.demand, layout, seed, inputs.patience) for seed in seeds]


def simulate_layouts(inputs: Inputs, layouts: Sequence[Layout], days: int, seed: int, jobs: int) -> list[Figures]:
    """Each layout on `days` days (seeds seed .. seed+days-1, the same days for every layout: common random
    numbers make the layouts' differences sharper), on `jobs` processes."""
    for layout in layouts:
        layout.check(inputs.demand)
    chunks = [(layout, list(range(seed + i, seed + days, jobs))) for layout in layouts for i in range(jobs)]
    if jobs <= 1:
        results = [_days(inputs, layout, seeds) for layout, seeds in chunks]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_days, [inputs] * len(chunks), *zip(*chunks, strict=True)))
    out = []
    for k, layout in enumerate(layouts):
        mine = [d for r in results[k * jobs : (k + 1) * jobs] for d in r]
        out.append(figures(layout, inputs.demand, mine, inputs.target_s))
    return out


def build(args: argparse.Namespace, config: SiteConfig) -> tuple[Inputs, list[Layout], list[str]]:
    """The inputs, the candidate layouts and what the plan is made of (lines for the output)."""
    flows = plan_inputs.flows(config)
    shares = plan_inputs.mishaps(config, args.rejected, args.retakes)
    times: StageTimes = plan_inputs.step_times(config)
    notes = []
    if args.from_db is not None:
        from lane.plan_fit import fit  # reads the database; the rest of the plan does no I/O

        fitted = fit(args.from_db)
        times = fitted.times
        if args.rejected is None:
            total = sum(fitted.cycles.values())
            shares["documents_rejected"] = sum(fitted.rejected[c] * fitted.cycles[c] for c in fitted.rejected) / total
        notes.append(f"step times: fitted from {args.from_db} ({sum(fitted.cycles.values())} cycles, lognormal by MLE)")
        notes += [f"  {n}" for n in fitted.notes]
    else:
        notes.append(f"step times: {args.config} [simulation.steps], composed as the simulated lane plays them")
    need, spec = plan_inputs.demand(config, args.renewals_per_day, args.renewals_per_month, args.sim_a_share, shares)
    notes.append(
        f"demand: {spec.per_day:.0f} renewals on the design day ({spec.weekday}; {spec.source}), "
        f"SIM A {spec.sim_a_share:.0%}, rejected {shares['documents_rejected']:.0%}, "
        + (
            "photo retakes and typed plates inside the fitted stage times"
            if args.from_db is not None
            else f"photo retaken {shares['photo_retake']:.0%}, plate unread {shares['plate_unread']:.0%}"
        )
    )
    patience = plan_inputs.dist(config.plan.patience) if config.plan.patience else None
    inputs = Inputs(flows, times, shares, need, patience, config.site.target_minutes * 60)
    specs = args.layout or config.plan.layouts
    if specs:
        layouts = [plan_inputs.parse_layout(s, config.plan.capacity) for s in specs]
    else:
        service = flow_service(flows, times, shares)
        layouts = plan_inputs.candidates(config, need, service, config.plan.capacity)
    return inputs, layouts, notes


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    from lane import plan_report

    days = args.days if args.days is not None else config.plan.days
    if not 2 <= days <= 1000 or not 1 <= args.jobs <= 32:
        print(f"lane plan: --days must be 2 to 1000 and --jobs 1 to 32, got {days} and {args.jobs}", file=sys.stderr)
        return 2
    try:
        inputs, layouts, notes = build(args, config)
        for layout in layouts:
            layout.check(inputs.demand)
    except PlanError as err:
        print(f"lane plan: {err}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    seed = config.simulation.seed if args.seed is None else args.seed
    try:
        results = simulate_layouts(inputs, layouts, days, seed, args.jobs)
    except KeyboardInterrupt:  # Ctrl-C: the worker processes stop with the pool; no traceback
        print("lane plan: interrupted", file=sys.stderr)
        return 130
    notes.append(f"{len(layouts)} layouts x {days} days in {time.perf_counter() - started:.1f} s")
    plan = plan_report.Plan(results, notes, inputs.target_s)
    plan_report.print_text(plan, sys.stdout)
    try:
        if args.csv:
            plan_report.write_csv(plan, args.csv)
        if args.html:
            from lane.plan_html import write_html

            write_html(plan, args.html)
    except OSError as err:
        print(f"lane plan: cannot write {err.filename}: {err.strerror}", file=sys.stderr)
        return 1
    return 0
