"""What never becomes a plate (issue 16): an expiry line alone, a tax sticker, a dealer frame's lettering and half
a plate give NoPlate with a reason, read as a crop and in a lane-camera frame; and a reading's confidence is the
calibrated probability that it is right (plates.confidence). Synthetic images, and cuts of the shared real crops
(skipped when ../shared is absent); only the train part's crops are cut, never validation's."""

from __future__ import annotations

import csv
import itertools
import math

import cv2
import numpy as np
import pytest

from benchmarks import plate_sets
from devices import render
from plates import confidence, line, safety
from plates.line import Band
from plates.reader import PlateReader, ReaderSettings
from plates.reading import Image, NoPlate, PlateReading
from plates_training import split

READER = PlateReader(ReaderSettings(expiry=False))


def _lettering(text: str, w: int, h: int, black: bool, scale: float, thick: int) -> Image:
    """A strip of plain lettering: light on dark or dark on light."""
    ground, ink = ((25, 25, 25), (235, 235, 235)) if black else ((235, 235, 235), (25, 25, 25))
    img = np.full((h, w, 3), ground, np.uint8)
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thick)
    cv2.putText(img, text, ((w - tw) // 2, (h + th) // 2), cv2.FONT_HERSHEY_DUPLEX, scale, ink, thick, cv2.LINE_AA)
    return img


def _in_frame(image: Image, x: int = 420, y: int = 320) -> Image:
    """`image` where a plate would be in a 1280x720 lane-camera frame (grey surroundings, a little noise)."""
    frame = np.full((720, 1280, 3), 100, np.uint8)
    frame[y : y + image.shape[0], x : x + image.shape[1]] = image[: 720 - y, : 1280 - x]
    noise = np.random.default_rng(1).normal(0, 3, frame.shape)
    out: Image = np.clip(frame + noise, 0, 255).astype(np.uint8)
    return out


PLATE = render.plate_image("B 1234 XYZ", True, "08.29")
NOT_PLATES = {
    "expiry line of a plate": PLATE[int(PLATE.shape[0] * 0.68) :],
    "expiry line, large, white on black": _lettering("08.29", 300, 90, True, 1.6, 3),
    "expiry line, large, black on white": _lettering("08.29", 300, 90, False, 1.6, 3),
    "tax sticker": _lettering("PAJAK 2025", 220, 80, False, 1.0, 2),
    "dealer frame": _lettering("HONDA 24", 300, 70, True, 1.2, 2),
    "dealer frame, long": _lettering("SINAR JAYA MOTOR 0274 512345", 520, 60, False, 0.9, 2),
    "top half of a plate": PLATE[: PLATE.shape[0] // 2],
    "right half of a plate": PLATE[:, PLATE.shape[1] // 2 :],
}


@pytest.mark.parametrize("name", sorted(NOT_PLATES))
def test_what_is_not_a_plate_gives_no_plate(name: str) -> None:
    image = NOT_PLATES[name]
    for got in (READER.read_crop(image), READER(image), READER(_in_frame(image))):
        assert isinstance(got, NoPlate), (name, got)
        assert got.reason


def test_a_plate_cut_by_the_edge_of_the_frame_is_no_plate() -> None:
    """A vehicle half out of the camera's view: the plate's characters run into the frame's edge."""
    frame = _in_frame(render.plate_image("B 1234 XYZ", True, "08.29"), x=1280 - 190)
    got = READER(frame)
    assert isinstance(got, NoPlate), got
    whole = READER(_in_frame(render.plate_image("B 1234 XYZ", True, "08.29")))
    assert isinstance(whole, PlateReading) and whole.text == "B 1234 XYZ"


def test_the_checks_by_themselves() -> None:
    assert safety.too_unsure(0.001) and safety.too_unsure(0.5) is None
    assert safety.digits_only(["0128", "", "01128"]) and safety.digits_only(["G128", "0128"]) is None
    assert safety.digits_only([]) is None and safety.digits_only([""]) is None
    band = Band(cx=100, cy=20, angle=0.0, height=20, x0=10, x1=190)
    assert safety.cut_off(band, -math.inf, math.inf) is None  # no side of the frame in the crop
    assert safety.cut_off(band, 0, 200) is None  # half a character height of margin on either side
    assert safety.cut_off(band, -math.inf, 192)  # the last character 2 px from the frame's right side
    assert safety.cut_off(band, 8, math.inf)
    assert safety.cut_off(None, 0, 10) is None
    assert safety.expiry_text("G1·28") and safety.expiry_text("01.28") and safety.expiry_text(" 12-30 ")
    assert safety.expiry_text("AB1234CD") is None and safety.expiry_text("B 1234 XYZ") is None
    assert safety.no_region("36VZ") and safety.no_region("4A1488NG") and safety.no_region("W1236VZ") is None
    assert safety.no_region("") is None


def test_the_confidence_is_calibrated() -> None:
    """A probability, rising with the networks' own, and the accept threshold one of its values."""
    raw = np.linspace(0.0, 1.0, 101)
    cal = [confidence.calibrated(float(r)) for r in raw]
    assert all(0.0 <= c <= 1.0 for c in cal)
    assert all(b >= a for a, b in itertools.pairwise(cal))
    assert cal[0] < 0.5 < cal[-1]
    assert 0.5 <= confidence.PLATE_ACCEPT <= 1.0
    crop = render.plate_image("G 1234 AB")
    got, raw_got = READER.read_crop(crop), PlateReader(ReaderSettings(expiry=False, calibrated=False)).read_crop(crop)
    assert isinstance(got, PlateReading) and isinstance(raw_got, PlateReading)
    assert got.confidence == pytest.approx(confidence.calibrated(raw_got.confidence), abs=1e-3)


@pytest.mark.skipif(not split.DATA.is_dir(), reason=f"no real plate data: {split.DATA} is absent")
def test_cuts_of_real_crops_are_never_taken() -> None:
    """The expiry line (from under the main line to the bottom) and the right half of real plates (the first
    train-part crops of id-crops): most give no plate; none is a reading confident enough to be taken unasked
    (a 0 that PP-OCRv6 takes for a C, half a plate cut between groups, can still read as a plate of low
    confidence: docs/plates.md, "Not a plate")."""
    sides = split.read_split()
    with (split.DATA / "id-crops" / "labels.csv").open(newline="") as f:
        files = [r["file"] for r in csv.DictReader(f) if sides[("id-crops", r["file"])] == "train"][:12]
    refused = 0
    for file in files:
        image = plate_sets.imread(split.DATA / "id-crops" / file)
        band = line.find_lines(image, 1)[0].band
        assert band is not None
        for cut in (image[int(band.cy + 0.62 * band.height) :], image[:, image.shape[1] // 2 :]):
            got = READER.read_crop(np.ascontiguousarray(cut))
            refused += isinstance(got, NoPlate)
            assert isinstance(got, NoPlate) or got.confidence < confidence.PLATE_ACCEPT, (file, got)
    assert refused >= 0.75 * 2 * len(files)


@pytest.mark.parametrize("black", [False, True])
def test_a_mud_covered_plate_is_never_taken_unasked(black: bool) -> None:
    """The simulated lane camera's dirty plate (devices.render.plate_frame): whatever is read of it, expiry line
    included, is no plate or a reading under the accept threshold, frame after frame; the clean plate is taken."""
    for seed in range(4):
        got = READER(render.plate_frame("G 1234 AB", black=black, dirty=True, seed=seed))
        assert isinstance(got, NoPlate) or got.confidence < confidence.PLATE_ACCEPT, (seed, got)
    clean = READER(render.plate_frame("G 1234 AB", black=black, seed=1))
    assert isinstance(clean, PlateReading) and clean.text == "G 1234 AB"
    assert clean.confidence >= confidence.PLATE_ACCEPT
