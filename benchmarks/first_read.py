"""The first plate reads of a lane, cold and warmed, run by hand (`.venv/bin/python -m benchmarks.first_read`).

A lane reads plates on a thread of its own (`lane.controller`), where the reader's models are loaded when the lane
starts (`PlateReader.warm_up`). Each trial runs in a fresh Python process, as a controller starting: a reading
thread, warmed up or not, idles a moment, then reads the first few frames of synthetic lane scenes
(`devices.render.scene`, 1280x720). Prints each trial's reads in ms, and their total cold and warmed and the
ratio (medians over `--trials`): a model is loaded in whichever read first needs it, here the first (it runs the
plate recogniser, the text detector and, for the reading it chooses, PP-OCRv6 as shipped: the general check).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TRIAL = """
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
import numpy as np
from devices import render
from plates import lane_reader
warm, count = sys.argv[1] == "warm", int(sys.argv[2])
rng = np.random.default_rng(7)
frames = [render.scene(render.random_plate(rng), seed=i)[0] for i in range(count)]
reader = lane_reader.lane_reader()
pool = ThreadPoolExecutor(1)
if warm:
    pool.submit(reader.warm_up).result()
time.sleep(0.5)
def timed(frame):
    t0 = time.perf_counter()
    reader(frame)
    return (time.perf_counter() - t0) * 1000
print(json.dumps([pool.submit(timed, f).result() for f in frames]))
pool.shutdown()
"""


def trial(warm: bool, reads: int) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", TRIAL, "warm" if warm else "cold", str(reads)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(ms) for ms in json.loads(out.stdout.splitlines()[-1])]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=3)
    p.add_argument("--reads", type=int, default=8, help="frames read in each trial")
    args = p.parse_args(argv)
    total: dict[str, list[float]] = {"cold": [], "warmed": []}
    for _ in range(args.trials):
        for warm, name in ((False, "cold"), (True, "warmed")):
            times = trial(warm, args.reads)
            total[name].append(sum(times))
            print(f"{name:6}  reads ms: {' '.join(f'{t:.0f}' for t in times)}", flush=True)
    cold, warmed = statistics.median(total["cold"]), statistics.median(total["warmed"])
    print(
        f"the first {args.reads} reads in all, median of {args.trials} trials: cold {cold:.0f} ms, warmed "
        f"{warmed:.0f} ms; cold / warmed {cold / warmed:.1f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
