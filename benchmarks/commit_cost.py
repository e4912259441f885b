"""What one lane transition costs to commit, with 8 lanes committing: the median and 90th percentile of
`Store.transition` (run by hand: `.venv/bin/python -m benchmarks.commit_cost [--rounds 3] [--cycles 15]`).

As the controller runs them: one process, one store (durable as `store.durable` in config/site.toml says: an
fsync a commit), 8 lanes as tasks on one event loop, each walking whole renewals (the cycle opened on arrival,
its figures updated at each step and closed on the way out), yielding to the others after each transition. Each
round uses a new database; the first commits of a round (the file growing from nothing) are left out. The same
file runs against an older checkout (`cd OLD && PYTHONPATH=OLD python /path/to/commit_cost.py`: it imports `lane`
from the current directory first), so the audit chain's cost is the difference between the two figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Not the installed project: the checkout being measured is the current directory's (the paired workers run this
# file by its path inside another checkout, where the script's own directory would come first).
sys.path.insert(0, str(Path.cwd()))

from lane.config import load
from lane.store import Stamp, Store, TransitionRecord

LANES = 8
WARMUP = 40  # commits left out at the start of each round
STEPS = ["idle", "arrived", "plate", "documents", "payment", "photo", "printing", "handover", "exiting", "idle"]
TRIGGERS = [
    "vehicle_arrived",
    "admitted",
    "plate_read",
    "documents_ok",
    "paid",
    "photo_accepted",
    "printed",
    "handed_over",
    "vehicle_left",
]


async def _lane(store: Store, lane: str, cycles: int, times: list[float]) -> None:
    mono = 0.0
    for _ in range(cycles):
        cycle: int | None = None
        for i, trigger in enumerate(TRIGGERS):
            source, dest = STEPS[i], STEPS[i + 1]
            mono += 30.0
            closing = dest == "idle"
            update: dict[str, Any] = {f"dur_{source}": 30.0} if source != "idle" else {}
            if closing:
                update.update(outcome="completed", ended_mono=mono, duration=240.0)
            rec = TransitionRecord(
                lane,
                "A",
                Stamp(datetime.now(UTC), mono),
                source,
                dest,
                trigger,
                "bench",
                {"step": i},
                cycle,
                source == "idle",
                not closing,
                update,
                {"context": {"plate": "G 1234 AB", "step": i}},
                card_printed=f"{lane}-{cycle}-1" if trigger == "printed" else None,
            )
            t0 = time.perf_counter()
            cycle = store.transition(rec)
            times.append(time.perf_counter() - t0)
            await asyncio.sleep(0)  # the other lanes' turn, as between a lane's transitions on the controller's loop


async def _round(db: Path, durable: bool, cycles: int) -> list[float]:
    store = Store(db, durable)
    times: list[float] = []
    try:
        await asyncio.gather(*(_lane(store, f"L{n + 1}", cycles, times) for n in range(LANES)))
    finally:
        store.close()
    return times[WARMUP:]


def _figures(times: list[float]) -> str:
    return (
        f"median {statistics.median(times) * 1e3:.3f} ms, p90 {statistics.quantiles(times, n=10)[-1] * 1e3:.3f} ms "
        f"over {len(times)} commits"
    )


def _worker(durable: bool, cycles: int) -> int:
    """Rounds on demand: a line in, one round run, its commit times out as one JSON line."""
    with tempfile.TemporaryDirectory() as tmp:
        for n, _ in enumerate(sys.stdin):
            times = asyncio.run(_round(Path(tmp) / f"round{n}.db", durable, cycles))
            print(json.dumps(times), flush=True)
    return 0


def _paired(other: Path, durable: bool, rounds: int, cycles: int) -> int:
    """Rounds taken in turn by two workers alike, one importing this checkout's `lane` and one `other`'s, so that
    both see the same machine; the ratio of the medians is the cost of the difference."""
    workers = {}
    for side, where in (("here", Path.cwd()), ("there", other)):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--cycles", str(cycles)]
        env = {**os.environ, "PYTHONPATH": str(where)}
        workers[side] = subprocess.Popen(
            cmd, cwd=where, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
    times: dict[str, list[float]] = {"here": [], "there": []}
    pairs = []
    for n in range(rounds):
        got = {}
        for side in ("here", "there") if n % 2 == 0 else ("there", "here"):
            worker = workers[side]
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write("round\n")
            worker.stdin.flush()
            got[side] = json.loads(worker.stdout.readline())
            times[side] += got[side]
        pairs.append(statistics.median(got["here"]) / statistics.median(got["there"]))
    for worker in workers.values():
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait()
    here, there = times["here"], times["there"]
    print(f"{other} ({LANES} lanes, durable={durable}): {_figures(there)}")
    print(f"{Path.cwd()} ({LANES} lanes, durable={durable}): {_figures(here)}")
    ratio = statistics.median(here) / statistics.median(there)
    p90 = statistics.quantiles(here, n=10)[-1] / statistics.quantiles(there, n=10)[-1]
    print(
        f"ratio here / there: median {ratio:.3f}, p90 {p90:.3f} ({rounds} rounds each, taken in turn); "
        f"median of the {rounds} rounds' ratios {statistics.median(pairs):.3f}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each on a new database (default 3)")
    parser.add_argument("--cycles", type=int, default=15, help="renewals per lane and round (default 15)")
    parser.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="another checkout (e.g. `git archive BASE | tar -x -C DIR`): rounds in turn there",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    durable = load(Path.cwd() / "config" / "site.toml").store.durable
    if args.worker:
        return _worker(durable, args.cycles)
    if args.against is not None:
        return _paired(args.against.resolve(), durable, args.rounds, args.cycles)
    medians, every = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            times = asyncio.run(_round(Path(tmp) / f"round{n}.db", durable, args.cycles))
            medians.append(statistics.median(times))
            every += times
            print(f"round {n + 1}: {_figures(times)}")
    print(
        f"commit cost ({Path.cwd()}, {LANES} lanes, durable={durable}): {_figures(every)}; median of the round "
        f"medians {statistics.median(medians) * 1e3:.3f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
