"""Synthetic images for the virtual cameras: a lane frame with a vehicle's number plate, a driver's portrait.

Pure functions of their arguments (no I/O), so a frame can be reproduced from the plate and the seed.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

Image = np.ndarray[Any, np.dtype[np.uint8]]

FRAME_SIZE = (640, 360)  # width, height of a plate-camera frame
PLATE_SIZE = (316, 108)  # a car plate (395 x 135 mm) as the camera sees it


def plate_image(text: str, black: bool = False, expiry: str = "") -> Image:
    """A clean Indonesian plate: white characters on black (older) or black on white, expiry line below."""
    w, h = PLATE_SIZE
    ground, ink = ((25, 25, 25), (235, 235, 235)) if black else ((235, 235, 235), (25, 25, 25))
    img = _filled(h, w, ground)
    cv2.rectangle(img, (3, 3), (w - 4, h - 4), ink, 2)
    font = cv2.FONT_HERSHEY_DUPLEX
    scale = 1.6
    (tw, _), _ = cv2.getTextSize(text, font, scale, 3)
    if tw > w - 20:
        scale *= (w - 20) / tw
        (tw, _), _ = cv2.getTextSize(text, font, scale, 3)
    cv2.putText(img, text, ((w - tw) // 2, 64), font, scale, ink, 3, cv2.LINE_AA)
    if expiry:
        (ew, _), _ = cv2.getTextSize(expiry, font, 0.6, 1)
        cv2.putText(img, expiry, ((w - ew) // 2, 94), font, 0.6, ink, 1, cv2.LINE_AA)
    return img


def plate_frame(plate: str | None, black: bool = False, dirty: bool = False, seed: int = 0) -> Image:
    """A plate-camera frame: an empty lane when `plate` is None, else the vehicle front with its plate.
    A dirty plate has mud over its characters. `seed` varies the sensor noise from frame to frame."""
    fw, fh = FRAME_SIZE
    rng = np.random.default_rng(seed)
    frame = _filled(fh, fw, (96, 96, 96))
    cv2.rectangle(frame, (0, fh * 2 // 3), (fw, fh), (70, 70, 70), -1)  # road
    if plate is not None:
        cv2.rectangle(frame, (90, 60), (fw - 90, fh - 30), (140, 60, 40), -1)  # bumper and grille
        pw, ph = PLATE_SIZE
        x, y = (fw - pw) // 2, fh - ph - 60
        frame[y : y + ph, x : x + pw] = plate_image(plate, black, "08.29")
        if dirty:
            for _ in range(6):
                cx, cy = int(rng.integers(x + 20, x + pw - 20)), int(rng.integers(y + 20, y + ph - 30))
                cv2.ellipse(frame, (cx, cy), (28, 18), 0, 0, 360, (60, 80, 100), -1)
    noise = rng.normal(0, 4, frame.shape)
    out: Image = np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return out


def plate_box() -> tuple[int, int, int, int]:
    """Where `plate_frame` puts the plate: x, y, width, height."""
    fw, fh = FRAME_SIZE
    pw, ph = PLATE_SIZE
    return (fw - pw) // 2, fh - ph - 60, pw, ph


def driver_photo(seed: int | None) -> Image:
    """A driver-camera frame: a drawn head and shoulders that vary with `seed`, or an empty seat."""
    img = _filled(480, 360, (200, 190, 180))
    if seed is None:
        return img
    rng = np.random.default_rng(seed)
    skin = tuple(int(v) for v in rng.integers((90, 120, 160), (150, 180, 225)))
    cv2.ellipse(img, (180, 470), (150, 90), 0, 180, 360, (60, 60, 90), -1)  # shoulders
    cv2.ellipse(img, (180, 220), (80, 105), 0, 0, 360, skin, -1)
    cv2.ellipse(img, (180, 140), (84, 40), 0, 180, 360, (30, 30, 30), -1)  # hair
    for ex in (150, 210):
        cv2.circle(img, (ex, 210), 8, (40, 30, 30), -1)
    cv2.ellipse(img, (180, 275), (26, 10), 0, 0, 180, (60, 60, 150), 3)
    return img


def _filled(h: int, w: int, color: tuple[int, int, int]) -> Image:
    """An h x w BGR image of one colour (OpenCV fills 50 times faster than np.full with a tuple)."""
    img = np.empty((h, w, 3), np.uint8)
    cv2.rectangle(img, (0, 0), (w - 1, h - 1), color, -1)
    return img
