"""Synthetic images for the virtual cameras and for tests that need no outside data: an Indonesian number plate
(black or white, car or motorcycle size, with its expiry line), a lane frame with a vehicle's plate, a whole scene
with the plate placed, turned, blurred and lit at random (`scene`), and a driver's portrait.

Pure functions of their arguments (no I/O), so a frame can be reproduced from the plate and the seed.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

Image = np.ndarray[Any, np.dtype[np.uint8]]

FRAME_SIZE = (640, 360)  # width, height of a plate-camera frame
PLATE_SIZE = (316, 108)  # a car plate (395 x 135 mm) as the camera sees it
MOTORCYCLE_SIZE = (250, 105)  # a motorcycle plate, mm: the same 0.8 px a mm as PLATE_SIZE gives (200, 84)
SCENE_SIZE = (1280, 720)  # width, height of a full lane-camera frame in `scene`


def plate_image(text: str, black: bool = False, expiry: str = "", size: tuple[int, int] = PLATE_SIZE) -> Image:
    """A clean Indonesian plate: white characters on black (older) or black on white, expiry line below.
    `size` (width, height) is PLATE_SIZE for a car; a motorcycle plate is smaller and squarer."""
    w, h = size
    ground, ink = ((25, 25, 25), (235, 235, 235)) if black else ((235, 235, 235), (25, 25, 25))
    img = _filled(h, w, ground)
    k = h / PLATE_SIZE[1]
    cv2.rectangle(img, (3, 3), (w - 4, h - 4), ink, max(1, round(2 * k)))
    font = cv2.FONT_HERSHEY_DUPLEX
    scale, thick = 1.6 * k, max(1, round(3 * k))
    (tw, _), _ = cv2.getTextSize(text, font, scale, thick)
    if tw > w - 20 * k:
        scale *= (w - 20 * k) / tw
        (tw, _), _ = cv2.getTextSize(text, font, scale, thick)
    cv2.putText(img, text, ((w - tw) // 2, round(h * 0.59)), font, scale, ink, thick, cv2.LINE_AA)
    if expiry:
        (ew, _), _ = cv2.getTextSize(expiry, font, 0.6 * k, 1)
        cv2.putText(img, expiry, ((w - ew) // 2, round(h * 0.87)), font, 0.6 * k, ink, 1, cv2.LINE_AA)
    return img


def random_plate(
    rng: np.random.Generator, regions: tuple[str, ...] = ("B", "D", "G", "H", "AD", "AB", "L", "N")
) -> str:
    """A plate that fits the grammar: a region from `regions`, 1-4 digits without a leading zero, 0-3 letters."""
    region = str(rng.choice(regions))
    number = str(int(rng.integers(1, 10000)))
    suffix = "".join(chr(ord("A") + int(i)) for i in rng.integers(0, 26, int(rng.integers(0, 4))))
    return " ".join(p for p in (region, number, suffix) if p)


Box = tuple[int, int, int, int]


def scene(
    plate: str,
    seed: int = 0,
    black: bool | None = None,
    motorcycle: bool = False,
    size: tuple[int, int] = SCENE_SIZE,
    expiry: str = "08.29",
) -> tuple[Image, Box]:
    """A lane-camera frame with `plate` on a vehicle: the plate's width is 12-30% of the frame's, placed, turned
    (up to 6 degrees), blurred and lit at random from `seed`, over a cluttered background. Returns the frame and
    the plate's box (x, y, w, h)."""
    rng = np.random.default_rng(seed)
    fw, fh = size
    black = bool(rng.integers(0, 2)) if black is None else black
    pw = int(fw * rng.uniform(0.12, 0.22 if motorcycle else 0.30))
    ratio = MOTORCYCLE_SIZE[1] / MOTORCYCLE_SIZE[0] if motorcycle else PLATE_SIZE[1] / PLATE_SIZE[0]
    ph = max(12, int(pw * ratio))
    base = PLATE_SIZE if not motorcycle else (int(PLATE_SIZE[1] / ratio), PLATE_SIZE[1])
    plate_img = cv2.resize(plate_image(plate, black, expiry, base), (pw, ph), interpolation=cv2.INTER_AREA)
    frame = _filled(fh, fw, tuple(int(v) for v in rng.integers(40, 200, 3)))  # type: ignore[arg-type]
    for _ in range(12):  # clutter: boxes and lines of random colours
        x0, y0 = int(rng.integers(0, fw)), int(rng.integers(0, fh))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            cv2.rectangle(
                frame, (x0, y0), (x0 + int(rng.integers(20, fw // 3)), y0 + int(rng.integers(10, fh // 3))), colour, -1
            )
        else:
            cv2.line(
                frame, (x0, y0), (int(rng.integers(0, fw)), int(rng.integers(0, fh))), colour, int(rng.integers(1, 6))
            )
    cx, cy = int(rng.integers(pw, fw - pw)), int(rng.integers(fh // 3, fh - ph))
    body = tuple(int(v) for v in rng.integers(30, 220, 3))
    cv2.rectangle(frame, (cx - pw, cy - ph * 2), (cx + pw, cy + ph), body, -1)  # the vehicle around the plate
    angle = float(rng.uniform(-6, 6))
    turn = cv2.getRotationMatrix2D((pw / 2, ph / 2), angle, 1.0)
    corners = cv2.transform(np.array([[[0, 0], [pw, 0], [0, ph], [pw, ph]]], np.float32), turn)[0]
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    turn[:, 2] -= lo
    bw, bh = int(np.ceil(hi[0] - lo[0])), int(np.ceil(hi[1] - lo[1]))
    warped = cv2.warpAffine(plate_img, turn, (bw, bh), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    inside = cv2.warpAffine(np.full((ph, pw), 255, np.uint8), turn, (bw, bh), flags=cv2.INTER_NEAREST)
    x, y = cx - bw // 2, cy - bh // 2
    x, y = max(0, min(fw - bw, x)), max(0, min(fh - bh, y))
    region = frame[y : y + bh, x : x + bw]
    region[inside > 0] = warped[inside > 0]
    if rng.random() < 0.6:
        frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), float(rng.uniform(0.4, 1.2))), np.uint8)
    gain, offset = float(rng.uniform(0.7, 1.2)), float(rng.uniform(-25, 25))
    noisy = frame.astype(np.float32) * gain + offset + rng.normal(0, float(rng.uniform(1, 6)), frame.shape)
    out: Image = np.clip(noisy, 0, 255).astype(np.uint8)
    return out, (x, y, bw, bh)


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
