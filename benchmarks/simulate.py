"""Lane engine figures, run by hand (`make bench` or `.venv/bin/python -m benchmarks.simulate`):

1. wall time of `lane simulate --hours 8 --lanes 4` (goal: under 10 s on 2 cores), durable and fast store;
2. events committed per second: in that run, and raw store throughput (durable / not);
3. controller overhead per cycle: the same seeded renewals on one lane on the virtual clock (where the controller
   takes no time by construction: only people and devices do) and on a scaled clock (where everything the
   controller does costs real time); the difference, divided by the speed-up, is the controller's own time per
   cycle at real speed (goal: under 1 s).
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from lane import clock as clocks
from lane.clock import Clock
from lane.config import Lane, SiteConfig, load
from lane.simulate import SimPlan, simulate
from lane.site import lanes_for
from lane.store import Stamp, Store, TransitionRecord

ROOT = Path(__file__).resolve().parent.parent


def simulate_wall(tmp: Path, fast: bool) -> tuple[float, int, int]:
    db = tmp / ("fast.db" if fast else "durable.db")
    cmd = [str(ROOT / ".venv/bin/lane"), "simulate", "--hours", "8", "--lanes", "4", "--db", str(db)]
    t0 = time.perf_counter()
    out = subprocess.run(cmd + (["--fast-store"] if fast else []), cwd=ROOT, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    import sqlite3

    con = sqlite3.connect(db)
    events = con.execute("select count(*) from events").fetchone()[0]
    cycles = con.execute("select count(*) from cycles").fetchone()[0]
    con.close()
    print(out.stdout.strip().replace("\n", "\n    "))
    return wall, events, cycles


def store_throughput(tmp: Path, durable: bool, n: int = 2000) -> float:
    store = Store(tmp / f"raw-{durable}.db", durable)
    t0 = time.perf_counter()
    for i in range(n):
        now = Stamp(datetime.now(UTC), float(i))
        store.transition(
            TransitionRecord(
                "L1",
                "A",
                now,
                "plate",
                "documents",
                "plate_read",
                "bench",
                {"i": i},
                None,
                False,
                True,
                {},
                {"context": {"plate": "G 1 A"}},
            )
        )
    rate = n / (time.perf_counter() - t0)
    store.close()
    return rate


async def _simulate_on(clock: Clock, config: SiteConfig, lanes: list[Lane], db: Path, plan: SimPlan) -> None:
    """`simulate` with its clock first, as `clocks.run` calls it."""
    await simulate(clock, config, lanes, db, plan, True)


def overhead(tmp: Path, speed: float, renewals: int = 4) -> tuple[float, float, float]:
    config = load(ROOT / "config" / "site.toml")
    lanes = lanes_for(config, 1)
    results = {}
    for mode in ("virtual", "scaled"):
        db = tmp / f"overhead-{mode}.db"
        plan = SimPlan(count=renewals, plate_reader="operator", show="quiet")
        clocks.run(partial(_simulate_on, config=config, lanes=lanes, db=db, plan=plan), mode, speed)
        import sqlite3

        con = sqlite3.connect(db)
        results[mode] = [d for (d,) in con.execute("select duration from cycles order by id")]
        con.close()
    diffs = [(s - v) / speed for v, s in zip(results["virtual"], results["scaled"], strict=True)]
    return statistics.median(diffs), max(diffs), statistics.median(results["virtual"])


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        print("1. lane simulate --hours 8 --lanes 4")
        for fast in (False, True):
            wall, events, cycles = simulate_wall(tmp, fast)
            label = "fast store (synchronous=NORMAL)" if fast else "durable store (synchronous=FULL)"
            print(
                f"  {label}: {wall:.2f} s wall for {cycles} cycles, {events} events "
                f"-> {events / wall:.0f} events/s, {1000 * wall / cycles:.0f} ms wall per cycle; "
                f"goal 10 s: ratio {wall / 10:.2f}"
            )
        print("2. raw store: one transition = one transaction (event + cycle + snapshot)")
        for durable in (True, False):
            print(f"  durable={durable}: {store_throughput(tmp, durable):.0f} transitions committed/s")
        print("3. controller overhead per cycle (one lane, same seed, virtual vs x20 clock)")
        med, worst, cycle = overhead(tmp, 20.0)
        print(
            f"  median {med * 1000:.0f} ms, worst {worst * 1000:.0f} ms per cycle "
            f"(cycle median {cycle:.0f} s); goal 1 s: ratio {med:.3f}"
        )


if __name__ == "__main__":
    main()
