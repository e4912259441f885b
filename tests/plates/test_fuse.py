"""Joining two recognisers' readings character by character (plates.fuse), on hand-made posteriors, and through
the second recogniser's weighing (plates.ppocr.weigh)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from plates import ctc, decode, fuse, grammar, ppocr
from plates.grammar import REGIONS
from tests.plates.test_line_net import posteriors


def plate(text: str) -> grammar.Plate:
    got = grammar.parse(text)
    assert isinstance(got, grammar.Plate)
    return got


def test_alignment_gives_each_character_its_columns() -> None:
    probs = posteriors("-L--2-66-9-3--G-A-")
    assert ctc.alignment(probs, "L2693GA") == [[1], [4], [6, 7], [9], [11], [14], [16]]
    assert ctc.alignment(probs, "") == []
    there = ctc.char_posteriors(probs, "L2693GA")
    assert there.shape == (7, len(ctc.ALPHABET))
    assert (there.max(axis=1) > 0.95).all()  # each place: its own character, sure
    assert ctc.ALPHABET[int(there[5].argmax())] == "G"
    assert ctc.char_confidences(probs, "L2693GA") == tuple(there.max(axis=1))


def test_each_character_goes_to_the_one_both_back_most() -> None:
    # Ours: sure of the G, unsure of the 3 (an 8 nearly as likely). Theirs: sure of the 3, takes the G for a C.
    ours = posteriors("-L--2-6-9-3--G-A-", others={10: {"8": 0.9}})[None]
    theirs = [posteriors("-L-2-6-9-3-C-A-", sure=0.9, others={11: {"G": 0.05}})]
    got = fuse.by_character(plate("L 2693 GA"), ours, plate("L 2693 CA"), theirs)
    assert got == plate("L 2693 GA")
    assert fuse.by_character(plate("L 2698 GA"), ours, plate("L 2693 CA"), theirs) == plate("L 2693 GA")


def test_nothing_is_joined_where_the_readings_agree_differ_in_shape_or_break_the_grammar() -> None:
    ours = posteriors("-L--2-6-9-3--G-A-")[None]
    theirs = [posteriors("-L-2-6-9-3-C-A-")]
    assert fuse.by_character(plate("L 2693 GA"), ours, plate("L 2693 GA"), theirs) is None  # they agree
    assert fuse.by_character(plate("L 2693 GA"), ours, plate("L 269 GA"), theirs) is None  # groups differ
    assert fuse.by_character(plate("L 2693 GA"), ours, plate("L 2693 CA"), []) is None  # no view
    # Only digits in the number, only letters elsewhere: the other's O in the number is its 0's place.
    zero = [posteriors("-L-2-O-9-3-G-A-")]
    assert fuse.by_character(plate("L 2693 GA"), ours, plate("L 2093 GA"), zero) == plate("L 2693 GA")
    # A region the table does not have: "Q" (ours and theirs both say it first) is not a prefix.
    region = posteriors("-Q--2-6-9-3--G-A-")[None]
    assert fuse.by_character(plate("L 2693 GA"), region, plate("B 2693 GA"), [posteriors("-Q-2-6-9-3-G-A-")]) is None


def test_the_weighing_keeps_the_character_the_reader_is_sure_of() -> None:
    mine = decode.Decoded(plate("L 2693 GA"), 0.4, (0.4,) * 7, math.log(0.4))
    # Ours, in two views: the band sure of the G and unsure of the 3; the whole crop sure of the 3, the G a C more
    # likely than not there. Theirs: sure of the 3, takes the G for a C.
    band = posteriors("-L--2-6-9-3--G-A-", others={10: {"8": 0.9}})
    crop = posteriors("-L--2-6-9-3--G-A-", others={13: {"C": 1.5}})
    ours = np.stack([band, crop])
    theirs = [posteriors("-L-2-6-9-3-C-A-", sure=0.9, others={11: {"G": 0.05}})]

    def whole(text: str) -> float:  # how whole texts were weighed alone: each network's likeliest view
        own = max(ctc.text_probability(band, text), ctc.text_probability(crop, text))
        return own * ctc.text_probability(theirs[0], text)

    assert whole("L2693CA") > 10 * max(whole("L2693GA"), mine.confidence * ctc.text_probability(theirs[0], "L2693GA"))
    got = ppocr.weigh(mine, ours, theirs)
    assert got.plate == plate("L 2693 GA")
    own = max(ctc.text_probability(band, "L2693GA"), mine.confidence)  # the reader's, when higher
    assert math.isclose(got.confidence, math.sqrt(own * ctc.text_probability(theirs[0], "L2693GA")))


@st.composite
def plates_alike(draw: st.DrawFn) -> tuple[grammar.Plate, grammar.Plate]:
    """Two plates with the same groups: region letters, digits and suffix letters each as many."""
    size = draw(st.sampled_from([1, 2]))
    regions = sorted(r for r in REGIONS if len(r) == size)
    digits, suffix = draw(st.integers(1, 4)), draw(st.integers(0, 3))

    def one() -> grammar.Plate:
        number = draw(st.sampled_from("123456789")) + draw(
            st.text("0123456789", min_size=digits - 1, max_size=digits - 1)
        )
        letters = draw(st.text(ctc.LETTERS, min_size=suffix, max_size=suffix))
        return plate(f"{draw(st.sampled_from(regions))} {number} {letters}")

    return one(), one()


@settings(max_examples=60, deadline=None)
@given(plates_alike(), st.integers(0, 2**32 - 1), st.integers(4, 40), st.integers(4, 40))
def test_a_joined_plate_is_grammatical_with_the_same_groups(
    pair: tuple[grammar.Plate, grammar.Plate], seed: int, mine_columns: int, their_columns: int
) -> None:
    rng = np.random.default_rng(seed)  # any posteriors at all: one network's two views, the other's one
    ours = rng.dirichlet(np.full(1 + len(ctc.ALPHABET), 0.3), size=(2, mine_columns))
    theirs = [rng.dirichlet(np.full(1 + len(ctc.ALPHABET), 0.3), size=their_columns)]
    a, b = pair
    got = fuse.by_character(a, ours, b, theirs)
    if a == b:
        assert got is None
    elif got is not None:
        assert grammar.is_valid(got.text)
        assert (len(got.region), len(got.number), len(got.suffix)) == (len(a.region), len(a.number), len(a.suffix))
