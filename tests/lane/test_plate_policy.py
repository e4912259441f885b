"""lane.plate_policy: an agreed reading is taken only when it is sure; the suggestion shown to the operator."""

from __future__ import annotations

from lane.plate_policy import Frames, accepted
from plates.reading import PlateReading
from plates.vote import Voter


def reading(text: str, confidence: float) -> PlateReading:
    return PlateReading(text, confidence, char_confidences=(confidence,) * len(text.replace(" ", "")))


def agree(frames: Frames, *readings: PlateReading, agreement: int = 2) -> PlateReading | None:
    voter, agreed = Voter(agreement), None
    for r in readings:
        frames.add(r)
        agreed = voter.add(r) or agreed
    return agreed


def test_one_frame_is_accepted_only_when_sure_and_grammatical() -> None:
    assert accepted(reading("G 1234 AB", 0.95), 0.9)
    assert not accepted(reading("G 1234 AB", 0.85), 0.9)
    assert not accepted(reading("G 0123 AB", 0.99), 0.9)  # a leading zero: no plate


def test_a_plate_pieced_together_from_frames_no_one_read_is_not_sure() -> None:
    """Each frame is sure, and each is wrong somewhere; the vote makes a plate no frame read."""
    frames = Frames()
    texts = ("G 1284 AB", "G 1284 AD", "G 1234 AC", "G 1294 AC")
    agreed = agree(frames, *(reading(t, 0.95) for t in texts))
    assert agreed is not None and agreed.text == "G 1284 AC" and agreed.confidence > 0.5
    assert frames.sureness(agreed) == 0.0
    assert frames.decide(agreed, 0.9) is None and frames.suggestion() == frames.unsure


def test_two_sure_frames_are_taken_at_the_lower_of_the_two_confidences() -> None:
    frames = Frames()
    agreed = agree(frames, reading("G 1234 AB", 0.97), reading("G 1234 AB", 0.93))
    assert agreed is not None
    taken = frames.decide(agreed, 0.9)
    assert taken is not None and taken.text == "G 1234 AB" and 0.9 <= taken.confidence <= 0.97


def test_unsure_frames_that_agree_are_shown_not_taken() -> None:
    frames = Frames()
    agreed = agree(frames, reading("A 29", 0.3), reading("A 29", 0.35))
    assert agreed is not None and frames.decide(agreed, 0.9) is None
    shown = frames.suggestion()
    assert shown is not None and shown.text == "A 29" and shown.confidence <= 0.35


def test_without_agreement_the_surest_frame_is_suggested() -> None:
    frames = Frames()
    assert agree(frames, reading("G 1234 AB", 0.6), reading("G 1284 AB", 0.7)) is None
    shown = frames.suggestion()
    assert shown is not None and shown.text == "G 1284 AB"
    assert Frames().suggestion() is None


def test_the_default_threshold_is_the_one_the_calibration_proposes() -> None:
    from lane.plate_policy import DEFAULT_ACCEPT
    from plates.confidence import PLATE_ACCEPT

    assert DEFAULT_ACCEPT == PLATE_ACCEPT
