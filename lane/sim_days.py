"""What `lane simulate` simulates: its span and its arrivals, from the command line and `[simulation]`.

Without `--days`/`--start`: `--hours` of arrivals from 08:00 today, into a fresh database. With them: whole days
from 00:00 of `--start` (default today), `--days` of them (default one), appended to the database. Arrivals follow
the site's `arrival_profile` (arrivals an hour for the whole site, by hour of day; scaled by `--lanes N` over the
configured lanes) unless `--arrivals-per-hour` is given, or the site has none: then that rate (else
`arrivals_per_hour`) a lane, from 08:00 for `--hours` each day.
"""

from __future__ import annotations

import argparse
import math
from datetime import datetime, time
from zoneinfo import ZoneInfo

from lane.config import SiteConfig
from lane.simulate import SimPlan


def sim_span(config: SiteConfig, args: argparse.Namespace, lanes: int) -> tuple[SimPlan, datetime]:
    tz = ZoneInfo(config.site.timezone)
    sim = config.simulation
    profile = sim.arrival_profile if args.arrivals_per_hour is None else None
    if profile is not None and lanes != len(config.lanes):  # the site made bigger or smaller by `--lanes N`
        profile = {hour: rate * lanes / len(config.lanes) for hour, rate in profile.items()}
    per_hour = args.arrivals_per_hour or sim.arrivals_per_hour
    whole_days = args.days is not None or args.start is not None
    day = args.start or datetime.now(tz).date()
    if not whole_days:
        start, hours = datetime.combine(day, time(8, 0), tz), args.hours
    else:
        start, hours = datetime.combine(day, time(0, 0), tz), 24.0 * (args.days or 1)
        if profile is None:  # a flat rate during the working hours of each day
            profile = {str(h): per_hour * lanes for h in range(8, min(24, 8 + math.ceil(args.hours)))}
    plan = SimPlan(hours=hours, per_hour=per_hour, plate_reader=args.plate_reader, seed=args.seed, profile=profile)
    return plan, start
