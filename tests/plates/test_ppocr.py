"""The second recogniser (PP-OCRv6 under onnxruntime): its views, its posteriors over the plate alphabet, reading
synthetic plates, how its opinion and the reader's are weighed, and the reader with and without it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from devices import render
from plates import ctc, decode, grammar, line, ppocr
from plates.reader import PlateReader, ReaderSettings
from plates.reading import NoPlate, PlateReading
from tests.plates.test_line_net import posteriors


def reading(text: str, confidence: float) -> decode.Decoded:
    plate = grammar.parse(text)
    assert isinstance(plate, grammar.Plate)
    return decode.Decoded(plate, confidence, (confidence,) * len(plate.compact), math.log(confidence))


@pytest.fixture(scope="module")
def rec() -> ppocr.PaddleRec:
    got = ppocr.model()
    assert got is not None, f"{ppocr.PACKAGE} or onnxruntime is not installed: run `make setup`"
    return got


def test_views_are_colour_and_the_models_height_whatever_the_input() -> None:
    crop = render.plate_image("AD 8821 XY", True, "08.29")
    band = line.find_lines(crop, 1)[0].band
    assert band is not None
    views = [ppocr.shaped(crop), ppocr.shaped(crop[:, :, 0]), ppocr.shaped(crop[:5, :400]), ppocr.shaped(crop[:90, :3])]
    views += [ppocr.band_view(crop, band), ppocr.band_view(crop, line.Band(5.0, 5.0, 30.0, 0.5, 0.0, 1.0))]
    for v in views:
        assert v.ndim == 3 and v.shape[0] == ppocr.HEIGHT and ppocr.HEIGHT <= v.shape[1] <= ppocr.MAX_WIDTH
    assert views[0].shape[1] == math.ceil(ppocr.HEIGHT * crop.shape[1] / crop.shape[0])  # in proportion
    assert views[2].shape[1] == ppocr.MAX_WIDTH and views[3].shape[1] == ppocr.HEIGHT  # very wide; very narrow
    assert 3.0 < views[4].shape[1] / ppocr.HEIGHT < 6.0  # the band: the line and its margins, levelled


def test_posteriors_cover_the_blank_and_the_plate_alphabet(rec: ppocr.PaddleRec) -> None:
    views = [np.full((40, 100, 3), 128, np.uint8), render.plate_image("B 1 A", False, "")]
    probs = rec.posteriors(views)
    assert [p.shape[1] for p in probs] == [1 + len(ctc.ALPHABET)] * 2
    assert probs[0].shape[0] < probs[1].shape[0]  # wider view, more columns
    for p in probs:
        assert np.isfinite(p).all() and (p > 0).all() and np.allclose(p.sum(axis=1), 1.0, atol=1e-3)
    assert float(probs[0][:, ctc.BLANK].min()) > 0.5  # a blank view: nothing but the blank
    assert rec.posteriors([]) == []


@pytest.mark.parametrize(("text", "black"), [("B 9140 BCD", True), ("AD 8821 XY", False), ("H 77 Q", True)])
def test_it_reads_synthetic_plates(rec: ppocr.PaddleRec, text: str, black: bool) -> None:
    crop = render.plate_image(text, black, "08.29")
    band = line.find_lines(crop, 1)[0].band
    assert band is not None
    got = ctc.decode_ctc(rec.posteriors([ppocr.band_view(crop, band)])[0])
    assert got is not None and got.plate.text == text and got.probability > 0.3


def test_the_text_both_back_most_wins() -> None:
    mine = reading("B 1234 CO", 0.6)
    ours = posteriors("-B--1-2--3-4--C-O-", sure=0.6, others={15: {"D": 0.35}})[None]  # O, maybe D
    theirs = [posteriors("-B-1-2-3-4-C-D-", sure=0.9)]  # D, surely
    got = ppocr.weigh(mine, ours, theirs)
    assert got.plate.text == "B 1234 CD"
    both = ctc.text_probability(ours[0], "B1234CD") * ctc.text_probability(theirs[0], "B1234CD")
    assert got.confidence == pytest.approx(math.sqrt(both))
    assert len(got.char_confidences) == 7 and got.char_confidences[-1] > 0.8
    agreeing = ppocr.weigh(reading("B 1234 CD", 0.8), ours, theirs)  # both say it: the reading stays
    assert agreeing.plate.text == "B 1234 CD" and agreeing.char_confidences == (0.8,) * 7
    assert agreeing.confidence == pytest.approx(math.sqrt(0.8 * ctc.text_probability(theirs[0], "B1234CD")))


def test_a_second_opinion_that_sees_nothing_leaves_the_reading() -> None:
    mine = reading("B 1234 CO", 0.6)
    ours = posteriors("-B--1-2--3-4--C-O-", sure=0.6, others={15: {"D": 0.35}})[None]
    got = ppocr.weigh(mine, ours, [posteriors("----------")])
    assert got.plate == mine.plate and got.confidence < 0.01  # kept, but nobody else backs it
    assert ppocr.weigh(mine, np.zeros((0, 18, 37), np.float32), []).plate == mine.plate


def test_the_reader_asks_only_when_unsure(monkeypatch: pytest.MonkeyPatch, rec: ppocr.PaddleRec) -> None:
    asked: list[int] = []

    class Counting(ppocr.PaddleRec):
        def __init__(self) -> None:
            pass

        def posteriors(self, views: list[np.ndarray]) -> list[ppocr.Floats]:
            asked.append(len(views))
            return rec.posteriors(views)

    monkeypatch.setattr(ppocr, "model", Counting)
    crop = render.plate_image("G 1234 AB", False, "08.29")
    sure = PlateReader(ReaderSettings(recogniser="line", second_opinion=0.0, expiry=False)).read_crop(crop)
    assert isinstance(sure, PlateReading) and sure.text == "G 1234 AB" and asked == []
    always = PlateReader(ReaderSettings(recogniser="line", second_opinion=1.0, expiry=False)).read_crop(crop)
    assert isinstance(always, PlateReading) and always.text == "G 1234 AB" and asked == [2]  # the crop, the band
    with_expiry = PlateReader(ReaderSettings(recogniser="line", second_opinion=0.0)).read_crop(crop)
    assert isinstance(with_expiry, PlateReading) and asked == [2, 1]  # the band under the line


def test_the_reader_reads_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ppocr, "model", lambda: None)
    got = PlateReader(ReaderSettings(recogniser="line", second_opinion=1.0)).read_crop(
        render.plate_image("K 5521 QW", True, "01.30")
    )
    assert isinstance(got, PlateReading) and got.text == "K 5521 QW"
    large = render.plate_image("B 1995 JVK", False, "01.28", size=(632, 216))
    assert PlateReader().read_expiry(large) == "01.28"  # Tesseract reads the small line instead


def test_the_expiry_view_is_the_band_under_the_main_line(rec: ppocr.PaddleRec) -> None:
    crop = render.plate_image("AD 8821 XY", False, "08.29", size=(632, 216))
    band = line.find_lines(crop, 1)[0].band
    assert band is not None
    view = ppocr.expiry_view(crop, band)
    assert view.ndim == 3 and view.shape[0] == ppocr.HEIGHT
    assert ctc.digits(rec.posteriors([view])[0])[0] == "0829"
    assert ctc.digits(rec.posteriors([ppocr.band_view(crop, band)])[0])[0] == "8821"  # the main line's digits
    tilted = line.Band(band.cx, band.cy, 20.0, band.height, band.x0, band.x1)  # "under" follows the line's slope
    turned = ppocr.expiry_view(crop, tilted)
    assert turned.shape == view.shape and not np.array_equal(turned, view)


def test_the_expiry_is_read_when_sure_and_left_out_when_not(monkeypatch: pytest.MonkeyPatch) -> None:
    reader = PlateReader()
    large = render.plate_image("B 1995 JVK", True, "11.27", size=(632, 216))
    assert reader.read_expiry(large) == "11.27"
    assert reader.read_expiry(render.plate_image("B 1995 JVK", True, "", size=(632, 216))) == ""  # no line
    assert reader.read_expiry(np.zeros((0, 0), np.uint8)) == "" and reader.read_expiry("x") == ""  # type: ignore[arg-type]
    without = PlateReader(ReaderSettings(expiry=False)).read_crop(large)
    assert isinstance(without, PlateReading) and without.text == "B 1995 JVK" and without.expiry == ""
    monkeypatch.setattr("plates.expiry_line.EXPIRY_TRUST", 1.0)  # nothing is that sure
    assert reader.read_expiry(large) == ""
    assert isinstance(
        PlateReader(ReaderSettings(recogniser="line", second_opinion=1.0)).read_crop(np.zeros((9, 9), np.uint8)),
        NoPlate,
    )
    with pytest.raises(ValueError, match="bad reader settings"):
        ReaderSettings(recogniser="line", second_opinion=1.5)


def test_warming_up_loads_the_models_and_survives_a_broken_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from plates import line_net
    from plates.engine import EngineError

    class Broken:
        name = "broken"

        def read_line(self, image: np.ndarray, whitelist: str) -> list[Any]:
            raise EngineError("no tesseract here")

    loaded: list[str] = []

    def load() -> None:
        loaded.append("ppocr")

    monkeypatch.setattr(ppocr, "model", load)
    PlateReader(engine=Broken()).warm_up()
    net = line_net.model()
    assert net is not None and getattr(net._local, "net", None) is not None  # this thread's network is made
    assert loaded == ["ppocr"]
    PlateReader(
        ReaderSettings(recogniser="line", second_opinion=0.0, line_recogniser="off", expiry=False), engine=Broken()
    ).warm_up()
    assert loaded == ["ppocr"]  # not asked for: not loaded
    PlateReader(ReaderSettings(recogniser="line", second_opinion=0.0, line_recogniser="off"), engine=Broken()).warm_up()
    assert loaded == ["ppocr", "ppocr"]  # it reads the expiry line


def test_warming_up_starts_tesseract_only_where_it_will_read(
    monkeypatch: pytest.MonkeyPatch, rec: ppocr.PaddleRec
) -> None:
    class Counting:
        name = "counting"
        calls = 0

        def read_line(self, image: np.ndarray, whitelist: str) -> list[Any]:
            Counting.calls += 1
            return []

    def warmed(settings: ReaderSettings, second: ppocr.PaddleRec | None) -> bool:
        monkeypatch.setattr(ppocr, "model", lambda: second)
        before = Counting.calls
        PlateReader(settings, engine=Counting()).warm_up()
        return Counting.calls > before

    assert not warmed(ReaderSettings(), rec)  # glyph classifier and second recogniser: Tesseract reads nothing
    assert warmed(ReaderSettings(), None)  # ... the expiry line, without the second recogniser
    assert not warmed(ReaderSettings(expiry=False), None)
    assert warmed(ReaderSettings(recogniser="line", glyph_classifier=False, expiry=False), rec)  # the cut characters
    assert warmed(ReaderSettings(recogniser="line", tesseract_weight=0.5, expiry=False), rec)
    assert not warmed(
        ReaderSettings(recogniser="line", glyph_classifier=False, line_recogniser="only", expiry=False), rec
    )


def test_a_damaged_or_missing_model_leaves_the_reader_reading_alone(tmp_path: Any) -> None:
    damaged = tmp_path / "rec.onnx"
    damaged.write_bytes(b"\x08\x07not a model" * 50)
    got, why = ppocr._load(damaged)
    assert got is None and "cannot load" in why
    got, why = ppocr._load(None)
    assert got is None and ppocr.PACKAGE in why


def test_a_second_opinion_that_fails_leaves_the_reading(monkeypatch: pytest.MonkeyPatch, rec: ppocr.PaddleRec) -> None:
    class Failing:
        def get_inputs(self) -> Any:
            return rec._session.get_inputs()

        def get_modelmeta(self) -> Any:
            return rec._session.get_modelmeta()

        def run(self, *args: Any) -> Any:
            raise Exception("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION")  # what onnxruntime raises

    failing = ppocr.PaddleRec(Failing())
    with pytest.raises(RuntimeError, match="recogniser failed"):
        failing.posteriors([np.zeros((48, 100, 3), np.uint8)])
    monkeypatch.setattr(ppocr, "model", lambda: failing)
    got = PlateReader(ReaderSettings(recogniser="line", second_opinion=1.0)).read_crop(
        render.plate_image("K 5521 QW", True, "01.30")
    )
    assert isinstance(got, PlateReading) and got.text == "K 5521 QW"
