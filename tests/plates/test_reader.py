"""The reader end to end on synthetic plates and scenes (no outside data), and on bad input: every bad frame gives
"no plate" with a reason, never an exception."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from devices import render
from plates import lane_reader
from plates.locate import iou
from plates.reader import PlateReader, ReaderSettings, check_image
from plates.reading import NoPlate, PlateReading

READER = PlateReader()


@pytest.mark.parametrize(("plate", "black"), [("G 1234 AB", False), ("AD 8821 XY", True), ("B 28", False)])
def test_reads_a_clean_plate_crop(plate: str, black: bool) -> None:
    got = READER.read_crop(render.plate_image(plate, black, "08.29"))
    assert isinstance(got, PlateReading), got
    assert got.text == plate
    assert got.region and 0.0 < got.confidence <= 1.0
    assert got.crop is not None


def test_reads_the_virtual_lane_camera_frame() -> None:
    """The frames the simulated lane camera sends (devices/virtual.py) read through `plates.lane_reader.read`."""
    for seed, black in ((0, False), (1, True)):
        got = lane_reader.read(render.plate_frame("H 1691 IL", black=black, seed=seed))
        assert isinstance(got, PlateReading), got
        assert got.text == "H 1691 IL"
        assert got.box is not None and iou(got.box, render.plate_box()) >= 0.5


def test_a_lane_reads_each_frame_without_the_expiry_line() -> None:
    """A lane records no expiry, so its reader (`plates.lane_reader`, one a process) does not spend on it."""
    reader = lane_reader.lane_reader()
    assert reader is lane_reader.lane_reader() and not reader.settings.expiry
    got = reader.read_crop(render.plate_image("B 1995 JVK", False, "01.28", size=(632, 216)))
    assert isinstance(got, PlateReading) and got.text == "B 1995 JVK" and got.expiry == ""


def test_an_empty_lane_has_no_plate() -> None:
    got = lane_reader.read(render.plate_frame(None, seed=3))
    assert isinstance(got, NoPlate) and got.reason


@pytest.mark.parametrize("seed", range(6))
def test_reads_synthetic_scenes(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    plate = render.random_plate(rng)
    frame, box = render.scene(plate, seed=seed, motorcycle=seed % 3 == 2)
    got = READER(frame)
    assert isinstance(got, PlateReading), (plate, got)
    assert got.text == plate
    assert got.box is not None and iou(got.box, box) >= 0.5


def test_reads_the_expiry_line_of_a_large_plate() -> None:
    crop = render.plate_image("B 1995 JVK", False, "01.28", size=(632, 216))
    got = READER.read_crop(crop)
    assert isinstance(got, PlateReading) and got.text == "B 1995 JVK"
    assert got.expiry == "01.28"


def _bad_inputs() -> list[tuple[str, Any]]:
    rng = np.random.default_rng(0)
    return [
        ("none", None),
        ("list", [[1, 2], [3, 4]]),
        ("empty", np.zeros((0, 0, 3), np.uint8)),
        ("black", np.zeros((720, 1280, 3), np.uint8)),
        ("over-exposed", np.full((720, 1280, 3), 255, np.uint8)),
        ("tiny", np.full((8, 8, 3), 128, np.uint8)),
        ("huge", np.zeros((8000, 7000), np.uint8)),
        ("noise", rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)),
        ("4-d", np.zeros((2, 2, 2, 2), np.uint8)),
        ("5 channels", np.zeros((100, 100, 5), np.uint8)),
        ("complex", np.zeros((100, 100), np.complex64)),
        ("nan float", np.full((100, 100), np.nan, np.float32)),
        ("one row", np.zeros((1, 5000, 3), np.uint8)),
    ]


@pytest.mark.parametrize(("name", "image"), _bad_inputs(), ids=[n for n, _ in _bad_inputs()])
def test_bad_input_is_no_plate_with_a_reason(name: str, image: Any) -> None:
    for read in (READER, READER.read_crop):
        got = read(image)
        assert isinstance(got, NoPlate), name
        assert got.reason


def test_other_image_types_are_converted() -> None:
    crop = render.plate_image("G 1234 AB")
    for image in (
        crop.astype(np.float32) / 255.0,
        crop.astype(np.uint16) * 257,
        crop[:, :, 0],
        np.dstack([crop, np.full(crop.shape[:2], 255, np.uint8)]),
    ):
        ok, why = check_image(image)
        assert ok is not None and ok.dtype == np.uint8 and why is None
    assert READER.read_crop(crop[:, :, 0]) == READER.read_crop(crop)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        ReaderSettings(candidates=0)
    with pytest.raises(ValueError):
        ReaderSettings(enough=2.0)
