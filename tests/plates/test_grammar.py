"""The number plate grammar: a table of plates and the rule each bad one breaks, plus hypothesis properties."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plates.grammar import MAX_INPUT, REGIONS, Plate, PlateGrammarError, is_valid, parse

#: (input, the plate text it parses to) for good plates.
VALID = [
    ("G 1234 AB", "G 1234 AB"),
    ("ad8821xy", "AD 8821 XY"),
    ("B 1", "B 1"),
    ("H 12 C", "H 12 C"),
    ("g 1234 ab", "G 1234 AB"),
    ("G1234AB", "G 1234 AB"),
    ("  g   1 a  ", "G 1 A"),
    ("G\t1234\nAB", "G 1234 AB"),
    ("B 9999 ZZZ", "B 9999 ZZZ"),
    ("PA 10", "PA 10"),
    (" " * (MAX_INPUT - 9) + "G 1234 AB", "G 1234 AB"),  # exactly MAX_INPUT characters
]

#: (input, the rule of the PlateGrammarError it raises) for bad plates.
INVALID = [
    ("G 0123 AB", "leading_zero"),
    ("G 0", "leading_zero"),
    ("G 12345 AB", "number"),
    ("G 12345", "number"),
    ("ABC 123 D", "region"),
    ("XX 1234 AB", "region"),
    ("", "empty"),
    ("   ", "empty"),
    ("\t\n", "empty"),
    ("G 12３4", "characters"),
    ("Ｇ 1234 AB", "characters"),
    ("G 1234 ÄB", "characters"),
    ("G" * 1000, "length"),
    (" " * (MAX_INPUT - 8) + "G 1234 AB", "length"),  # one over MAX_INPUT
    ("G-1234-AB", "characters"),
    ("G.1234.AB", "characters"),
    ("G 1234 ABCD", "shape"),
    ("1234", "shape"),
    ("AB", "number"),
    ("ABCD", "region"),
    ("G 1234 AB1", "shape"),
    ("A B 1234", "shape"),
]


@pytest.mark.parametrize(("raw", "text"), VALID)
def test_valid_plate(raw: str, text: str) -> None:
    plate = parse(raw)
    assert plate.text == text
    assert is_valid(raw)
    assert plate.region in REGIONS and plate.region_name == REGIONS[plate.region]


@pytest.mark.parametrize(("raw", "rule"), INVALID)
def test_invalid_plate(raw: str, rule: str) -> None:
    with pytest.raises(PlateGrammarError) as caught:
        parse(raw)
    assert caught.value.rule == rule
    assert str(caught.value), "the error says what was expected"
    assert not is_valid(raw)


def test_the_table_is_big_enough() -> None:
    assert len(VALID) + len(INVALID) >= 20


def test_parts() -> None:
    assert parse("ad8821xy") == Plate("AD", "8821", "XY")
    assert parse("B 1") == Plate("B", "1", "")
    assert parse("ad 8821 xy").compact == "AD8821XY" and parse("ad 8821 xy").text == "AD 8821 XY"


@pytest.mark.parametrize("raw", [None, 1234, b"G 1234 AB"])
def test_not_text(raw: object) -> None:
    with pytest.raises(PlateGrammarError) as caught:
        parse(raw)  # type: ignore[arg-type]
    assert caught.value.rule == "type"


@pytest.mark.parametrize("raw", ["G 1234 ß", "G 1 ı", "G 1 ﬀ"], ids=["sharp-s", "dotless-i", "ff-ligature"])
def test_non_ascii_letters_that_upper_case_to_ascii(raw: str) -> None:
    with pytest.raises(PlateGrammarError) as caught:
        parse(raw)
    assert caught.value.rule == "characters"


# -- properties -----------------------------------------------------------------------------------------------

PLATE_ALPHABET = string.ascii_letters + string.digits + " \t-.ßı３"


@settings(max_examples=500, database=None)
@given(st.one_of(st.text(), st.text(alphabet=PLATE_ALPHABET, max_size=40)))
def test_any_text_gives_a_plate_or_a_grammar_error(raw: str) -> None:
    try:
        plate = parse(raw)
    except PlateGrammarError as err:
        assert err.rule in {"type", "length", "empty", "characters", "region", "number", "shape", "leading_zero"}
        return
    assert parse(plate.text) == plate, "a parsed plate parses back to itself"
    assert plate.region in REGIONS


@settings(max_examples=300, database=None)
@given(st.text(alphabet=PLATE_ALPHABET, max_size=40))
@example("G 1234 ß")
def test_a_parsed_plate_came_from_ascii_letters_and_digits(raw: str) -> None:
    try:
        parse(raw)
    except PlateGrammarError:
        return
    assert all(c in string.ascii_letters + string.digits for c in "".join(raw.split())), raw


@settings(max_examples=500, database=None)
@given(
    st.sampled_from(sorted(REGIONS)),
    st.integers(min_value=1, max_value=9999),
    st.text(alphabet=string.ascii_uppercase, max_size=3),
)
def test_well_formed_plates_round_trip(region: str, number: int, suffix: str) -> None:
    text = " ".join(p for p in (region, str(number), suffix) if p)
    plate = parse(text)
    assert plate == Plate(region, str(number), suffix)
    assert plate.text == text
    assert parse(text.replace(" ", "").lower()).text == text


def test_a_plate_respelled_keeps_its_groups_or_is_none() -> None:
    plate = parse("L 2693 GA")
    assert plate.groups == (1, 4, 2) and parse("AD 1").groups == (2, 1, 0)
    assert plate.respelled("L2693CA") == Plate("L", "2693", "CA")
    assert plate.respelled("L0693GA") is None  # a leading zero
    assert plate.respelled("Q2693GA") is None  # no such region
    assert plate.respelled("L26G3GA") is None  # a letter in the number
