"""flows.card: the card face for a synthetic holder - size, fields in their boxes, photo, validity, card numbers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from devices.portrait import driver_photo
from flows import population
from flows.card import CARD_H, CARD_W, LAYOUT, Image, card_number, compose, fields_for, five_years_on
from flows.documents import Holder
from flows.photo import assess, card_crop

Mask = np.ndarray[Any, np.dtype[np.bool_]]
TODAY = date(2026, 11, 28)
CATEGORY = "Mobil penumpang / barang <= 3.500 kg"
OFFICE = "SATPAS POLRES BATANG"
BACKGROUND = (235, 228, 214)
HOLDER: Holder = population.holders(3, 1, TODAY)[0]
FIELDS = fields_for(HOLDER, CATEGORY, OFFICE, TODAY)
TEXT_FIELDS = [name for name in LAYOUT if name not in ("title", "subtitle", "photo")]
MARGIN = 8  # px around a box that another field's box must keep clear of


def blank() -> Image:
    return compose({}, None)


def changed_outside(field: str, text: str, grow: int = 0) -> Mask:
    """The mask of pixels that `text` in `field` changes outside the field's box grown by `grow` px."""
    diff: Mask = np.any(compose({field: text}, None) != blank(), axis=2)
    x, y, w, h = LAYOUT[field]
    diff[max(0, y - grow) : y + h + grow, max(0, x - grow) : x + w + grow] = False
    return diff


@pytest.fixture(scope="module")
def portrait() -> Image:
    image = driver_photo(3)
    verdict = assess(image)
    assert verdict.ok and verdict.face is not None
    return card_crop(image, verdict.face)


@pytest.fixture(scope="module")
def card(portrait: Image) -> Image:
    return compose(FIELDS, portrait)


def test_the_card_is_cr80_at_300_dpi(card: Image) -> None:
    assert (CARD_W, CARD_H) == (1016, 648)
    assert card.shape == (648, 1016, 3) and card.dtype == np.uint8


def test_every_field_for_the_holder_is_filled() -> None:
    assert sorted(FIELDS) == sorted(TEXT_FIELDS)
    for name, text in FIELDS.items():
        assert text.strip(), name
    assert FIELDS["name"] == HOLDER.name and FIELDS["class"] == HOLDER.sim_class
    assert HOLDER.birth_place in FIELDS["birth"] and f"{HOLDER.birth_date:%d-%m-%Y}" in FIELDS["birth"]
    assert HOLDER.sex in FIELDS["blood_sex"] and HOLDER.blood in FIELDS["blood_sex"]


@pytest.mark.parametrize(
    "field",
    [f for f in TEXT_FIELDS],
)
def test_a_field_changes_pixels_only_inside_its_box(field: str) -> None:
    assert compose({field: FIELDS[field]}, None).shape == blank().shape
    outside = changed_outside(field, FIELDS[field])
    ys, xs = np.nonzero(outside)
    assert not outside.any(), f"{outside.sum()} px outside, x {xs.min()}-{xs.max()}, y {ys.min()}-{ys.max()}"


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("text", ["FIELD", "gjpqy, Jl. Gajah / Pagi"], ids=["caps", "descenders"])
def test_a_field_never_reaches_another_box(field: str, text: str) -> None:
    """Even text with descenders stays clear of every other box."""
    text = FIELDS[field] if text == "FIELD" else text
    assert not changed_outside(field, text, grow=MARGIN).any()
    diff = np.any(compose({field: text}, None) != blank(), axis=2)
    assert diff.any(), "the text was not drawn"
    for other, (x, y, w, h) in LAYOUT.items():
        if other != field:
            assert not diff[y : y + h, x : x + w].any(), f"{field} draws into {other}"


def test_no_fields_leaves_only_the_title_band() -> None:
    card = blank()
    band = card[:111]
    assert (band == (120, 70, 20)).all(axis=2).mean() > 0.8  # the blue band, with the white title on it
    x, y, w, h = LAYOUT["photo"]
    below = card[111:].copy()
    below[y - 112 : y - 110 + h, x - 1 : x + w + 1] = BACKGROUND  # the empty photo frame (its 2-px line: 1 px out)
    assert (below == BACKGROUND).all()


def test_the_photo_fills_its_box(card: Image) -> None:
    x, y, w, h = LAYOUT["photo"]
    inside = card[y + 2 : y + h - 2, x + 2 : x + w - 2]
    assert (inside == BACKGROUND).all(axis=2).mean() < 0.01
    assert inside.std() > 20  # a photograph, not a flat fill
    empty = compose(FIELDS, None)[y + 2 : y + h - 2, x + 2 : x + w - 2]
    assert (empty == BACKGROUND).all()


def test_the_photo_goes_only_into_its_box(portrait: Image) -> None:
    diff = np.any(compose({}, portrait) != blank(), axis=2)
    x, y, w, h = LAYOUT["photo"]
    diff[y : y + h, x : x + w] = False
    assert not diff.any()


@pytest.mark.parametrize("shape", [(400, 300, 3), (100, 600, 3), (1000, 90, 3), (320, 240, 3)])
def test_any_photo_is_fitted_to_the_box(shape: tuple[int, int, int]) -> None:
    photo = np.full(shape, 90, np.uint8)
    x, y, w, h = LAYOUT["photo"]
    inside = compose({}, photo)[y + 2 : y + h - 2, x + 2 : x + w - 2]
    assert (inside == 90).all()


LONG_NAME = ("SRI " + "WULANDARI " * 20)[:200]


def test_a_200_character_name_stays_inside_its_box() -> None:
    assert len(LONG_NAME) == 200
    assert not changed_outside("name", LONG_NAME).any()


def test_a_200_character_name_is_shrunk_to_its_box_and_clear_of_the_others() -> None:
    diff = np.any(compose({"name": LONG_NAME}, None) != blank(), axis=2)
    assert not changed_outside("name", LONG_NAME, grow=MARGIN).any()
    xs = np.nonzero(diff.any(axis=0))[0]
    assert xs.max() - xs.min() > 0.9 * LAYOUT["name"][2]  # shrunk to the width, not cut off
    for other in ("birth", "number", "photo"):
        ox, oy, ow, oh = LAYOUT[other]
        assert not diff[oy : oy + oh, ox : ox + ow].any()


@pytest.mark.parametrize(
    ("issued", "until"),
    [
        (date(2026, 11, 28), date(2031, 11, 28)),
        (date(2024, 2, 29), date(2029, 2, 28)),
        (date(2028, 2, 29), date(2033, 2, 28)),
        (date(2023, 2, 28), date(2028, 2, 28)),
        (date(2023, 3, 1), date(2028, 3, 1)),
        (date(2026, 12, 31), date(2031, 12, 31)),
    ],
)
def test_valid_until_is_five_years_after_issue(issued: date, until: date) -> None:
    assert five_years_on(issued) == until
    assert fields_for(HOLDER, CATEGORY, OFFICE, issued)["valid_until"] == f"Berlaku s/d {until:%d-%m-%Y}"


@pytest.mark.parametrize(
    ("number", "printed"),
    [
        ("123456789012", "1234-5678-9012"),
        ("1234567890123", "1234-5678-90123"),
        ("12345678901234", "1234-5678-901234"),
        ("3325014403850007", "3325014403850007"),
    ],
    ids=["12-digits", "13-digits", "14-digits", "16-digit-nik"],
)
def test_card_number_format(number: str, printed: str) -> None:
    assert card_number(number) == printed


def test_a_nik_based_card_prints_the_nik() -> None:
    holder = next(h for h in population.holders(60, 1, TODAY) if len(h.sim_number) == 16)
    assert holder.sim_number == holder.nik
    assert fields_for(holder, CATEGORY, OFFICE, TODAY)["number"] == holder.nik


def test_write_the_card_for_people_to_look_at(card: Image, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Writes the composed card as PNG: under pytest's base temp and as var/test-card.png (git-ignored)."""
    var = Path(__file__).resolve().parents[2] / "var"
    var.mkdir(exist_ok=True)
    paths = [tmp_path_factory.getbasetemp() / "test-card.png", var / "test-card.png"]
    for path in paths:
        assert cv2.imwrite(str(path), card)
        print(f"card written to {path}")
        again = cv2.imread(str(path))
        assert again is not None and np.array_equal(again, card)
