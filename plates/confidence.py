"""What a reading's confidence means: the probability that the plate read is exactly right.

The networks' own probability of a reading (`ReaderSettings(calibrated=False)`) is not that: on real plates it is
over-sure. `calibration.json`, fitted by `python -m plates_training.calibrate` on the TUNE part of the real sets
(plates_training/split.csv: held out of the recogniser's training; never the validation part), maps it to the share
of readings that sure which were right (isotonic regression: monotone, piecewise linear between its knots).
`PLATE_ACCEPT` is the calibrated confidence from which one frame's reading was right often enough on that part
that wrong ones were at most 1% of those taken: the value proposed for the lane's `rules.plate_accept`. Loading
the file is the only file access here; without it (a damaged checkout) every confidence is 0, so nothing is taken
without the operator.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from plates.once import once

CALIBRATION_PATH = Path(__file__).with_name("calibration.json")


@once
def _table() -> tuple[list[float], list[float], float]:
    try:
        data = json.loads(CALIBRATION_PATH.read_text())
        return [float(x) for x in data["raw"]], [float(p) for p in data["probability"]], float(data["plate_accept"])
    except (OSError, ValueError, KeyError, TypeError):
        return [0.0, 1.0], [0.0, 0.0], 1.0


def calibrated(raw: float) -> float:
    """The probability that a reading whose networks' probability is `raw` is exactly right."""
    xs, ps, _ = _table()
    return float(np.interp(raw, xs, ps))


PLATE_ACCEPT = _table()[2]
