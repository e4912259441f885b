"""A first plate reader: find the plate rectangle in a frame, read its main line with Tesseract, and accept the
text only when it fits the plate grammar (after fixing confusable characters by position). Pure: no camera."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytesseract

from plates.grammar import PlateGrammarError, parse
from plates.reading import NoPlate, PlateReading

Image = np.ndarray[Any, np.dtype[np.uint8]]
_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_TO_DIGIT = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"})
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"})


def find_plate(image: Image) -> tuple[int, int, int, int] | None:
    """The box (x, y, w, h) of the most plate-like rectangle: light or dark, 2-5 times wider than high."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    best: tuple[float, tuple[int, int, int, int]] | None = None
    for mask in (cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1],
                 cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]):  # fmt: skip
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            if h < 15 or w < 50 or not 2.0 <= w / h <= 5.0:
                continue
            fill = cv2.contourArea(contour) / float(w * h)
            if fill < 0.75:
                continue
            score = fill * w * h
            if best is None or score > best[0]:
                best = (score, (x, y, w, h))
    return None if best is None else best[1]


def fix_confusables(raw: str) -> str:
    """Split raw characters into letters / digits / letters and fix O/0, I/1, Z/2, S/5, G/6, B/8 by position."""
    text = "".join(c for c in raw.upper() if c.isalnum())
    first_digit = next((i for i, c in enumerate(text) if c.isdigit()), None)
    if first_digit is None or first_digit == 0:
        return text
    head = text[: min(first_digit, 2)].translate(_TO_LETTER)
    rest = text[len(head) :]
    body = ""
    for c in rest:
        if c.isdigit() or (len(body) < 4 and c in "ODQILZSGB" and not (body and len(rest) - len(body) <= 0)):
            body += c
        else:
            break
    while len(body) > 1 and not body[-1].isdigit():
        body = body[:-1]
    tail = rest[len(body) :].translate(_TO_LETTER)
    return f"{head} {body.translate(_TO_DIGIT)} {tail}".strip()


def read(image: Image) -> PlateReading | NoPlate:
    """Read the plate in a frame, or say why there is none."""
    if not isinstance(image, np.ndarray) or image.size == 0 or image.ndim not in (2, 3):
        return NoPlate("not an image")
    if min(image.shape[:2]) < 20:
        return NoPlate("image too small")
    box = find_plate(image)
    if box is None:
        return NoPlate("no plate-shaped region")
    x, y, w, h = box
    mx, my = max(2, w // 25), max(2, h // 16)  # inside the plate's painted border
    crop = image[y + my : y + int(h * 0.72), x + mx : x + w - mx]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    if gray.mean() < 128:
        gray = 255 - gray
    gray = cv2.copyMakeBorder(gray, 10, 10, 10, 10, cv2.BORDER_REPLICATE)
    data = pytesseract.image_to_data(
        gray, config=f"--psm 7 -c tessedit_char_whitelist={_WHITELIST}", output_type=pytesseract.Output.DICT
    )
    words = [(t.strip(), float(c)) for t, c in zip(data["text"], data["conf"], strict=False) if t.strip()]
    if not words:
        return NoPlate("no characters read")
    raw = "".join(t for t, _ in words)
    try:
        plate = parse(fix_confusables(raw))
    except PlateGrammarError as err:
        return NoPlate(f"read {raw!r}: {err}")
    confidence = max(0.0, min(c for _, c in words)) / 100.0
    return PlateReading(plate.text, confidence, plate.region_name, box)
