"""Portraits for the virtual driver camera: real photographs (scikit-image's bundled portrait of astronaut
Eileen Collins, public domain) framed like a drive-thru photo camera, varied per driver (position, size,
exposure, mirror) and spoilt on request the way real photos go wrong (helmet on, too far, too dark, moving)."""

from __future__ import annotations

import functools
import random
from typing import Any

import cv2
import numpy as np

Image = np.ndarray[Any, np.dtype[np.uint8]]
FRAME = (300, 400)  # width, height of a driver-camera frame

#: Ways a photo goes wrong, as the driver causes them.
ISSUES = ("helmet", "far", "dark", "moving")


@functools.cache
def _source() -> Image:
    from skimage import data

    rgb = data.astronaut()  # type: ignore[no-untyped-call]
    return np.ascontiguousarray(rgb[..., ::-1])  # BGR


def driver_photo(seed: int | None, issue: str | None = None) -> Image:
    """A driver-camera frame of driver `seed` (None: an empty seat), with an optional `issue` from ISSUES."""
    fw, fh = FRAME
    if seed is None:
        empty = np.empty((fh, fw, 3), np.uint8)
        cv2.rectangle(empty, (0, 0), (fw - 1, fh - 1), (200, 190, 180), -1)
        return empty
    rng = random.Random(seed)
    src = _source()
    scale = rng.uniform(0.95, 1.1) * (0.35 if issue == "far" else 1.0)
    cx, cy = 223 + rng.randint(-8, 8), 125 + rng.randint(-8, 8)  # the face in the source photo
    half_w, half_h = fw / 2 / scale / 1.2, fh / 2 / scale / 1.2
    box = np.array([[cx - half_w, cy - half_h], [cx + half_w, cy - half_h], [cx - half_w, cy + half_h]], np.float32)
    target = np.array([[0, 0], [fw, 0], [0, fh]], np.float32)
    frame = cv2.warpAffine(src, cv2.getAffineTransform(box, target), (fw, fh), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.5:
        frame = np.ascontiguousarray(frame[:, ::-1])
    gain = rng.uniform(0.9, 1.1) * (0.18 if issue == "dark" else 1.0)
    frame = cv2.convertScaleAbs(frame, alpha=gain, beta=0)
    if issue == "helmet":
        cv2.ellipse(frame, (fw // 2, int(fh * 0.42)), (int(fw * 0.33), int(fh * 0.36)), 0, 0, 360, (40, 40, 45), -1)
        cv2.rectangle(frame, (int(fw * 0.25), int(fh * 0.38)), (int(fw * 0.75), int(fh * 0.5)), (90, 70, 40), -1)
    elif issue == "moving":
        frame = cv2.GaussianBlur(frame, (0, 0), 6)
    out: Image = np.asarray(frame, np.uint8)
    return out
