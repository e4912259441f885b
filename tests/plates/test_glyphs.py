"""The glyph classifier on synthetic characters (rendered from fonts, cut out by plates.line): features, the bundled
model's accuracy, the slots it gives the decoder, and that the trainer learns."""

from __future__ import annotations

import numpy as np
import pytest

from devices import render
from plates import glyphs, line
from plates.reader import PlateReader, ReaderSettings
from plates.reading import PlateReading
from plates_training import glyph_data, glyph_train


def _labelled(seed: int, plates: int) -> tuple[list[np.ndarray], str]:
    rng = np.random.default_rng(seed)
    faces = glyph_data.fonts()
    cells, chars = [], ""
    for i in range(plates):
        for cell, c in glyph_data.labelled_glyphs(rng, faces[i % len(faces)]):
            cells.append(cell)
            chars += c
    return cells, chars


def test_features_have_a_fixed_length_even_for_a_blank_cell() -> None:
    blank = np.full((64, 20), 255, np.uint8)
    bar = blank.copy()
    bar[10:50, 8:13] = 0
    assert glyphs.features(blank).shape == glyphs.features(bar).shape
    norm = glyphs.normalise(bar)
    assert norm.shape == (glyphs.SIZE, glyphs.SIZE) and norm.max() > 200 and norm[:, 0].max() == 0


def test_the_bundled_model_reads_synthetic_characters() -> None:
    model = glyphs.model()
    assert model is not None, f"missing {glyphs.MODEL_PATH}: run python -m plates_training.glyph_train"
    cells, chars = _labelled(seed=777, plates=48)
    assert len(cells) >= 150
    got = "".join(glyphs.CLASSES[i] for i in model.classify(cells).argmax(axis=1))
    alike = str.maketrans("O1", "0I")
    right = sum(a.translate(alike) == b.translate(alike) for a, b in zip(got, chars, strict=True))
    assert right / len(chars) >= 0.95, f"{right}/{len(chars)}"


def test_glyph_slots_score_letters_and_digits_and_share_twins() -> None:
    probs = np.full((2, len(glyphs.CLASSES)), 0.001, np.float32)
    probs[0, glyphs.CLASSES.index("0")] = 0.95
    probs[1, glyphs.CLASSES.index("B")] = 0.6
    probs[1, glyphs.CLASSES.index("8")] = 0.35
    a, b = glyphs.glyph_slots([(10, 20), (40, 8)], probs)
    assert a.best(a.letters)[0] == "O" and a.best(a.digits)[0] == "0"
    assert b.best(b.letters)[0] == "B" and b.best(b.digits)[0] == "8"
    assert b.thin is False and a.x0 == 10 and a.x1 == 30


def test_tesseract_tips_a_close_call() -> None:
    probs = np.full((1, len(glyphs.CLASSES)), 0.001, np.float32)
    probs[0, glyphs.CLASSES.index("2")] = 0.45
    probs[0, glyphs.CLASSES.index("4")] = 0.4
    (slot,) = glyphs.glyph_slots([(10, 20)], probs)
    tess = glyphs.glyph_slots([(11, 20)], np.eye(len(glyphs.CLASSES), dtype=np.float32)[[glyphs.CLASSES.index("4")]])
    (mixed,) = glyphs.fold([slot], tess, 0.3)
    assert mixed.best(mixed.digits)[0] == "4"


def test_the_trainer_learns_a_few_fonts() -> None:
    x, y = glyph_data.samples(seed=5, plates=40)
    weights = glyph_train.train(x, y, hidden=64, epochs=15)
    model = glyphs.Classifier(weights)
    assert float((model.probabilities(x).argmax(axis=1) == y).mean()) >= 0.8


@pytest.mark.parametrize("weight", [0.0, 0.3])
def test_reader_reads_with_the_classifier(weight: float) -> None:
    reader = PlateReader(ReaderSettings(recogniser="line", tesseract_weight=weight, line_recogniser="off"))
    for plate, black in (("B 2407 UZO", False), ("AD 4959 SK", True)):
        got = reader.read_crop(render.plate_image(plate, black, "08.29"))
        assert isinstance(got, PlateReading), got
        assert got.text == plate


def test_reader_without_the_classifier_still_reads() -> None:
    reader = PlateReader(ReaderSettings(recogniser="line", glyph_classifier=False, line_recogniser="off"))
    got = reader.read_crop(render.plate_image("G 1234 AB", True))
    assert isinstance(got, PlateReading) and got.text == "G 1234 AB"
    assert line.CHAR_HEIGHT == 40  # the glyph features assume characters this tall in the line image


def test_a_glyph_box_holding_two_characters_is_split() -> None:
    model = glyphs.model()
    assert model is not None
    (ln,) = line.find_lines(render.plate_image("B 2407 UZO", True), 1)
    boxes = list(ln.glyphs)
    assert len(boxes) == 8
    (xa, _), (xb, wb) = boxes[5], boxes[6]
    merged = (*boxes[:5], (xa, xb + wb - xa), *boxes[7:])
    got = glyphs.split_wide(ln.image, merged, model)
    assert len(got) == 8
    cells = [ln.image[:, x : x + w] for x, w in got]
    assert "".join(glyphs.CLASSES[i] for i in model.classify(cells).argmax(axis=1))[5:7] == "UZ"
