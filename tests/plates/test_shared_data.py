"""Accuracy floors on the VALIDATION part of the real sets (plates_training/split.csv: no setting is chosen by it),
and on finding plates in scenes-eu; skipped when ../shared is absent. Each floor is a few points under what the
reader reaches (docs/plates.md, "Figures"), so a regression fails. See benchmarks/plates.py for the full figures."""

from __future__ import annotations

import csv

import pytest

from benchmarks import plate_sets
from plates.confidence import PLATE_ACCEPT
from plates.decode import edit_distance
from plates.locate import iou, locate
from plates.reader import PlateReader, ReaderSettings
from plates.reading import PlateReading
from plates_training.split import DATA

# The seed-17 split's validation part, read by the plate recogniser, labels corrected by plates_training/label_fixes.csv
# (2026-12-05 19:35 UTC, docs/plates.md "Figures").
CROPS_EXACT_FLOOR = 0.80  # measured 86.1% (31 of 36)
CROPS_CHAR_FLOOR = 0.90  # measured 93.6%
FRAMES_EXACT_FLOOR = 0.85  # measured 90.0% (72 of 80)
TIGHT_EXACT_FLOOR = 0.86  # measured 91.2% (73 of 80)
#: Of the readings taken from one frame, on all three validation sets together: measured 1.3% (2 of 151), over the
#: issue's 1% goal (not met: docs/plates.md); this ceiling keeps it from growing.
WRONG_ACCEPTED_CEILING = 0.04
SCENES_FOUND_FLOOR = 0.92

pytestmark = [
    pytest.mark.skipif(not DATA.is_dir(), reason=f"no real plate data: {DATA} is absent"),
    pytest.mark.slow,  # reads every validation plate of the shared sets
]
READER = PlateReader(ReaderSettings(expiry=False))
TAKEN: list[bool] = []  # each accepted reading of the sets read so far: was it right?


def _read(folder: str, how: plate_sets.How) -> tuple[float, float]:
    """Exact plates and characters read right, as shares, of one validation set read as `how`."""
    exact = errors = chars = n = 0
    for item in plate_sets.items(DATA / folder, how, "val"):
        got = READER.read_crop(item.image) if how == "crop" else READER(item.image)
        text = got.compact if isinstance(got, PlateReading) else ""
        if isinstance(got, PlateReading) and got.confidence >= PLATE_ACCEPT:
            TAKEN.append(text == item.truth)
        exact += text == item.truth
        errors += min(len(item.truth), edit_distance(text, item.truth))
        chars += len(item.truth)
        n += 1
    return exact / n, 1 - errors / chars


def test_validation_crops_floor() -> None:
    exact, chars = _read("id-crops", "crop")
    assert exact >= CROPS_EXACT_FLOOR, f"exact {exact:.3f}"
    assert chars >= CROPS_CHAR_FLOOR, f"characters {chars:.3f}"


def test_validation_whole_frames_floor() -> None:
    exact, _ = _read("id-street", "frame")
    assert exact >= FRAMES_EXACT_FLOOR, f"exact {exact:.3f}"


def test_validation_tight_crops_read_as_frames_floor() -> None:
    exact, _ = _read("id-street", "tight")
    assert exact >= TIGHT_EXACT_FLOOR, f"exact {exact:.3f}"


def test_few_accepted_readings_are_wrong() -> None:
    """Over the three sets above (run in this order in one process; alone, it reads the crops first)."""
    if not TAKEN:
        _read("id-crops", "crop")
    assert TAKEN and TAKEN.count(False) <= WRONG_ACCEPTED_CEILING * len(TAKEN), f"{TAKEN.count(False)}/{len(TAKEN)}"


def test_scene_plates_are_found() -> None:
    folder = DATA / "scenes-eu"
    with (folder / "labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    found = 0
    for r in rows:
        truth = (int(r["x"]), int(r["y"]), int(r["w"]), int(r["h"]))
        candidates = locate(plate_sets.imread(folder / r["file"]), limit=3)
        found += any(iou(c.box, truth) >= 0.5 for c in candidates)
    assert found / len(rows) >= SCENES_FOUND_FLOOR, f"found {found}/{len(rows)}"
