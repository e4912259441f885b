"""The portrait on the printed card is the photo as taken: its face unchanged, no black blotches in the hair or
the suit (resin black is kept off the photo), and only its background made one plain colour. The card goes the
printer's way: composed, cut into y/m/c/k panels (`devices.codecs.evolis`, as the lane sends them) and put back
together the way the printer simulator writes `var/cards/*.png`."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest

from devices.codecs import evolis
from devices.portrait import driver_photo
from flows import card, photo
from flows.card_photo import BACKGROUND, card_portrait

Image = np.ndarray[Any, np.dtype[np.uint8]]
X, Y, W, H = card.LAYOUT["photo"]


def _printed(portrait: Image, panels: str = "ymck") -> Image:
    face = card.compose({"name": "BUDI SANTOSO"}, portrait)
    commands = evolis.card_panels(face, panels, card.LAYOUT["photo"])
    return evolis.panels_image({c.params[0]: c.data for c in commands})[Y : Y + H, X : X + W]


def _accepted(seed: int) -> tuple[Image, tuple[int, int, int, int]]:
    image = driver_photo(seed)
    verdict = photo.assess(image)
    assert verdict.ok and verdict.face is not None
    return image, verdict.face


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_card_keeps_the_face_and_the_photo_as_taken(seed: int) -> None:
    image, face = _accepted(seed)
    taken = photo.card_crop(image, face)  # the accepted photo, cut to the card's box
    found = photo.assess(taken).face
    assert found is not None
    fx, fy, fw, fh = found
    inner = (slice(fy + fh * 15 // 100, fy + fh * 85 // 100), slice(fx + fw * 15 // 100, fx + fw * 85 // 100))
    printed = _printed(card_portrait(image, face))
    diff = np.abs(printed.astype(int) - taken.astype(int))
    assert diff[inner].max() <= 2, "the face on the card is the face in the photo"
    assert diff[inner].mean() < 0.5

    def black(img: Image) -> float:
        return float((img[4:-4, 4:-4] <= 8).all(axis=2).mean())

    assert black(printed) <= black(taken) + 0.005, "no black blotches in the hair or the suit"


def test_only_the_background_is_made_uniform() -> None:
    image, face = _accepted(2)
    taken = photo.card_crop(image, face)
    printed = _printed(card_portrait(image, face))
    for corner in (printed[4:24, 4:24], printed[4:24, -24:-4]):  # above the shoulders, beside the hair
        assert np.abs(corner.astype(int) - np.array(BACKGROUND)).max() <= 1
    assert taken[4:24, 4:24].reshape(-1, 3).std(axis=0).max() > 1, "the photo's own background was not plain"
    changed = np.abs(printed.astype(int) - taken.astype(int)).max(axis=2) > 2
    assert 0.2 < changed[4:-4, 4:-4].mean() < 0.7, "the background changed, the person did not"


def test_a_black_only_card_prints_the_photo_in_dots_not_blotches() -> None:
    image, face = _accepted(3)
    portrait = card_portrait(image, face)
    printed = _printed(portrait, panels="k")
    grey = cv2.cvtColor(portrait, cv2.COLOR_BGR2GRAY).astype(np.float32)
    dots = cv2.cvtColor(printed, cv2.COLOR_BGR2GRAY).astype(np.float32)
    smooth = (cv2.GaussianBlur(grey, (0, 0), 3)[8:-8, 8:-8], cv2.GaussianBlur(dots, (0, 0), 3)[8:-8, 8:-8])
    assert np.corrcoef(smooth[0].ravel(), smooth[1].ravel())[0, 1] > 0.9, "the greys of the photo survive"
