"""Prompt templates from the site's prompts.toml: `check` says what is wrong with one, and `fill` never fails
nor makes a text longer than its template and its values, whatever the template (the lane must not fault on a
prompt, nor write a 100 MB one to the store)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.prompts import PLACEHOLDERS, PROMPTS, allowed, check, fill, prompt

VALUES = {"fee": "80.000", "remaining": "25", "reason": "SIM kedaluwarsa"}


def test_only_the_refusal_is_given_the_reason() -> None:
    for key in ("rejected", "rejected@C", "rejected.rejected@A"):
        assert allowed(key) == PLACEHOLDERS
    for key in ("idle", "payment", "overrun.rejected", "photo_too_dark", "printing@A"):
        assert allowed(key) == {"fee", "remaining"}


def test_every_built_in_prompt_passes_its_own_check() -> None:
    for key, texts in PROMPTS.items():
        assert [check(key, t) for t in texts] == ["", ""], key


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Bayar {fee:d}", "format spec"),
        ("Bayar {fee:>99999999}", "format spec"),
        ("Bayar {fee!r}", "format spec"),
        ("Bayar {fee", "unbalanced braces"),
        ("Bayar fee}", "unbalanced braces"),
        ("Bayar {}", "unknown placeholder {}"),
        ("Bayar {fee[0]}", "unknown placeholder {fee[0]}"),
        ("Bayar {reason}", "is not given to this prompt"),
    ],
)
def test_a_bad_template_is_named(text: str, phrase: str) -> None:
    assert phrase in check("payment", text)


def test_a_format_spec_that_slipped_through_neither_faults_nor_grows() -> None:
    table = {"payment": ("Bayar {fee:d}", "Pay {fee:>99999999}")}
    assert prompt("payment", "payment", "A", table, fee="80.000") == ("Bayar {fee:d}", "Pay {fee:>99999999}")
    assert prompt("payment", table={"payment": ("Bayar {fee", "Pay {fee}")}, fee="1") == ("Bayar {fee", "Pay 1")


def test_braces_written_twice_are_one_brace() -> None:
    assert check("payment", "{{Rp}} {fee}") == ""
    assert fill("{{Rp}} {fee}", VALUES) == "{Rp} 80.000"


@given(st.text(alphabet=st.sampled_from("{}:!>.0dfeeremaining reason x"), max_size=60) | st.text(max_size=60))
def test_fill_never_raises_nor_grows(text: str) -> None:
    out = fill(text, VALUES)
    assert len(out) <= len(text) + text.count("{") * max(len(v) for v in VALUES.values())
    if not check("rejected", text):
        assert out == text.format(**VALUES)  # a checked template: as str.format fills it
