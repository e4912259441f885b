"""The photo quality gate: exactly one face, large enough and centred, level, neither too dark nor too bright,
sharp enough; each failure with the prompt that tells the driver what to fix. Built on OpenCV's bundled Haar
cascade face and eye detectors (the cascades are read once from OpenCV's own data folder). `card_crop` cuts an
accepted photo to the card's photo box. Pure otherwise: image in, verdict out."""

from __future__ import annotations

import functools
import math
from typing import Any

import cv2
import numpy as np

from flows.card import LAYOUT, cover
from flows.photo_rules import PROMPTS, PhotoRules, PhotoVerdict

__all__ = ["PROMPTS", "Image", "PhotoRules", "PhotoVerdict", "assess", "card_crop", "load_detectors"]

Image = np.ndarray[Any, np.dtype[np.uint8]]
DETECT_WIDTH = 160
EYES_WIDTH = 120


@functools.cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]
    if classifier.empty():
        raise RuntimeError(f"OpenCV's {name} is missing")
    return classifier


def load_detectors() -> None:
    """Read the face and eye cascades now (they are read once, on first use, otherwise)."""
    _cascade("haarcascade_frontalface_default.xml")
    _cascade("haarcascade_eye.xml")


def _gray(image: Image) -> Image | None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim not in (2, 3):
        return None
    if image.ndim == 3 and image.shape[2] not in (3, 4):
        return None
    if min(image.shape[:2]) < 64 or max(image.shape[:2]) > 8000:
        return None
    if image.ndim == 2:
        return image
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    gray: Image = cv2.cvtColor(image, code).astype(np.uint8, copy=False)
    return gray


def assess(image: Image, rules: PhotoRules = PhotoRules()) -> PhotoVerdict:
    """Check a driver photo (BGR). Never raises on bad input: a bad image is the problem `no_image`."""
    gray = _gray(image)
    if gray is None:
        return PhotoVerdict(("no_image",))
    h, w = gray.shape
    faces = _faces(gray, 20, DETECT_WIDTH)
    if not faces:  # none at the quick size: a small (far) face may show on a larger copy
        faces = _faces(gray, 20, 2 * DETECT_WIDTH)
    if len(faces) == 1 and faces[0][2] > 0.5 * w:
        faces = _inner_face(gray, faces[0])
    if len(faces) == 0:
        return PhotoVerdict(("no_face",))
    if len(faces) > 1:
        return PhotoVerdict(("several_faces",))
    x, y, fw, fh = (int(v) for v in faces[0])
    face = gray[y : y + fh, x : x + fw]
    problems: list[str] = []
    share = fw / w
    if share < rules.min_face:
        problems.append("too_far")
    elif share > rules.max_face:
        problems.append("too_close")
    dx, dy = abs(x + fw / 2 - w / 2) / w, abs(y + fh / 2 - h / 2) / h
    if max(dx, dy) > rules.max_offset:
        problems.append("off_centre")
    tilt = _tilt(face)
    if tilt is not None and abs(tilt) > rules.max_tilt_degrees:
        problems.append("tilted")
    brightness = float(face.mean())
    if brightness < rules.min_brightness:
        problems.append("too_dark")
    elif brightness > rules.max_brightness:
        problems.append("too_bright")
    scaled = cv2.resize(face, (200, max(1, round(200 * fh / fw))), interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(scaled, cv2.CV_64F).var())
    if sharpness < rules.min_sharpness:
        problems.append("blurred")
    measures = (
        ("face_share", share),
        ("offset", max(dx, dy)),
        ("tilt", tilt or 0.0),
        ("brightness", brightness),
        ("sharpness", sharpness),
    )
    return PhotoVerdict(tuple(problems), (x, y, fw, fh), measures)


def _faces(gray: Image, min_size: int, width: int) -> list[tuple[int, ...]]:
    """Faces found on a copy `width` px wide, in full-image pixels. Faces worth judging are a tenth of the width
    or more, so the copy loses nothing and detection is several times faster than on the full image."""
    h, w = gray.shape
    k = min(1.0, width / w)
    small = cv2.resize(gray, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)
    found = _cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        cv2.equalizeHist(small), scaleFactor=1.1, minNeighbors=6, minSize=(min_size, min_size)
    )
    return _outermost_removed([tuple(round(int(v) / k) for v in f) for f in found])


def _inner_face(gray: Image, box: tuple[int, ...]) -> list[tuple[int, ...]]:
    """A big box from the small copy may be the cascade's false "face" around head and shoulders, with the real,
    smaller face inside it missed at that scale: look inside at full resolution. The box stands if nothing
    clearly smaller is found in it."""
    x, y, bw, bh = box
    inner = [f for f in _faces(gray[y : y + bh, x : x + bw], 20, bw) if f[2] < 0.7 * bw]
    return [(x + f[0], y + f[1], f[2], f[3]) for f in inner] if inner else [box]


def _outermost_removed(faces: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Drop a detection that encloses a smaller one: the cascade's false "face" around a real face."""

    def encloses(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
        return (
            a is not b and a[0] <= b[0] and a[1] <= b[1] and a[0] + a[2] >= b[0] + b[2] and a[1] + a[3] >= b[1] + b[3]
        )

    return [f for f in faces if not any(encloses(f, other) for other in faces)]


def _tilt(face: Image) -> float | None:
    """Angle of the line through the two eyes (degrees), or None when two eyes are not found."""
    if face.shape[1] > EYES_WIDTH:  # eyes are found as well on a face 120 px wide
        k = EYES_WIDTH / face.shape[1]
        size = (EYES_WIDTH, max(1, round(face.shape[0] * k)))
        face = np.asarray(cv2.resize(face, size, interpolation=cv2.INTER_AREA), np.uint8)
    top = face[: face.shape[0] * 6 // 10]
    w = face.shape[1]  # an eye is a tenth to a third of the face's width: no smaller or larger scales to search
    eyes = _cascade("haarcascade_eye.xml").detectMultiScale(
        top, scaleFactor=1.1, minNeighbors=8, minSize=(w // 10, w // 10), maxSize=(w // 3, w // 3)
    )
    if len(eyes) != 2:
        return None
    (x1, y1, w1, h1), (x2, y2, w2, h2) = sorted((tuple(int(v) for v in e) for e in eyes), key=lambda e: e[0])
    return math.degrees(math.atan2((y2 + h2 / 2) - (y1 + h1 / 2), (x2 + w2 / 2) - (x1 + w1 / 2)))


def card_region(shape: tuple[int, ...], face: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The part of an image of `shape` that goes on the card (x, y, w, h; 3:4 as the photo box): the face at about
    60% of the width, a little above centre, kept inside the image."""
    _, _, bw, bh = LAYOUT["photo"]
    x, y, fw, fh = face
    cw = int(fw / 0.6)
    ch = int(cw * bh / bw)
    cx, cy = x + fw // 2, y + int(fh * 0.6)
    img_h, img_w = shape[:2]
    left, top = max(0, min(img_w - cw, cx - cw // 2)), max(0, min(img_h - ch, cy - ch // 2))
    return left, top, min(cw, img_w - left), min(ch, img_h - top)


def card_crop(image: Image, face: tuple[int, int, int, int]) -> Image:
    """The photo cut to the card's photo box (3:4, `card_region`) and scaled to fill it."""
    _, _, bw, bh = LAYOUT["photo"]
    left, top, cw, ch = card_region(image.shape, face)
    crop: Image = image[top : top + ch, left : left + cw]
    if crop.ndim == 2:
        crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR).astype(np.uint8, copy=False)
    return cover(np.ascontiguousarray(crop[..., :3]), bw, bh)
