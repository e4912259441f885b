"""The voter: a plate is reported only when enough frames agree character by character; the best frame is kept."""

from __future__ import annotations

import numpy as np
import pytest

from plates.reading import PlateReading
from plates.vote import Voter


def reading(text: str, confidence: float = 0.8, expiry: str = "", tag: int = 0) -> PlateReading:
    crop = np.full((10, 30, 3), tag, np.uint8)
    n = len(text.replace(" ", ""))
    return PlateReading(text, confidence, "", (tag, 0, 30, 10), expiry, (confidence,) * n, crop)


def test_one_frame_is_not_enough_for_two() -> None:
    voter = Voter(agreement=2)
    assert voter.add(reading("G 1234 AB")) is None
    agreed = voter.add(reading("G 1234 AB"))
    assert agreed is not None and agreed.text == "G 1234 AB" and agreed.frames == 2
    assert agreed.region.startswith("Pekalongan")


def test_agreement_of_one_reports_the_first_reading() -> None:
    agreed = Voter(agreement=1).add(reading("B 28"))
    assert agreed is not None and agreed.text == "B 28"


def test_characters_vote_one_by_one() -> None:
    voter = Voter(agreement=2)
    assert voter.add(reading("G 1234 AB")) is None
    assert voter.add(reading("G 1284 AB")) is None  # 3 and 8 disagree: one vote each
    agreed = voter.add(reading("G 1284 AB"))
    assert agreed is not None and agreed.text == "G 1284 AB" and agreed.frames == 3


def test_no_two_frames_agree_on_every_character() -> None:
    voter = Voter(agreement=2)
    for text in ("G 1234 AB", "G 5678 AB", "H 1111 CD"):
        assert voter.add(reading(text)) is None
    assert voter.seen == {"G 1234 AB": 1, "G 5678 AB": 1, "H 1111 CD": 1}


def test_the_best_frame_crop_and_the_expiry_are_kept() -> None:
    voter = Voter(agreement=3)
    voter.add(reading("AD 8865 EE", 0.6, "", tag=1))
    voter.add(reading("AD 8865 EE", 0.95, "08.27", tag=2))
    agreed = voter.add(reading("AD 8B65 EE", 0.99, "08.27", tag=3))  # a misread, more confident
    assert agreed is None  # position 4: two votes for 8, one for B; three needed
    agreed = voter.add(reading("AD 8865 EE", 0.7, "", tag=4))
    assert agreed is not None and agreed.text == "AD 8865 EE"
    assert agreed.crop is not None and int(agreed.crop[0, 0, 0]) == 2, "the most confident exact frame"
    assert agreed.box == (2, 0, 30, 10)
    assert agreed.expiry == "08.27"
    assert 0.0 < agreed.confidence <= 1.0


def test_readings_of_another_length_vote_apart() -> None:
    voter = Voter(agreement=2)
    assert voter.add(reading("B 1234 XY")) is None
    assert voter.add(reading("B 1234 X")) is None
    agreed = voter.add(reading("B 1234 XY"))
    assert agreed is not None and agreed.text == "B 1234 XY"


def test_reset_forgets_the_last_vehicle() -> None:
    voter = Voter(agreement=2)
    voter.add(reading("G 1234 AB"))
    voter.reset()
    assert voter.add(reading("G 1234 AB")) is None
    assert voter.consensus() == "G1234AB"


@pytest.mark.parametrize("agreement", [0, -1])
def test_agreement_is_at_least_one(agreement: int) -> None:
    with pytest.raises(ValueError):
        Voter(agreement=agreement)
