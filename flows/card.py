"""The card face sent to the printer: 1016 x 648 dots (CR-80 at 300 dpi), fields in fixed boxes, photo placed.

`LAYOUT` is the single description of where each field goes; `compose` draws it. Pure: image in, image out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import cv2
import numpy as np

from flows.documents import Holder, new_card_number

Image = np.ndarray[Any, np.dtype[np.uint8]]
CARD_W, CARD_H = 1016, 648
MIN_SCALE = 0.45  # the smallest text still legible on the card

#: Field name -> (x, y, width, height) box on the card, in dots.
LAYOUT: Mapping[str, tuple[int, int, int, int]] = {
    "title": (40, 24, 936, 48),
    "subtitle": (40, 72, 936, 30),
    "class": (40, 120, 180, 110),
    "number": (240, 130, 736, 44),
    "name": (320, 190, 656, 40),
    "birth": (320, 240, 656, 34),
    "blood_sex": (320, 280, 656, 34),  # "Gol. darah O   Jenis kelamin L"
    "address": (320, 320, 656, 34),
    "occupation": (320, 360, 656, 34),
    "category": (320, 400, 656, 34),
    "office": (320, 470, 656, 34),
    "valid_until": (320, 520, 656, 40),
    "photo": (40, 250, 240, 320),
}


def fit_text(img: Image, text: str, box: tuple[int, int, int, int], color: tuple[int, int, int]) -> None:
    """Draw `text` inside `box`, descenders, stroke width and anti-aliasing included, shrinking the font until
    it fits."""
    x, y, w, h = box[0] + 2, box[1] + 2, box[2] - 4, box[3] - 4  # anti-aliasing reaches a pixel past the stroke
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = h / 30.0
    while True:
        thick = max(1, round(scale * 30 / 18))
        (tw, th), base = cv2.getTextSize(text, font, scale, thick)
        if tw + thick <= w and th + base + thick <= h:
            break
        if scale > MIN_SCALE:
            scale *= 0.9
        else:  # legible no smaller: cut the text short, marked with a full stop
            text = text[:-2].rstrip() + "."
    cv2.putText(img, text, (x + thick // 2, y + h - base - thick // 2), font, scale, color, thick, cv2.LINE_AA)


def compose(fields: Mapping[str, str], photo: Image | None) -> Image:
    """The card face with `fields` (keys of LAYOUT but "photo"; missing ones left blank) and the photo,
    resized to cover the photo box."""
    card = _filled(CARD_H, CARD_W, (235, 228, 214))
    cv2.rectangle(card, (0, 0), (CARD_W - 1, 110), (120, 70, 20), -1)
    texts = {"title": "SURAT IZIN MENGEMUDI", "subtitle": "INDONESIA DRIVING LICENSE", **fields}
    for name, box in LAYOUT.items():
        if name == "photo" or not texts.get(name):
            continue
        color = (255, 255, 255) if name in ("title", "subtitle") else (30, 30, 30)
        fit_text(card, str(texts[name]), box, color)
    x, y, w, h = LAYOUT["photo"]
    if photo is not None and photo.size:
        card[y : y + h, x : x + w] = cover(photo, w, h)
    cv2.rectangle(card, (x, y), (x + w - 1, y + h - 1), (90, 90, 90), 2)
    return card


def cover(image: Image, w: int, h: int) -> Image:
    """Scale and centre-crop `image` so it fills w x h."""
    ih, iw = image.shape[:2]
    scale = max(w / iw, h / ih)
    resized = cv2.resize(image, (max(w, round(iw * scale)), max(h, round(ih * scale))), interpolation=cv2.INTER_AREA)
    rh, rw = resized.shape[:2]
    top, left = (rh - h) // 2, (rw - w) // 2
    return np.ascontiguousarray(resized[top : top + h, left : left + w])


def five_years_on(issued: date) -> date:
    """Valid until: five years from the date of issue (Perpol 5/2021); 29 February falls back to the 28th."""
    try:
        return issued.replace(year=issued.year + 5)
    except ValueError:
        return issued.replace(year=issued.year + 5, day=28)


def _filled(h: int, w: int, color: tuple[int, int, int]) -> Image:
    """An h x w BGR image of one colour (OpenCV fills 50 times faster than np.full with a tuple)."""
    img = np.empty((h, w, 3), np.uint8)
    cv2.rectangle(img, (0, 0), (w - 1, h - 1), color, -1)
    return img


def card_number(sim_number: str) -> str:
    """The number as printed: the older 12-14 digit numbers in groups of four from the left, a NIK as it is."""
    if len(sim_number) == 16:
        return sim_number
    return "-".join(sim_number[i : i + 4] for i in range(0, 8, 4)) + "-" + sim_number[8:]


def fields_for(holder: Holder, lane_category: str, office: str, issued: date) -> dict[str, str]:
    """The card's text fields for a holder issued a card on `issued`: everything but the photo. The number is the
    new card's (`flows.documents.new_card_number`): the NIK since July 2024, so a renewed 12-digit card comes out
    numbered with the holder's NIK."""
    return {
        "class": holder.sim_class,
        "number": card_number(new_card_number(holder, issued)),
        "name": holder.name,
        "birth": f"{holder.birth_place}, {holder.birth_date:%d-%m-%Y}",
        "blood_sex": f"Gol. darah {holder.blood}    Jenis kelamin {holder.sex}",
        "address": holder.address,
        "occupation": holder.occupation,
        "category": lane_category,
        "office": office,
        "valid_until": f"Berlaku s/d {five_years_on(issued):%d-%m-%Y}",
    }
