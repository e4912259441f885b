"""flows.signs: a prompt laid out for a sign of a given size, screen by screen, cut at words; and the problems of
a template on a sign (too long for a screen, a character the sign cannot show)."""

from __future__ import annotations

from flows.prompts import PROMPTS
from flows.signs import SIGN_ASCII, SignSize, fill_samples, problems, screens, wrap

SIGN = SignSize()  # 2 x 32: one line a language


def test_the_default_sign_carries_what_the_protocol_carries() -> None:
    assert (SIGN.chars, SIGN.lines, SIGN.lines_each) == (32, 2, 1)
    assert "<" not in SIGN_ASCII and ">" not in SIGN_ASCII and "±" not in SIGN_ASCII
    assert all(" " <= ch <= "~" for ch in SIGN_ASCII) and len(SIGN_ASCII) == 95 - 2


def test_lines_are_cut_at_words_and_only_an_overlong_word_is_cut() -> None:
    assert wrap("Hand over e-KTP and old SIM, health & psych certificates", 32) == [
        "Hand over e-KTP and old SIM,",
        "health & psych certificates",
    ]
    assert wrap("x" * 40, 32) == ["x" * 32, "x" * 8]
    assert wrap("", 32) == []


def test_paragraphs_go_side_by_side_and_the_shorter_language_waits() -> None:
    shown = screens("Satu\nDua tiga empat lima enam tujuh delapan", "One\nTwo", SIGN)
    assert shown == [("Satu", "One"), ("Dua tiga empat lima enam tujuh", "Two"), ("delapan", "")]
    assert screens("", "", SIGN) == [("", "")]


def test_problems_name_the_character_and_the_paragraph_too_long() -> None:
    text = "SIM sedang dicetak, tunggu ±{remaining} detik"
    found = problems(text, SIGN)
    assert any("'±'" in p for p in found) and any("37 characters" in p for p in found), found
    assert problems("Bayar PNBP Rp{fee}", SIGN) == []
    assert problems("Bayar Rp{fee} di loket ini ya", SIGN, {"fee": "80.000"}) == []
    assert problems("Bayar Rp{fee} di loket ini ya", SIGN, {"fee": "1.000.000"}) != []
    assert problems("Maaf:\n{reason}", SIGN) == [], "reasons have screens of their own"
    assert problems("Welcome", SignSize(characters="ABCDEFGHIJKLMNOPQRSTUVWXYZ ")) != []


def test_every_built_in_prompt_fits_the_default_sign() -> None:
    assert len(PROMPTS) >= 32
    for code, pair in PROMPTS.items():
        for text in pair:
            assert problems(text, SIGN) == [], (code, text)
        indonesian, english = (fill_samples(t, {"fee": "80.000", "remaining": "90"}) for t in pair)
        assert all(len(line) <= 32 for screen in screens(indonesian, english, SIGN) for line in screen), code
