"""Driver prompts: one for every state, the lane-class variants, values filled in, a fallback for unknown codes."""

from __future__ import annotations

import pytest

from flows.prompts import PROMPTS, prompt
from flows.states import Stage


@pytest.mark.parametrize("stage", list(Stage), ids=[s.value for s in Stage])
def test_every_state_has_a_prompt_in_both_languages(stage: Stage) -> None:
    assert stage.value in PROMPTS
    indonesian, english = prompt(stage.value, stage.value, reason="x", fee="80.000")
    assert indonesian and english and indonesian != english


def test_the_photo_prompt_differs_for_cars_and_motorcycles() -> None:
    car, motorcycle = prompt("photo", "photo", "A"), prompt("photo", "photo", "C")
    assert car != motorcycle
    assert "helm" in motorcycle[0].lower() and "turun" in car[0].lower()


def test_values_are_filled_and_overruns_are_specific() -> None:
    assert prompt("payment", "payment", fee="80.000")[0] == "Bayar PNBP Rp80.000"
    assert prompt("overrun", "documents") == PROMPTS["overrun.documents"]
    assert prompt("overrun", "plate") == PROMPTS["overrun"]
    assert prompt("rejected", reason="SIM kedaluwarsa")[0].endswith("SIM kedaluwarsa")


def test_unknown_code_or_missing_value_never_raises() -> None:
    assert prompt("no-such-code") == PROMPTS["fault"]
    assert prompt("payment")[0] == "Bayar PNBP Rp{fee}"
