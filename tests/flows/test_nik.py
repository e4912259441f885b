"""flows.nik: well-formed NIKs round-trip through make/parse; broken dates, codes and inputs get the right code."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.nik import MIN_AGE, PROVINCES, NikError, make, parse

TODAY = date(2026, 11, 28)
EARLIEST_BIRTH = date(1931, 1, 1)  # with `today` up to 2030 a two-digit year from 31 up is unambiguously 19xx


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Parts:
    province: str
    regency: str
    district: str
    birth: date
    female: bool
    serial: int
    today: date

    @property
    def nik(self) -> str:
        return make(self.province, self.regency, self.district, self.birth, self.female, self.serial)


@st.composite
def valid_parts(draw: st.DrawFn) -> Parts:
    today = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)))
    return Parts(
        province=draw(st.sampled_from(sorted(PROVINCES))),
        regency=f"{draw(st.integers(1, 99)):02d}",
        district=f"{draw(st.integers(1, 99)):02d}",
        birth=draw(st.dates(min_value=EARLIEST_BIRTH, max_value=years_before(today, MIN_AGE))),
        female=draw(st.booleans()),
        serial=draw(st.integers(1, 9999)),
        today=today,
    )


def code_of(raw: object, today: date = TODAY) -> str:
    with pytest.raises(NikError) as caught:
        parse(raw, today)
    return caught.value.code


def variants(nik: str, positions: range) -> list[str]:
    """Every NIK that differs from `nik` in exactly one digit at one of `positions`."""
    return [nik[:i] + d + nik[i + 1 :] for i in positions for d in "0123456789" if d != nik[i]]


def is_a_date(day_field: int, month: int, year: int) -> bool:
    """Independent oracle: does DD (day + 40 for women) / MM name a real day of `year`?"""
    day = day_field - 40 if day_field > 40 else day_field
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


# --- properties -------------------------------------------------------------------------------------------------


@given(valid_parts())
def test_a_well_formed_nik_parses_and_decodes_back(parts: Parts) -> None:
    nik = parts.nik
    assert len(nik) == 16 and nik.isascii() and nik.isdigit()
    decoded = parse(nik, parts.today)
    assert decoded.text == nik
    assert decoded.birth == parts.birth
    assert decoded.female is parts.female
    assert decoded.sex == ("P" if parts.female else "L")
    assert (decoded.province, decoded.regency, decoded.district) == (parts.province, parts.regency, parts.district)
    assert decoded.serial == f"{parts.serial:04d}"
    assert decoded.province_name == PROVINCES[parts.province]
    assert decoded.age_on(parts.today) >= MIN_AGE


@given(valid_parts())
def test_women_have_forty_added_to_the_day_of_birth(parts: Parts) -> None:
    day_field = int(parts.nik[6:8])
    assert day_field == parts.birth.day + (40 if parts.female else 0)
    assert (day_field > 40) is parts.female is parse(parts.nik, parts.today).female


@given(valid_parts())
def test_padding_spaces_are_accepted(parts: Parts) -> None:
    assert parse(f"  {parts.nik}\t ", parts.today).text == parts.nik


@given(valid_parts())
def test_a_digit_that_makes_the_date_impossible_is_nik_birth_date(parts: Parts) -> None:
    nik = parts.nik
    broken = [v for v in variants(nik, range(6, 10)) if not is_a_date(int(v[6:8]), int(v[8:10]), parts.birth.year)]
    assert broken  # a month digit of 2-9 in front always gives month 20 or more
    for variant in broken:
        assert code_of(variant, parts.today) == "nik_birth_date", variant


@given(valid_parts())
def test_a_province_digit_that_gives_an_unknown_province_is_nik_province(parts: Parts) -> None:
    unknown = [v for v in variants(parts.nik, range(0, 2)) if v[:2] not in PROVINCES]
    assert unknown
    for variant in unknown:
        assert code_of(variant, parts.today) == "nik_province", variant


@given(valid_parts())
def test_missing_regency_district_or_serial_is_named(parts: Parts) -> None:
    nik = parts.nik
    assert code_of(nik[:2] + "00" + nik[4:], parts.today) == "nik_regency"
    assert code_of(nik[:4] + "00" + nik[6:], parts.today) == "nik_district"
    assert code_of(nik[:12] + "0000", parts.today) == "nik_serial"
    # and a single-digit slip that zeroes a code, wherever one exists
    for variant in variants(nik, range(2, 6)):
        if variant[2:4] == "00":
            assert code_of(variant, parts.today) == "nik_regency", variant
        elif variant[4:6] == "00":
            assert code_of(variant, parts.today) == "nik_district", variant
    for variant in variants(nik, range(12, 16)):
        if variant[12:] == "0000":
            assert code_of(variant, parts.today) == "nik_serial", variant


# --- examples ---------------------------------------------------------------------------------------------------

GOOD = make("33", "25", "01", date(1980, 5, 17), False, 42)  # a man from Batang
GOOD_WOMAN = make("33", "13", "07", date(1992, 2, 29), True, 1)  # a woman from Karanganyar, born on a leap day


def test_the_examples_are_good() -> None:
    assert GOOD == "3325011705800042"
    man, woman = parse(GOOD, TODAY), parse(GOOD_WOMAN, TODAY)
    assert (man.birth, man.sex, man.province_name) == (date(1980, 5, 17), "L", "Jawa Tengah")
    assert (woman.birth, woman.sex, woman.regency) == (date(1992, 2, 29), "P", "13")
    assert GOOD_WOMAN[6:8] == "69"


def test_seventeen_today_is_old_enough_one_day_less_is_not() -> None:
    seventeen = date(TODAY.year - 17, TODAY.month, TODAY.day)
    assert parse(make("33", "25", "01", seventeen, True, 9), TODAY).age_on(TODAY) == 17
    assert code_of(make("33", "25", "01", seventeen + timedelta(days=1), True, 9)) == "nik_too_young"
    assert code_of(make("33", "25", "01", date(2015, 1, 1), False, 9)) == "nik_too_young"


def test_a_birth_date_today_or_later_is_in_the_future() -> None:
    assert code_of(make("33", "25", "01", TODAY + timedelta(days=3), False, 9)) == "nik_birth_future"
    assert code_of(make("33", "25", "01", TODAY, True, 9)) == "nik_birth_future"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param(GOOD[:15], "nik_length", id="15-digits"),
        pytest.param(GOOD + "1", "nik_length", id="17-digits"),
        pytest.param("", "nik_digits", id="empty"),
        pytest.param("33250117058O0042", "nik_digits", id="letter-O-for-zero"),
        pytest.param("ABCDEFGHIJKLMNOP", "nik_digits", id="letters"),
        pytest.param(GOOD[:5] + "３" + GOOD[6:], "nik_digits", id="fullwidth-digit"),
        pytest.param("٣٣٢٥٠١١٧٠٥٨٠٠٠٤٢", "nik_digits", id="arabic-indic-digits"),
        pytest.param("3325 0117 0580 0042", "nik_digits", id="inner-spaces"),
        pytest.param("3325-0117-0580-0042", "nik_digits", id="dashes"),
        pytest.param("1" * 1000, "nik_length", id="1000-digits"),
        pytest.param("x" * 100_000, "nik_length", id="100000-letters"),
        pytest.param(GOOD + "\x00", "nik_digits", id="nul-byte"),
        pytest.param(None, "nik_type", id="None"),
        pytest.param(3325011705800042, "nik_type", id="int"),
        pytest.param(GOOD.encode(), "nik_type", id="bytes"),
        pytest.param("9925011705800042", "nik_province", id="province-99"),
        pytest.param("3300011705800042", "nik_regency", id="regency-00"),
        pytest.param("3325001705800042", "nik_district", id="district-00"),
        pytest.param("3325013102800042", "nik_birth_date", id="31-february"),
        pytest.param("3325017102800042", "nik_birth_date", id="71-february-woman"),
        pytest.param("3325010005800042", "nik_birth_date", id="day-00"),
        pytest.param("3325014005800042", "nik_birth_date", id="day-40"),
        pytest.param("3325011713800042", "nik_birth_date", id="month-13"),
        pytest.param("3325012902810042", "nik_birth_date", id="29-february-1981"),
        pytest.param("3325011705800000", "nik_serial", id="serial-0000"),
    ],
)
def test_bad_input_is_rejected_with_its_code(raw: object, code: str) -> None:
    assert code_of(raw) == code


@pytest.mark.parametrize("padded", [f" {GOOD}", f"{GOOD} ", f"\t{GOOD}\n", f"   {GOOD}   "])
def test_leading_and_trailing_spaces_are_accepted(padded: str) -> None:
    assert parse(padded, TODAY).text == GOOD


def test_nik_error_is_a_value_error_with_a_message() -> None:
    with pytest.raises(ValueError, match="16 digits"):
        parse(GOOD[:15], TODAY)
