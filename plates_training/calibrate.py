"""Fit the reader's confidence calibration and choose the accept threshold, on the TUNE part of the real sets, and
write plates/calibration.json (read by `plates.confidence`):

    python -m plates_training.calibrate            # after any change to the reader or its models

The tune part (plates_training/split.csv; held out of the recogniser's fine-tuning, and the validation part is never
read here) is read as the lane and `lane plates read` read: id-crops as crops, id-street's photos whole and its
labelled boxes cut out, each as a frame. Each reading's networks' probability (`calibrated=False`) is paired with
whether it was exactly right, and an isotonic regression (scikit-learn, training only) fits the probability of
being right as a monotone function of it; its knots are written. The threshold is the lowest calibrated confidence
at which the readings taken (that sure or surer) held at most MAX_WRONG wrong ones, raised by MARGIN for the small
sample; it is proposed for `rules.plate_accept`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression

from benchmarks import plate_sets
from plates import confidence
from plates.reader import PlateReader, ReaderSettings
from plates.reading import PlateReading
from plates_training import split

MAX_WRONG = 0.01  # wrong readings among those taken from one frame, at most
MARGIN = 0.02  # added to the threshold found: a tune part of a hundred or so readings is a small sample


def readings(reader: PlateReader, side: str) -> list[tuple[float, bool]]:
    """(networks' probability, exactly right) of every reading of `side` of the split."""
    out: list[tuple[float, bool]] = []
    hows: list[tuple[str, plate_sets.How]] = [("id-crops", "crop"), ("id-street", "frame"), ("id-street", "tight")]
    for folder, how in hows:
        for item in plate_sets.items(split.DATA / folder, how, side):
            got = reader.read_crop(item.image) if how == "crop" else reader(item.image)
            if isinstance(got, PlateReading):
                out.append((got.confidence, got.compact == item.truth))
    return out


def threshold(calibrated: np.ndarray, right: np.ndarray) -> float:
    """The lowest calibrated confidence whose readings at or above it are at most MAX_WRONG wrong."""
    for t in np.unique(calibrated):
        taken = calibrated >= t
        if (~right[taken]).sum() <= MAX_WRONG * taken.sum():
            return float(t)
    return 1.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, help="the plate recogniser's ONNX file (default: the shipped one)")
    p.add_argument("--out", type=Path, default=confidence.CALIBRATION_PATH)
    args = p.parse_args(argv)
    if not split.DATA.is_dir():
        print(f"no real plate data at {split.DATA}: nothing to calibrate on")
        return 1
    reader = PlateReader(ReaderSettings(expiry=False, calibrated=False), model_path=args.model)
    pairs = readings(reader, "tune")
    raw = np.array([c for c, _ in pairs], np.float64)
    right = np.array([r for _, r in pairs], bool)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, right.astype(np.float64))
    cal = iso.predict(raw)
    accept = min(1.0, round(threshold(cal, right) + MARGIN, 3))
    taken = cal >= accept
    data = {
        "fitted_on": "tune part of id-crops and id-street (plates_training/split.csv), python -m "
        "plates_training.calibrate",
        "readings": len(pairs),
        "right": int(right.sum()),
        "plate_accept": accept,
        "accepted_on_tune": int(taken.sum()),
        "wrong_accepted_on_tune": int((~right[taken]).sum()),
        "raw": [round(float(x), 6) for x in iso.X_thresholds_],
        "probability": [round(float(y), 6) for y in iso.y_thresholds_],
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(
        f"{len(pairs)} readings on the tune part, {right.sum()} right; plate_accept {accept}: "
        f"{taken.sum()} taken, {(~right[taken]).sum()} of them wrong; wrote {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
