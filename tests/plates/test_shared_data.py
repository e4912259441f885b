"""Accuracy floors on the real data sets in ../shared/data/plates (skipped when that folder is absent): a few
points under what the reader reaches, so a regression fails. See benchmarks/plates.py for the full figures."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from plates.decode import edit_distance
from plates.locate import iou, locate
from plates.reader import PlateReader
from plates.reading import Image, PlateReading

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "plates"
ID_EXACT_FLOOR = 0.87
ID_CHAR_FLOOR = 0.96
SCENES_FOUND_FLOOR = 0.92

pytestmark = [
    pytest.mark.skipif(not DATA.is_dir(), reason=f"no real plate data: {DATA} is absent"),
    pytest.mark.slow,  # reads every real plate of the shared set
]


def _imread(path: Path) -> Image:
    """A labelled image as the reader takes it (8-bit BGR); a missing file fails the test, not the reader."""
    image = cv2.imread(str(path))
    assert image is not None, f"cannot read {path}"
    return np.asarray(image, np.uint8)


def test_id_crops_accuracy_floor() -> None:
    folder = DATA / "id-crops"
    with (folder / "labels.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["format_ok"] == "1"]
    reader = PlateReader()
    exact = errors = chars = 0
    for r in rows:
        got = reader.read_crop(_imread(folder / r["file"]))
        text = got.compact if isinstance(got, PlateReading) else ""
        truth = r["plate_text"].replace(" ", "")
        exact += text == truth
        errors += min(len(truth), edit_distance(text, truth))
        chars += len(truth)
    assert exact / len(rows) >= ID_EXACT_FLOOR, f"exact {exact}/{len(rows)}"
    assert 1 - errors / chars >= ID_CHAR_FLOOR, f"characters {1 - errors / chars:.3f}"


def test_scene_plates_are_found() -> None:
    folder = DATA / "scenes-eu"
    with (folder / "labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    found = 0
    for r in rows:
        truth = (int(r["x"]), int(r["y"]), int(r["w"]), int(r["h"]))
        candidates = locate(_imread(folder / r["file"]), limit=3)
        found += any(iou(c.box, truth) >= 0.5 for c in candidates)
    assert found / len(rows) >= SCENES_FOUND_FLOOR, f"found {found}/{len(rows)}"
