"""The grammar decoder: confusable characters fixed by position, stray symbols dropped, group gaps respected, and
the expiry line parsed; fed with hand-made Tesseract symbols, so no Tesseract is needed."""

from __future__ import annotations

import pytest

from plates.decode import decode, parse_expiry, slots
from plates.engine import Symbol


def line(text: str, conf: float = 0.9, wide_after: tuple[int, ...] = ()) -> tuple[list[Symbol], list[int]]:
    """Symbols 20 px wide, 8 px apart, with a 40 px gap after the given indexes; and the gaps' positions."""
    out, breaks, x = [], [], 10
    for i, c in enumerate(text):
        out.append(Symbol(c, conf, x, x + 20))
        x += 20
        if i in wide_after:
            breaks.append(x + 20)
            x += 40
        else:
            x += 8
    return out, breaks


@pytest.mark.parametrize(
    ("raw", "wide_after", "plate"),
    [
        ("G1234AB", (0, 4), "G 1234 AB"),
        ("61234AB", (0, 4), "G 1234 AB"),  # 6 in the region is G
        ("GI2S4AB", (0, 4), "G 1254 AB"),  # I and S among the digits are 1 and 5
        ("B9140BCO", (0, 4), "B 9140 BCO"),  # O stays a letter in the suffix
        ("B914OBC0", (0, 4), "B 9140 BCO"),  # ...and 0 becomes O there, O becomes 0 among digits
        ("8128Z", (0, 3), "B 128 Z"),
        ("AD8865EE", (1, 5), "AD 8865 EE"),
        ("B28", (0,), "B 28"),  # no suffix
    ],
)
def test_confusables_are_fixed_by_position(raw: str, wide_after: tuple[int, ...], plate: str) -> None:
    symbols, breaks = line(raw, wide_after=wide_after)
    got = decode(slots(symbols), breaks)
    assert got is not None and got.plate.text == plate
    assert len(got.char_confidences) == len(plate.replace(" ", ""))
    assert 0.0 < got.confidence <= 1.0


def test_a_thin_stray_symbol_at_the_edge_is_dropped() -> None:
    symbols, breaks = line("IB1128WOS", wide_after=(1, 5))
    symbols[0] = Symbol("I", 0.9, symbols[0].x0, symbols[0].x0 + 6)  # a sliver of plate frame
    got = decode(slots(symbols), breaks)
    assert got is not None and got.plate.text == "B 1128 WOS"


def test_the_gaps_decide_between_two_readings() -> None:
    # "AB1274EV": region AB with the gap after B, not A with B as a digit 8.
    symbols, breaks = line("AB1274EV", wide_after=(1, 5))
    got = decode(slots(symbols), breaks)
    assert got is not None and got.plate.text == "AB 1274 EV"


def test_nothing_grammatical_gives_none() -> None:
    symbols, breaks = line("XX", wide_after=(0,))
    assert decode(slots(symbols), breaks) is None
    assert decode([], []) is None


def test_a_letters_only_read_fills_in_a_letter() -> None:
    symbols, breaks = line("B1234?D", wide_after=(0, 4))
    letters = [Symbol("C", 0.8, symbols[5].x0, symbols[5].x1)]
    got = decode(slots(symbols, letters=letters), breaks)
    assert got is not None and got.plate.text == "B 1234 CD"


@pytest.mark.parametrize(
    ("raw", "expiry"),
    [("08.29", "08.29"), ("0829", "08.29"), ("12 25", "12.25"), ("13.25", ""), ("8.29", ""), ("", ""), ("123456", "")],
)
def test_expiry(raw: str, expiry: str) -> None:
    assert parse_expiry(raw) == expiry
