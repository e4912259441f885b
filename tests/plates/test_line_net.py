"""The line recogniser: CTC decoding under the plate grammar on hand-made posteriors, the views cut for the network,
the bundled ONNX network under OpenCV on synthetic plates (no outside data), and the reader using it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from devices import render
from plates import ctc, decode, ensemble, grammar, line, line_net
from plates.cut_vote import vote as _vote
from plates.reader import PlateReader, ReaderSettings
from plates.reading import NoPlate, PlateReading
from plates_training import line_data


def posteriors(path: str, sure: float = 0.96, others: dict[int, dict[str, float]] | None = None) -> np.ndarray:
    """One column per character of `path` ("-" the blank), that class at `sure`; `others` adds rivals by column."""
    probs = np.full((len(path), line_net.CLASSES), 1e-4)
    for t, c in enumerate(path):
        probs[t, ctc.BLANK if c == "-" else ctc.ALPHABET.index(c) + 1] = sure
        for rival, p in (others or {}).get(t, {}).items():
            probs[t, ctc.ALPHABET.index(rival) + 1] = p
    out: np.ndarray = probs / probs.sum(axis=1, keepdims=True)
    return out


def test_decodes_a_clear_path_with_repeats_and_blanks() -> None:
    got = ctc.decode_ctc(posteriors("-BB--1-1--22-A-AA-"))
    assert got is not None
    assert got.plate.text == "B 112 AA"
    assert 0.5 < got.probability <= 1.0
    assert len(got.char_confidences) == 6 and min(got.char_confidences) > 0.9


def test_the_grammar_chooses_among_close_calls() -> None:
    # the best path says "8 0123 I": no region, a leading zero, and an I where a letter suffix may be
    probs = posteriors("-8--0-1-2-3--I-", sure=0.6, others={1: {"B": 0.35}, 4: {"D": 0.3}, 13: {"1": 0.3}})
    assert ctc.greedy(probs) == "80123I"
    got = ctc.decode_ctc(probs)
    assert got is not None
    assert got.plate.text == "BD 123 I"  # 8 read as B, 0 as D: the region BD; the I stays a letter
    assert got.probability < 0.5


def test_nothing_grammatical_is_none() -> None:
    assert ctc.decode_ctc(posteriors("--0-0-0--")) is None  # digits only: no region
    assert ctc.decode_ctc(posteriors("-Q-X-")) is None  # no region starts with Q; no number
    assert ctc.decode_ctc(np.zeros((0, line_net.CLASSES))) is None
    assert ctc.decode_ctc(np.ones((5, 3)) / 3) is None


def test_a_texts_probability_adds_up_its_alignments() -> None:
    probs = posteriors("-BB--1-1--22-A-AA-", sure=0.8, others={5: {"7": 0.15}})
    got = ctc.decode_ctc(probs)
    assert got is not None
    whole = ctc.text_probability(probs, "B112AA")  # the beam search leaves out the least likely alignments
    assert got.probability <= whole == pytest.approx(got.probability, rel=1e-3)
    rival = ctc.text_probability(probs, "B172AA")  # the 7 the sixth column half-saw
    assert 0.0 < rival < got.probability
    assert whole + rival < 1.0
    assert ctc.text_probability(probs, "XY") < 1e-12
    assert ctc.text_probability(probs, "") == 0.0 and ctc.text_probability(np.zeros((0, 3)), "B1") == 0.0


def test_readings_split_apart_go_to_the_one_both_back_more() -> None:
    """The recogniser reads "H 160 QPG", the cut characters "H 1600 PG": the recogniser's own probability of each
    text, times the cut's belief in it, decides."""
    net = decode.Decoded(grammar.parse("H 160 QPG"), 0.5, (1.0,) * 7, math.log(0.5))
    cut = decode.Decoded(grammar.parse("H 1600 PG"), 0.86, (1.0,) * 7, -1.0)
    also_zero = posteriors("-H--1--6--0--0-P--G-", sure=0.6, others={13: {"Q": 0.39}})  # the second 0 maybe a Q
    assert _vote(net, cut, also_zero[None]) is cut
    never_zero = posteriors("-H--1--6--0--Q-P--G-")  # the recogniser never saw a fourth digit
    assert _vote(net, cut, never_zero[None]) is net
    unsure = decode.Decoded(cut.plate, 0.05, cut.char_confidences, cut.score)  # nor was the cut sure of it
    assert _vote(net, unsure, also_zero[None]) is net


def test_grammar_states() -> None:
    state = ctc.advance(("", 0, 0), "A")
    assert state == ("A", 0, 0) and not ctc.complete(state)
    assert ctc.advance(state, "0") is None  # no leading zero
    assert ctc.advance(("Q", 0, 0), "1") is None and ctc.advance(("", 0, 0), "Q") is None
    assert ctc.advance(("B", 4, 0), "5") is None and ctc.advance(("B", 4, 3), "X") is None
    assert ctc.advance(("B", 2, 1), "7") is None  # digits never follow the suffix
    assert ctc.complete(("AB", 1, 0)) and ctc.complete(("B", 4, 3))


def test_views_have_the_network_shape_whatever_the_band() -> None:
    crop = render.plate_image("AD 8821 XY", True, "08.29")
    ln = line.find_lines(crop, 1)[0]
    assert ln.band is not None and 0.25 * crop.shape[0] < ln.band.height < 0.6 * crop.shape[0]
    views = [line_net.band_view(crop, ln.band), line_net.crop_view(crop), line_net.crop_view(crop[:20, :50])]
    views.append(line_net.band_view(crop, line.Band(5.0, 5.0, 30.0, 0.5, 0.0, 1.0)))  # degenerate: still a view
    views.append(line_net.band_view(np.zeros((3000, 3000, 3), np.uint8), line.Band(1500, 1500, 0, 900, 200, 2800)))
    several = line_net.band_views(crop, ln.band)  # the usual view, a tighter and a wider
    assert len(several) == len(line_net.VIEWS) and np.array_equal(several[0], views[0])
    assert all(not np.array_equal(a, b) for i, a in enumerate(several) for b in several[i + 1 :])
    views += several
    for v in views:
        assert v.shape == (line_net.HEIGHT, line_net.WIDTH) and v.dtype == np.uint8
    x = line_net.blob(views)
    assert x.shape == (len(views), 1, line_net.HEIGHT, line_net.WIDTH) and np.isfinite(x).all()


@pytest.fixture(scope="module")
def net() -> line_net.LineNet:
    got = line_net.model()
    assert got is not None, f"missing {line_net.MODEL_PATH}: retrain: docs/plates.md, The models"
    return got


def test_opencv_runs_the_bundled_network(net: line_net.LineNet) -> None:
    views = [np.full((line_net.HEIGHT, line_net.WIDTH), 200, np.uint8)] * 3
    raw = net._net()
    raw.setInput(line_net.blob(views))
    assert np.asarray(raw.forward()).shape == (3, line_net.CLASSES, 1, line_net.COLUMNS)
    probs = net.posteriors(views)
    assert probs.shape == (3, line_net.COLUMNS, line_net.CLASSES)
    assert np.allclose(probs.sum(axis=2), 1.0, atol=1e-4)
    assert net.posteriors([]).shape == (0, line_net.COLUMNS, line_net.CLASSES)


def test_the_bundled_network_reads_synthetic_plates(net: line_net.LineNet) -> None:
    views, texts = line_data.batch(seed=4242, count=120)
    got = net.read(list(views))
    right = sum(g is not None and g.plate.text.replace(" ", "") == t for g, t in zip(got, texts, strict=True))
    grammatical = [t for t in texts if grammar.is_valid(t)]
    assert right / len(grammatical) >= 0.8, f"{right} of {len(grammatical)} grammatical plates"


def test_the_other_bands_are_read_only_when_no_reading_is_sure(net: line_net.LineNet) -> None:
    crop = render.plate_image("G 1234 AB", False, "08.29")
    bands = [ln.band for ln in line.find_lines(crop, 1) if ln.band is not None]
    batches: list[int] = []

    class Counting(line_net.LineNet):
        def posteriors(self, views: list[np.ndarray]) -> line_net.Floats:
            batches.append(len(views))
            return net.posteriors(views)

    counting = Counting(net._model)
    sure = ensemble.recognise(counting, crop, bands, True, enough=0.7)
    assert sure is not None and sure[0].plate.text == "G 1234 AB" and batches == [2]  # the usual band, the crop
    batches.clear()
    unsure = ensemble.recognise(counting, crop, bands, True, enough=1.01)  # nothing is that sure
    assert unsure is not None and unsure[0].plate == sure[0].plate
    assert batches == [2, len(line_net.VIEWS) - 1] and len(unsure[1]) == 1 + len(line_net.VIEWS)


@pytest.mark.parametrize(("plate", "black"), [("G 1234 AB", False), ("AD 8821 XY", True), ("B 28", False)])
def test_the_reader_reads_with_the_recogniser_alone(plate: str, black: bool) -> None:
    got = PlateReader(ReaderSettings(recogniser="line", line_recogniser="only")).read_crop(
        render.plate_image(plate, black, "08.29")
    )
    assert isinstance(got, PlateReading), got
    assert got.text == plate and 0.0 < got.confidence <= 1.0
    assert len(got.char_confidences) == len(got.compact)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((0, 0, 3), np.uint8),
        np.zeros((200, 600, 3), np.uint8),
        np.full((40, 20), 128, np.uint8),
        np.random.default_rng(1).integers(0, 256, (120, 400, 3)).astype(np.uint8),
    ],
)
def test_bad_crops_give_a_reason(image: np.ndarray) -> None:
    got = PlateReader(ReaderSettings(recogniser="line", line_recogniser="only")).read_crop(image)
    assert isinstance(got, NoPlate | PlateReading)
    if isinstance(got, NoPlate):
        assert got.reason


def test_digits_are_read_alone_with_the_rest_as_blank() -> None:
    text, sure = ctc.digits(posteriors("-0-8--X-2-9-"))  # the X (a dot's smudge, a bolt) counts as nothing
    assert text == "0829" and 0.5 < sure <= 1.0
    text, sure = ctc.digits(posteriors("-1-1-"))
    assert text == "11" and ctc.text_probability(posteriors("-1-1-"), "11") <= sure <= 1.0  # the rest adds to blank
    assert ctc.digits(posteriors("--AB--")) == ("", 0.0)
    assert ctc.digits(np.zeros((0, line_net.CLASSES))) == ("", 0.0)
