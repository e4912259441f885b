"""flows.photo: the face gate on real photographs (skimage astronaut, coffee, camera), driver photos, card_crop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest
from skimage import data

from devices.portrait import FRAME, ISSUES, driver_photo
from flows.card import LAYOUT
from flows.photo import PROMPTS, Image, PhotoVerdict, assess, card_crop


def bgr(rgb: Any) -> Image:
    return np.ascontiguousarray(np.asarray(rgb, np.uint8)[..., ::-1])


ASTRONAUT = bgr(data.astronaut())  # type: ignore[no-untyped-call]
FRAMED = np.ascontiguousarray(ASTRONAUT[0:300, 100:345])  # framed like the driver camera: head and shoulders
H, W = FRAMED.shape[:2]


def shrunk(image: Image, share: float) -> Image:
    """The scene seen from further away: scaled down and padded back to the frame size with its own edges."""
    small = cv2.resize(image, None, fx=share, fy=share, interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    top, left = (H - sh) // 2, (W - sw) // 2
    return np.asarray(cv2.copyMakeBorder(small, top, H - sh - top, left, W - sw - left, cv2.BORDER_REPLICATE), np.uint8)


def rotated(image: Image, degrees: float) -> Image:
    turn = cv2.getRotationMatrix2D((W / 2, H / 2), degrees, 1.0)
    return np.asarray(cv2.warpAffine(image, turn, (W, H), borderMode=cv2.BORDER_REPLICATE), np.uint8)


def shifted(image: Image, dx: int) -> Image:
    move = np.array([[1, 0, dx], [0, 1, 0]], np.float32)
    return np.asarray(cv2.warpAffine(image, move, (W, H), borderMode=cv2.BORDER_REPLICATE), np.uint8)


def too_close() -> Image:
    """Only the face, filling the frame (at a frame size the camera gives)."""
    face = FRAMED[66:161, 78:173]
    return np.asarray(cv2.resize(face, (238, 238), interpolation=cv2.INTER_CUBIC), np.uint8)


def wall() -> Image:
    return np.full((H, W, 3), (176, 168, 160), np.uint8)


def test_the_framed_astronaut_passes() -> None:
    verdict = assess(FRAMED)
    assert verdict.problems == ()
    assert verdict.ok and verdict.prompt() == ("Foto diterima", "Photo accepted")
    assert verdict.face is not None
    x, y, fw, fh = verdict.face
    assert x >= 0 and y >= 0 and x + fw <= W and y + fh <= H
    assert dict(verdict.measures)["face_share"] == pytest.approx(fw / W)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: FRAMED[:, ::-1], id="mirrored-view-not-contiguous"),
        pytest.param(lambda: cv2.cvtColor(FRAMED, cv2.COLOR_BGR2BGRA), id="bgra"),
        pytest.param(lambda: cv2.cvtColor(FRAMED, cv2.COLOR_BGR2GRAY), id="grayscale"),
        pytest.param(lambda: rotated(FRAMED, 5), id="rotated-5-degrees"),
    ],
)
def test_harmless_variants_still_pass(make: Callable[[], Image]) -> None:
    assert assess(make()).problems == ()


VARIANTS: list[Any] = [
    pytest.param(lambda: bgr(data.coffee()), ("no_face",), id="coffee-no-face"),  # type: ignore[no-untyped-call]
    pytest.param(wall, ("no_face",), id="plain-wall"),
    pytest.param(lambda: data.camera(), ("no_face",), id="cameraman-at-the-viewfinder"),  # type: ignore[no-untyped-call]
    pytest.param(lambda: np.hstack([FRAMED, FRAMED[:, ::-1]]), ("several_faces",), id="two-faces"),
    pytest.param(lambda: cv2.convertScaleAbs(FRAMED, alpha=0.15), ("too_dark",), id="dark"),
    pytest.param(lambda: cv2.convertScaleAbs(FRAMED, alpha=1.5, beta=60), ("too_bright",), id="bright"),
    pytest.param(lambda: cv2.GaussianBlur(FRAMED, (0, 0), 6), ("blurred",), id="blurred"),
    pytest.param(lambda: shrunk(FRAMED, 0.35), ("too_far",), id="too-far"),
    pytest.param(too_close, ("too_close",), id="too-close"),
    pytest.param(lambda: rotated(FRAMED, 20), ("tilted",), id="tilted-20-degrees"),
    pytest.param(lambda: shifted(FRAMED, 60), ("off_centre",), id="off-centre-right"),
    pytest.param(lambda: shifted(FRAMED, -60), ("off_centre",), id="off-centre-left"),
    pytest.param(lambda: ASTRONAUT, ("too_far", "off_centre"), id="whole-photograph"),
]


@pytest.mark.parametrize(("make", "expected"), VARIANTS)
def test_a_spoilt_photo_gets_its_problem_first(make: Callable[[], Image], expected: tuple[str, ...]) -> None:
    verdict = assess(make())
    assert verdict.problems[: len(expected)] == expected, verdict.measures
    assert verdict.prompt() == PROMPTS[expected[0]]
    assert not verdict.ok


class NotAnImage:
    shape = (300, 245, 3)
    dtype = np.uint8
    ndim = 3


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(np.zeros((0, 0, 3), np.uint8), id="empty"),
        pytest.param(np.zeros((0,), np.uint8), id="empty-1d"),
        pytest.param(np.full((10, 10, 3), 128, np.uint8), id="10x10"),
        pytest.param(FRAMED.astype(np.float32), id="float"),
        pytest.param(FRAMED.astype(np.float64) / 255, id="float-0-1"),
        pytest.param(FRAMED.astype(np.uint16), id="uint16"),
        pytest.param(FRAMED > 128, id="bool"),
        pytest.param(np.zeros((H, W, 5), np.uint8), id="5-channel"),
        pytest.param(np.zeros((H, W, 1, 3), np.uint8), id="4-d"),
        pytest.param(np.zeros((9000, 100, 3), np.uint8), id="9000-rows"),
        pytest.param(None, id="None"),
        pytest.param(NotAnImage(), id="none-like-object"),
        pytest.param(FRAMED.tolist(), id="nested-list"),
        pytest.param("photo.png", id="file-name"),
    ],
)
def test_bad_input_is_no_image_never_an_exception(bad: Any) -> None:
    verdict = assess(bad)
    assert verdict.problems == ("no_image",)
    assert verdict.prompt() == PROMPTS["no_image"]


# --- the virtual driver camera ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_driver_photos_pass(seed: int) -> None:
    image = driver_photo(seed)
    assert image.shape == (FRAME[1], FRAME[0], 3) and image.dtype == np.uint8
    verdict = assess(image)
    assert verdict.problems == (), verdict.measures


ISSUE_CASES = [
    pytest.param(
        issue,
        seed,
        id=f"{issue}-{seed}",
    )
    for issue in ISSUES
    for seed in (range(20) if issue == "far" else range(0, 20, 3))
]
EXPECTED_FOR_ISSUE = {"helmet": "no_face", "dark": "too_dark", "moving": "blurred", "far": "too_far"}


@pytest.mark.parametrize(("issue", "seed"), ISSUE_CASES)
def test_driver_photo_issues_are_caught(issue: str, seed: int) -> None:
    verdict = assess(driver_photo(seed, issue))
    expected = EXPECTED_FOR_ISSUE[issue]
    assert verdict.problems[:1] == (expected,), (verdict.problems, verdict.measures)


def test_every_issue_has_an_expectation_and_an_empty_seat_has_no_face() -> None:
    assert set(EXPECTED_FOR_ISSUE) == set(ISSUES)
    assert assess(driver_photo(None)).problems == ("no_face",)


def test_every_problem_has_a_prompt_in_both_languages() -> None:
    used = {code for p in VARIANTS for code in p.values[1]} | set(EXPECTED_FOR_ISSUE.values()) | {"no_image"}
    assert used == set(PROMPTS)  # every prompt is reached by a photo above
    for code, (indonesian, english) in PROMPTS.items():
        assert indonesian.strip() and english.strip() and indonesian != english, code
        assert PhotoVerdict((code,)).prompt() == (indonesian, english)


# --- card_crop --------------------------------------------------------------------------------------------------

BOX_W, BOX_H = LAYOUT["photo"][2], LAYOUT["photo"][3]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: FRAMED, id="astronaut"),
        pytest.param(lambda: driver_photo(1), id="driver-1"),
        pytest.param(lambda: driver_photo(2), id="driver-2"),
    ],
)
def test_card_crop_fills_the_photo_box_and_keeps_the_face(make: Callable[[], Image]) -> None:
    image = make()
    verdict = assess(image)
    assert verdict.face is not None
    crop = card_crop(image, verdict.face)
    assert crop.shape == (BOX_H, BOX_W, 3) and crop.dtype == np.uint8
    again = assess(np.asarray(cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), np.uint8))
    assert again.face is not None, again.problems  # still exactly one face
    assert not {"no_face", "several_faces", "off_centre", "too_far", "too_close"} & set(again.problems)
    assert dict(again.measures)["face_share"] == pytest.approx(0.6, abs=0.15)  # "the face at about 60%"


@pytest.mark.parametrize(
    ("image", "face"),
    [
        pytest.param(cv2.cvtColor(FRAMED, cv2.COLOR_BGR2GRAY), (74, 62, 103, 103), id="grayscale"),
        pytest.param(cv2.cvtColor(FRAMED, cv2.COLOR_BGR2BGRA), (74, 62, 103, 103), id="bgra"),
        pytest.param(FRAMED, (0, 0, 60, 60), id="face-in-the-corner"),
        pytest.param(FRAMED, (W - 60, H - 60, 60, 60), id="face-at-the-far-corner"),
        pytest.param(FRAMED, (0, 0, 240, 290), id="face-larger-than-the-crop-allows"),
    ],
)
def test_card_crop_always_gives_the_box_size_in_colour(image: Image, face: tuple[int, int, int, int]) -> None:
    crop = card_crop(image, face)
    assert crop.shape == (BOX_H, BOX_W, 3) and crop.dtype == np.uint8
