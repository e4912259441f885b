"""flows.documents.check: a table of submissions against a small registry, each with the exact set of reason codes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any, cast

import pytest

from flows.card import five_years_on
from flows.documents import MESSAGES, DocumentRules, Holder, Submission, Verdict, check, failure
from flows.nik import make

TODAY = date(2026, 11, 28)
CAR = ("A",)
MOTORCYCLE = ("C", "C I", "C II")
BPJS = DocumentRules(bpjs_required=True)


def holder(sim_number: str, sim_class: str, expires: date, *, female: bool = False, bpjs: bool = True) -> Holder:
    birth = date(1985, 3, 14)
    issued = expires.replace(year=expires.year - 5)
    return Holder(
        sim_number=sim_number,
        nik=make("33", "25", "04", birth, female, int(sim_number[-4:]) or 1),
        name="SRI LESTARI" if female else "BUDI SANTOSO",
        birth_place="BATANG",
        birth_date=birth,
        sex="P" if female else "L",
        blood="O",
        address="Jl. Gajah Mada No. 12, Batang",
        occupation="Wiraswasta",
        sim_class=sim_class,
        issued=issued,
        expires=expires,
        bpjs_active=bpjs,
    )


LATER = date(2028, 6, 3)
HOLDERS: dict[str, Holder] = {
    "car": holder("123456789012", "A", LATER),
    "c": holder("1234567890123", "C", LATER, female=True),
    "c1": holder("12345678901234", "C I", LATER),
    "c2": holder("33250414038500", "C II", LATER, female=True),
    "expired": holder("987654321098", "A", TODAY - timedelta(days=1)),
    "today": holder("987654321099", "A", TODAY),
    "tomorrow": holder("987654321100", "A", TODAY + timedelta(days=1)),
    "no_bpjs": holder("555566667777", "A", LATER, bpjs=False),
}
# A card issued since mid-2024 carries the holder's NIK as its number.
NIK_CARD = holder("0", "A", five_years_on(date(2024, 8, 1)))
NIK_CARD = replace(NIK_CARD, sim_number=NIK_CARD.nik, issued=date(2024, 8, 1))
HOLDERS["nik_card"] = NIK_CARD
REGISTRY = {h.sim_number: h for h in HOLDERS.values()}
LOOKED_UP: list[str] = []


def lookup(number: str) -> Holder | None:
    LOOKED_UP.append(number)
    return REGISTRY.get(number)


def good(key: str | None, **changes: Any) -> Submission:
    """A complete, valid submission for holder `key` (None: nobody), with `changes`."""
    who = HOLDERS[key] if key else None
    sub = Submission(
        nik=who.nik if who else "",
        sim_number=who.sim_number if who else "",
        health_no="SKS/01234/RIKKES/2026",
        health_date="2026-11-20",
        psych_no="PSI/0456/BTG/2026",
        psych_date="2026-10-01",
        bpjs=None,
    )
    return replace(sub, **changes)


def one_digit_off(text: str, index: int) -> str:
    return text[:index] + str((int(text[index]) + 1) % 10) + text[index + 1 :]


CAR_NIK = HOLDERS["car"].nik
LONG = "9" * 1000
SQL = "1' OR '1'='1'; DROP TABLE holders; --"
ALL_MALFORMED = {"nik_invalid", "sim_format", "health_number", "health_date", "psych_number", "psych_date"}

CASES = [
    # valid renewals
    pytest.param(good("car"), CAR, None, set(), id="valid-car"),
    pytest.param(good("c"), MOTORCYCLE, None, set(), id="valid-C"),
    pytest.param(good("c1"), MOTORCYCLE, None, set(), id="valid-C-I"),
    pytest.param(good("c2"), MOTORCYCLE, None, set(), id="valid-C-II"),
    pytest.param(good("nik_card"), CAR, None, set(), id="valid-nik-based-16-digit-sim"),
    # expiry
    pytest.param(good("expired"), CAR, None, {"sim_expired"}, id="expired-yesterday"),
    pytest.param(good("today"), CAR, None, set(), id="expires-today"),
    pytest.param(good("tomorrow"), CAR, None, set(), id="expires-tomorrow"),
    # class
    pytest.param(good("c"), CAR, None, {"wrong_class"}, id="motorcycle-sim-on-car-lane"),
    pytest.param(good("c2"), CAR, None, {"wrong_class"}, id="C-II-sim-on-car-lane"),
    pytest.param(good("car"), MOTORCYCLE, None, {"wrong_class"}, id="car-sim-on-motorcycle-lane"),
    # NIK
    pytest.param(good("car", nik=one_digit_off(CAR_NIK, 15)), CAR, None, {"nik_mismatch"}, id="nik-typo-in-serial"),
    pytest.param(good("car", nik="99" + CAR_NIK[2:]), CAR, None, {"nik_invalid"}, id="nik-invalid-province"),
    pytest.param(good("car", nik=CAR_NIK[:15]), CAR, None, {"nik_invalid"}, id="nik-15-digits"),
    pytest.param(good("car", nik=""), CAR, None, {"nik_missing"}, id="nik-missing"),
    pytest.param(good("car", nik="   "), CAR, None, {"nik_missing"}, id="nik-blank"),
    pytest.param(good("car", nik=f" {CAR_NIK} "), CAR, None, set(), id="nik-padded-with-spaces"),
    pytest.param(
        good("car", nik=make("33", "25", "04", date(2012, 1, 1), False, 7)),
        CAR,
        None,
        {"nik_too_young"},  # an undecodable NIK is not compared with the record
        id="nik-under-17",
    ),
    # SIM number
    pytest.param(good("car", sim_number=""), CAR, None, {"sim_missing"}, id="sim-missing"),
    pytest.param(good("car", sim_number="111122223333"), CAR, None, {"sim_not_found"}, id="sim-not-found"),
    pytest.param(good("car", sim_number="1234-5678-9012"), CAR, None, set(), id="sim-with-dashes"),
    pytest.param(good("c", sim_number="1234 5678 90123"), MOTORCYCLE, None, set(), id="sim-with-spaces"),
    pytest.param(good("car", sim_number="1234.5678.9012"), CAR, None, set(), id="sim-with-dots"),
    pytest.param(good("car", sim_number="12345678901"), CAR, None, {"sim_format"}, id="sim-11-digits"),
    pytest.param(good("car", sim_number="123456789012345"), CAR, None, {"sim_format"}, id="sim-15-digits"),
    pytest.param(good("car", sim_number="12345678901A"), CAR, None, {"sim_format"}, id="sim-with-letter"),
    # health certificate
    pytest.param(good("car", health_no="", health_date=""), CAR, None, {"health_missing"}, id="health-missing"),
    pytest.param(good("car", health_no="SKS-01234-2026"), CAR, None, {"health_number"}, id="health-bad-form"),
    pytest.param(good("car", health_no="sks/01234/rikkes/2026"), CAR, None, {"health_number"}, id="health-lowercase"),
    pytest.param(good("car", health_date="2026-05-31"), CAR, None, {"health_too_old"}, id="health-181-days"),
    pytest.param(good("car", health_date="2026-06-01"), CAR, None, set(), id="health-180-days"),
    pytest.param(good("car", health_date="2026-11-28"), CAR, None, set(), id="health-today"),
    pytest.param(good("car", health_date="2026-11-29"), CAR, None, {"health_date"}, id="health-future"),
    pytest.param(good("car", health_date="20/11/2026"), CAR, None, {"health_date"}, id="health-date-not-iso"),
    pytest.param(good("car", health_date="2026-02-30"), CAR, None, {"health_date"}, id="health-date-30-feb"),
    pytest.param(good("car", health_date=""), CAR, None, {"health_date"}, id="health-date-missing"),
    pytest.param(
        good("car", health_date=" 2026-11-20 "),
        CAR,
        None,
        set(),
        id="health-date-padded",
    ),
    pytest.param(
        good("car", health_no="SKS/１２３４５/RIKKES/２０２６"),
        CAR,
        None,
        {"health_number"},
        id="health-number-fullwidth-digits",
    ),
    # psychology certificate
    pytest.param(good("car", psych_no="", psych_date=""), CAR, None, {"psych_missing"}, id="psych-missing"),
    pytest.param(good("car", psych_no="SKS/0456/BTG/2026"), CAR, None, {"psych_number"}, id="psych-bad-form"),
    pytest.param(good("car", psych_date="2026-05-31"), CAR, None, {"psych_too_old"}, id="psych-181-days"),
    pytest.param(good("car", psych_date="2026-06-01"), CAR, None, set(), id="psych-180-days"),
    pytest.param(good("car", psych_date="2027-01-01"), CAR, None, {"psych_date"}, id="psych-future"),
    pytest.param(good("car", psych_date="01-10-2026"), CAR, None, {"psych_date"}, id="psych-date-not-iso"),
    # BPJS
    pytest.param(good("car", bpjs=False), CAR, BPJS, {"bpjs_inactive"}, id="bpjs-required-inactive-at-window"),
    pytest.param(good("no_bpjs"), CAR, BPJS, {"bpjs_inactive"}, id="bpjs-required-inactive-in-registry"),
    pytest.param(good("no_bpjs", bpjs=True), CAR, BPJS, set(), id="bpjs-required-active-at-window"),
    pytest.param(good("car"), CAR, BPJS, set(), id="bpjs-required-active-in-registry"),
    pytest.param(good(None, bpjs=None), CAR, BPJS, {"sim_missing", "nik_missing", "bpjs_inactive"}, id="bpjs-nobody"),
    pytest.param(good("no_bpjs", bpjs=False), CAR, None, set(), id="bpjs-not-required-inactive"),
    # several at once
    pytest.param(
        good(
            "c",
            nik=one_digit_off(HOLDERS["c"].nik, 14),
            health_date="2025-01-01",
            psych_no="",
            bpjs=False,
        ),
        CAR,
        BPJS,
        {"nik_mismatch", "wrong_class", "health_too_old", "psych_missing", "bpjs_inactive"},
        id="several-failures",
    ),
    pytest.param(
        good("expired", nik="", health_no="SKS/1/X/2026", psych_date="tomorrow"),
        MOTORCYCLE,
        None,
        {"nik_missing", "wrong_class", "sim_expired", "health_number", "psych_date"},
        id="several-failures-expired-wrong-lane",
    ),
    pytest.param(
        Submission(), CAR, None, {"nik_missing", "sim_missing", "health_missing", "psych_missing"}, id="empty"
    ),
    # malformed input: failures, never exceptions
    pytest.param(Submission(LONG, LONG, LONG, LONG, LONG, LONG), CAR, None, ALL_MALFORMED, id="1000-character-fields"),
    pytest.param(
        Submission("NIK saya ñáéíóú", "SIM ąčęėįšųū", "Surat sehat ✓", "dua puluh", "心理", "二〇二六"),
        CAR,
        None,
        ALL_MALFORMED,
        id="non-ascii-text",
    ),
    pytest.param(
        Submission("🚗" * 16, "🏍️" * 12, "SKS/🙂/RIKKES/2026", "2026-11-🙂", "PSI/👍/BTG/2026", "🗓️"),
        CAR,
        None,
        ALL_MALFORMED,
        id="emoji",
    ),
    pytest.param(
        Submission(
            CAR_NIK[:8] + "\x00" + CAR_NIK[9:],
            "1234\x005678\x1b9012",
            "SKS/01234/\x07RIKKES/2026",
            "2026\x0011-20",
            "PSI/0456/BTG/2026\x00",
            "\x1b[2J",
        ),
        CAR,
        None,
        ALL_MALFORMED,
        id="control-characters",
    ),
    pytest.param(Submission(SQL, SQL, SQL, SQL, SQL, SQL), CAR, None, ALL_MALFORMED, id="sql-ish"),
    pytest.param(
        Submission(CAR_NIK, "123456789012' OR 1=1 --", "SKS/1'; --/X/2026", "2026-11-20", "PSI/0456/BTG/2026", "1=1"),
        CAR,
        None,
        {"sim_format", "health_number", "psych_date"},
        id="sql-ish-around-good-values",
    ),
    pytest.param(
        good("car", sim_number="１２３４５６７８９０１２"), CAR, None, {"sim_format"}, id="sim-fullwidth-digits"
    ),
]


def run(sub: Submission, classes: tuple[str, ...], rules: DocumentRules | None) -> Verdict:
    return check(sub, lookup, classes, TODAY, rules or DocumentRules())


@pytest.mark.parametrize(("sub", "classes", "rules", "expected"), CASES)
def test_document_case(
    sub: Submission, classes: tuple[str, ...], rules: DocumentRules | None, expected: set[str]
) -> None:
    LOOKED_UP.clear()
    verdict = run(sub, classes, rules)
    assert set(verdict.codes) == expected
    assert verdict.codes == tuple(f.code for f in verdict.failures)
    assert len(verdict.codes) == len(set(verdict.codes)), "a failure is listed twice"
    assert verdict.ok is (not expected)
    # the registry is only ever asked for a plain, normalised number
    assert all(n.isascii() and n.isdigit() and len(n) in (12, 13, 14, 16) for n in LOOKED_UP)
    for f in verdict.failures:
        assert f.id.strip() and f.en.strip() and f.id != f.en, f
        assert "{" not in f.id + f.en, f"unfilled placeholder in {f}"
        assert f.id in verdict.reason()
    assert verdict.reason() == "; ".join(f.id for f in verdict.failures)


def test_the_table_is_big_enough_and_covers_every_reason_code() -> None:
    assert len(CASES) >= 30
    covered = {code for p in CASES for code in cast(set[str], p.values[3])}
    assert covered == set(MESSAGES)


def test_a_valid_verdict_carries_the_holder_and_the_decoded_nik() -> None:
    verdict = run(good("c"), MOTORCYCLE, None)
    assert verdict.ok and verdict.reason() == ""
    assert verdict.holder == HOLDERS["c"]
    assert verdict.nik is not None and verdict.nik.text == HOLDERS["c"].nik and verdict.nik.female


def test_messages_name_the_class_the_date_and_the_limit() -> None:
    wrong = run(good("c1"), CAR, None).failures[0]
    assert "C I" in wrong.id and "C I" in wrong.en
    expired = run(good("expired"), CAR, None).failures[0]
    assert "27-11-2026" in expired.id and "27-11-2026" in expired.en
    old = run(good("car", health_date="2026-01-01"), CAR, DocumentRules(certificate_max_days=90)).failures[0]
    assert old.code == "health_too_old" and "90" in old.id and "90" in old.en
    invalid = run(good("car", nik="9925"), CAR, None).failures[0]
    assert invalid.code == "nik_invalid" and "16" in invalid.en


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_has_two_different_languages(code: str) -> None:
    made = failure(code, detail="x", sim_class="C I", expires="27-11-2026", days=180, where="x")
    assert made.code == code
    assert made.id.strip() and made.en.strip() and made.id != made.en


def test_the_certificate_age_limit_is_a_rule() -> None:
    strict = DocumentRules(certificate_max_days=30)
    recent = {"psych_date": "2026-11-27"}
    assert run(good("car", health_date="2026-10-29", **recent), CAR, strict).codes == ()  # 30 days
    assert run(good("car", health_date="2026-10-28", **recent), CAR, strict).codes == ("health_too_old",)
