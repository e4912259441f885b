"""The lane's plate decision with the shipped reader, run by hand (`.venv/bin/python -m benchmarks.plate_lane`).

For synthetic vehicles, each a run of camera frames as a lane reads them (`plates.lane_reader`; frames of the virtual
plate camera, `devices.render.plate_frame`, clean or with mud over the plate, and 1280x720 lane scenes,
`devices.render.scene`), replays the plate stage's decision (`plates.vote` and `lane.plate_policy`, as
`lane.stages.run_plate` makes it) at several values of `rules.plate_accept` (0 is the lane before issue 16: any
agreed plate taken) and prints, per kind of vehicle and value: plates taken unasked and right, taken unasked and
wrong, and the operator asked (and how often the suggestion shown was right, which the operator confirms with one
key). Synthetic plates only: these figures say how the lane's rule behaves with this reader, not how the reader does
on real plates (that is benchmarks/plates.py, on its validation part, from which `plate_accept` is chosen).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from devices import render
from lane.plate_policy import Frames
from plates.lane_reader import lane_reader
from plates.reading import Image, PlateReading
from plates.vote import Voter

THRESHOLDS = (0.0, 0.5, 0.8, 0.9, 0.95)

#: kind -> (plate, vehicle number, frame number) -> frame
KINDS: dict[str, Callable[[str, int, int], Image]] = {
    "clean": lambda plate, v, f: render.plate_frame(plate, black=v % 2 == 1, seed=1000 * v + f),
    "dirty": lambda plate, v, f: render.plate_frame(plate, black=v % 2 == 1, dirty=True, seed=1000 * v + f),
    "scene": lambda plate, v, f: render.scene(plate, seed=1000 * v + f)[0],
}


def decide(readings: list[PlateReading | None], agreement: int, threshold: float) -> tuple[str | None, str | None]:
    """The plate taken unasked (None: the operator is asked) and the suggestion shown when asked."""
    voter, frames = Voter(agreement), Frames()
    for reading in readings:
        if reading is None:
            continue
        frames.add(reading)
        agreed = voter.add(reading)
        sure = frames.decide(agreed, threshold) if agreed is not None else None
        if sure is not None:
            return sure.compact, None
    shown = frames.suggestion()
    return None, shown.compact if shown is not None else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vehicles", type=int, default=20, help="vehicles of each kind")
    p.add_argument("--frames", type=int, default=12, help="frames read per vehicle (a lane reads up to 80 in 8 s)")
    p.add_argument("--agreement", type=int, default=2, help="rules.plate_agreement")
    p.add_argument("--seed", type=int, default=16)
    args = p.parse_args(argv)
    reader = lane_reader()
    reader.warm_up()
    rng = np.random.default_rng(args.seed)
    print(f"{args.vehicles} vehicles a kind, {args.frames} frames each, plate_agreement {args.agreement}")
    for kind, frame in KINDS.items():
        t0 = time.perf_counter()
        runs: list[tuple[str, list[PlateReading | None]]] = []
        for v in range(args.vehicles):
            plate = render.random_plate(rng)
            got = [reader(frame(plate, v, f)) for f in range(args.frames)]
            runs.append((plate.replace(" ", ""), [g if isinstance(g, PlateReading) else None for g in got]))
        ms = (time.perf_counter() - t0) * 1000 / max(1, args.vehicles * args.frames)
        for threshold in THRESHOLDS:
            right = wrong = asked = shown_right = 0
            for truth, readings in runs:
                taken, shown = decide(readings, args.agreement, threshold)
                right += taken == truth
                wrong += taken is not None and taken != truth
                asked += taken is None
                shown_right += taken is None and shown == truth
            print(
                f"{kind:6s} plate_accept {threshold:.2f}: taken unasked right {right}, wrong {wrong}; "
                f"operator asked {asked} (suggestion right {shown_right})  [{ms:.0f} ms a frame]"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
