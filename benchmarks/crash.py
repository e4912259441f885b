"""Crash figures, run by hand (`.venv/bin/python -m benchmarks.crash [--kills 40] [--seed 1]`): the controller
killed with SIGKILL at seeded moments spread over every stage of a renewal (and at purely random delays), on two
lanes whose device simulators stay up across every kill while the physical world goes on, then restarted on the
same database (`benchmarks/crash_world.py` says how). It prints the kills per stage and what the world shows:
extra cards (card images beyond the `cards` rows, and valid cards beyond one a renewal), lost renewals, boom closes
over a vehicle, lanes that had to be let go by hand, cycles, cards, the time taken. Every figure should be 0 but
cycles, cards and time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.crash_world import plan, run_crash


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=40, help="kills (default 40)")
    p.add_argument("--seed", type=int, default=1, help="seed of the kill moments and the people (default 1)")
    p.add_argument("--lanes", default="L1,L2", help="lanes (default L1,L2: a SIM A and a SIM C lane)")
    p.add_argument("--speed", type=float, default=40.0, help="lane clock speed, x real time (default 40)")
    p.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it (database, cards, logs)")
    p.add_argument("--quiet", action="store_true", help="no line per kill")
    args = p.parse_args(argv)
    if args.kills < 1:
        p.error("--kills must be at least 1")
    aims = plan(args.kills, args.seed)
    lanes = [lane.strip() for lane in args.lanes.split(",") if lane.strip()]
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        workdir = args.keep or Path(tmp)
        figures = run_crash(
            workdir, aims, lanes=lanes, speed=args.speed, seed=args.seed, log=None if args.quiet else print
        )
        print()
        print(f"{args.kills} kills, seed {args.seed}, lanes {', '.join(lanes)}, speed {args.speed:g}")
        for line in figures.lines():
            print(line)
        if args.keep:
            print(f"kept: {workdir}")
    bad = figures.extra_cards + figures.lost_renewals + figures.closes_over_vehicle + figures.let_go
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
