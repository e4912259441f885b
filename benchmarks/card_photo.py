"""What making the card's portrait costs, run by hand (`.venv/bin/python -m benchmarks.card_photo [--photos 40]`).

For driver photos of the simulated camera (`devices.portrait`, 300 x 400), each accepted by the photo gate: the
portrait with its background made uniform (`flows.card_photo.card_portrait`, GrabCut at WORK_WIDTH pixels), the
plain cut it replaces (`flows.photo.card_crop`), and the whole card face the lane composes (`lane.rules`). Prints
the median and 90th percentile in ms of each (CPU time of this process, so a busy machine counts less), and the
share of the photo box the background step changed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import numpy as np

from devices.portrait import driver_photo
from flows import card, photo
from flows.card_photo import WORK_WIDTH, card_portrait


def _times(work: Callable[[], Any], repeat: int = 1) -> float:
    start = time.process_time()
    for _ in range(repeat):
        work()
    return (time.process_time() - start) / repeat * 1000


def _card_face(fields: dict[str, str], image: Any, face: tuple[int, int, int, int]) -> Any:
    return card.compose(fields, card_portrait(image, face))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40, help="driver photos to time (default 40)")
    args = parser.parse_args(argv)
    if not 1 <= args.photos <= 10_000:
        parser.error("--photos must be 1 to 10000")
    photos = []
    for seed in range(1, 10 * args.photos):
        image = driver_photo(seed)
        verdict = photo.assess(image)
        if verdict.ok and verdict.face is not None:
            photos.append((image, verdict.face))
        if len(photos) == args.photos:
            break
    fields = {"number": "3312122603694899", "name": "WAHYU UTOMO", "valid_until": f"Berlaku s/d {date(2031, 12, 5)}"}
    portrait_ms, crop_ms, face_ms, changed = [], [], [], []
    for image, face in photos:
        portrait_ms.append(_times(partial(card_portrait, image, face)))
        crop_ms.append(_times(partial(photo.card_crop, image, face)))
        face_ms.append(_times(partial(_card_face, fields, image, face)))
        diff = np.abs(card_portrait(image, face).astype(int) - photo.card_crop(image, face).astype(int)).max(axis=2)
        changed.append(float((diff > 2).mean()))
    print(f"{len(photos)} accepted driver photos, GrabCut at {WORK_WIDTH} px wide (CPU time)")
    for name, values in (("card_portrait", portrait_ms), ("card_crop (before)", crop_ms), ("card face", face_ms)):
        p90 = statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]
        print(f"  {name:20} median {statistics.median(values):6.1f} ms   p90 {p90:6.1f} ms")
    print(f"  background changed: median {statistics.median(changed):.0%} of the photo box")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
