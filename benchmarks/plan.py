"""Site planning's figures (`python -m benchmarks.plan`), run by hand:

1. speed: the twelve default candidate layouts x 30 simulated days of the worked example (docs/planning.md: a
   regency the size of Karanganyar), on two processes (goal: under 60 s on this 2-core machine); then how the cost
   grows with days, layouts and demand (a small table, one process);
2. the simulation against the Allen-Cunneen approximation of the mean wait with the real step-time distributions
   (shared queue, Poisson arrivals at a constant rate, 1-3 lanes at utilisation 0.5-0.85): the simulated mean wait
   with its 95% interval, the approximation, and their difference.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from flows.plan_model import Demand, Layout
from flows.plan_sim import Estimate, flow_service, simulate_day
from flows.plan_theory import allen_cunneen_wait
from flows.renewal import LaneClass
from lane import plan_cli, plan_inputs
from lane.config import load

ROOT = Path(__file__).resolve().parent.parent
#: The worked example of docs/planning.md.
EXAMPLE = ["--renewals-per-month", "2466", "--sim-a-share", "0.31"]


def _inputs(extra: list[str]) -> tuple[plan_cli.Inputs, list[Layout]]:
    args = plan_cli.add_parser(argparse.ArgumentParser().add_subparsers()).parse_args(extra)
    args.config = ROOT / "config" / "site.toml"
    inputs, layouts, _ = plan_cli.build(args, load(args.config))
    return inputs, layouts


def speed() -> None:
    inputs, layouts = _inputs(EXAMPLE)
    t0 = time.perf_counter()
    plan_cli.simulate_layouts(inputs, layouts, 30, 1, 2)
    wall = time.perf_counter() - t0
    print(f"{len(layouts)} layouts x 30 days, 2 processes: {wall:.1f} s (goal under 60 s)")
    print("\ncost, one process, the same layout (the middle candidate) repeated: days x layouts x renewals a day")
    print(f"{'days':>5} {'layouts':>8} {'per day':>8} {'seconds':>8} {'ms a layout-day':>16}")
    plan_cli.simulate_layouts(inputs, layouts[:1], 2, 1, 1)  # imports and caches warmed
    for days, count, scale in ((10, 3, 1), (30, 3, 1), (10, 12, 1), (30, 12, 1), (10, 3, 2), (10, 3, 4)):
        extra = ["--renewals-per-day", str(round(118 * scale)), "--sim-a-share", "0.31"]
        inputs, layouts = _inputs(extra)
        t0 = time.perf_counter()
        plan_cli.simulate_layouts(inputs, [layouts[len(layouts) // 2]] * count, days, 1, 1)
        wall = time.perf_counter() - t0
        print(f"{days:>5} {count:>8} {118 * scale:>8} {wall:>8.2f} {1000 * wall / (days * count):>16.1f}")


def allen_cunneen() -> None:
    config = load(ROOT / "config" / "site.toml")
    shares = plan_inputs.mishaps(config, None, None)
    service = flow_service(plan_inputs.flows(config), plan_inputs.step_times(config), shares)
    rng = random.Random(3)
    draws = [sum(s.seconds for s in service(LaneClass.C, rng)[0]) for _ in range(20000)]
    mean_s = statistics.fmean(draws)
    cs2 = statistics.variance(draws) / mean_s**2
    print(f"\nSIM C service (lane entry to exit) with the configured steps: mean {mean_s:.1f} s, cs^2 {cs2:.3f}")
    print("shared queue, Poisson arrivals (ca^2 = 1), 16 days of 24 h, the first 8 h of each not counted")
    print(f"{'lanes':>5} {'util':>5} {'simulated wait':>18} {'Allen-Cunneen':>14} {'difference':>11}")
    for lanes in (1, 2, 3):
        for rho in (0.5, 0.7, 0.85):
            rate_h = rho * lanes * 3600 / mean_s
            demand = Demand({LaneClass.C: (rate_h,) * 24})
            layout = Layout({LaneClass.C: lanes}, {LaneClass.C: lanes}, True, 10**6)
            days = [simulate_day(service, demand, layout, seed, warmup_h=8.0) for seed in range(16)]
            sim = Estimate.of([statistics.fmean(d.waits) for d in days])
            ac = allen_cunneen_wait(lanes, rate_h / 3600, mean_s, 1.0, cs2)
            print(
                f"{lanes:>5} {rho:>5.2f} {sim.mean:>9.1f} ±{sim.half:>5.1f} s {ac:>12.1f} s "
                f"{100 * (ac - sim.mean) / sim.mean:>+10.0f}%"
            )


if __name__ == "__main__":
    speed()
    allen_cunneen()
