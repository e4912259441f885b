"""The plate recogniser (plates.plate_net: PP-OCRv6 fine-tuned on plates): the shipped file loads and reads
synthetic plates of both colour schemes, motorcycles' and cars'; a missing or damaged file is a ValueError naming
it; the reader falls back to the earlier ensemble without it. The training side (plates_training.ppocr_base: the
pretrained model cut to the plate alphabet, into torch and back to ONNX) is checked where torch and onnx2torch are
installed (the `train` extra), and its data keeps the split's tune and validation parts out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devices import render
from plates import ctc, grammar, plate_net, ppocr, safety, text_det
from plates.reader import PlateReader, ReaderSettings
from plates.reading import NoPlate, PlateReading
from plates_training import ppocr_data, split

PLATES = ["B 1234 XYZ", "AB 12 C", "H 9 PG", "DK 4821 FA", "AA 1538 BA", "G 7 K", "KT 305 WW", "L 2468"]


def test_the_shipped_model_loads_with_the_plate_alphabet() -> None:
    rec = plate_net.model()
    assert rec is not None, plate_net.missing
    probs = rec.posteriors([render.plate_image("B 1234 XYZ")])[0]
    assert probs.shape[1] == len(ctc.ALPHABET) + 1
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-3)


@pytest.mark.parametrize("black", [False, True])
def test_it_reads_synthetic_plates_of_both_colour_schemes(black: bool) -> None:
    reader = PlateReader(ReaderSettings(expiry=False))
    right = 0
    for text in PLATES:
        got = reader.read_crop(render.plate_image(text, black, "08.29"))
        right += isinstance(got, PlateReading) and got.text == text
    assert right >= len(PLATES) - 1


def test_a_missing_or_damaged_model_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"nowhere\.onnx: no such file"):
        plate_net.load(tmp_path / "nowhere.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a graph" * 50)
    with pytest.raises(ValueError, match=r"bad\.onnx: not a plate recogniser"):
        plate_net.load(bad)
    with pytest.raises(ValueError, match=r"bad\.onnx"):
        PlateReader(model_path=bad)


def test_without_the_plate_model_the_reader_reads_with_the_line_ensemble() -> None:
    reader = PlateReader(ReaderSettings(expiry=False, recogniser="line"))
    got = reader.read_crop(render.plate_image("DK 4821 FA"))
    assert isinstance(got, PlateReading) and got.text == "DK 4821 FA"


def test_a_reading_within_another() -> None:
    assert plate_net.within("AB1105", "AB1105DH") and plate_net.within("A1534BG", "AA1534BG")
    assert not plate_net.within("AB1105DH", "AB1105DH") and not plate_net.within("AB1621KG", "AB6121KG")


def test_the_text_detector_joins_a_plates_groups() -> None:
    """PP-OCRv6's detector marks "AA", "2885" and "VG" of a plate apart: one line joins them; a line above does
    not join, nor one too far."""
    parts = [((10, 50, 20, 10), 0.9), ((40, 50, 40, 10), 0.8), ((90, 51, 20, 9), 0.7), ((10, 20, 100, 10), 0.9)]
    parts.append(((300, 50, 20, 10), 0.9))
    boxes = [box for box, _ in text_det.joined(parts)]
    assert (10, 50, 100, 10) in boxes  # the three groups as one line
    assert all(b[1] != 20 or b[3] == 10 for b in boxes) and not any(b[0] < 300 < b[0] + b[2] for b in boxes[5:])


def test_the_text_detector_finds_a_synthetic_plate() -> None:
    detector = text_det.model()
    assert detector is not None, text_det.missing
    frame = render.plate_frame("B 1234 XYZ", seed=1)
    boxes = detector.boxes(frame, 3)
    assert boxes and all(0.0 <= score <= 1.0 for _, score in boxes)
    reader = PlateReader(ReaderSettings(expiry=False))
    x, y, w, h = boxes[0][0]
    got = reader.read_crop(frame[y : y + h, x : x + w])
    assert isinstance(got, PlateReading) and got.text == "B 1234 XYZ"


def test_negatives_are_never_plates() -> None:
    images = ppocr_data.negatives(5, 12)
    assert len(images) == 12 and all(im.ndim == 3 and im.shape[0] >= 8 for im in images)
    assert all(not grammar.is_valid(w) for w in ppocr_data.WORDS)


@pytest.mark.skipif(not split.DATA.is_dir(), reason=f"no real plate data: {split.DATA} is absent")
def test_training_reads_the_train_part_only() -> None:
    sides = split.read_split()
    train = ppocr_data.part("train")
    tune_texts = set(ppocr_data.tune_part()[1])
    val = {r for r, side in sides.items() if side == "val"}
    assert train and tune_texts
    assert not {it.text for it in train} & tune_texts  # a plate is on one side only
    assert val  # and the validation part is read by no function of ppocr_data


def test_the_training_round_trip_keeps_the_network(tmp_path: Path) -> None:
    """Cut to the plate alphabet, into torch, back to ONNX: onnxruntime reads the written file as torch computes."""
    pytest.importorskip("onnx2torch", reason="the `train` extra (torch, onnx2torch) is not installed")
    import torch

    from plates_training import ppocr_base

    if ppocr.model_path() is None:
        pytest.skip("the pretrained PP-OCRv6 model is not installed")
    graph = ppocr_base.plate_graph(ppocr_base.source())
    net = ppocr_base.to_torch(graph)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.01 * torch.randn_like(p))
    out = tmp_path / "rt.onnx"
    ppocr_base.export(net, graph, out)
    x = np.random.default_rng(0).normal(size=(1, 3, 48, 160)).astype(np.float32)
    session = ppocr.session(out)
    ours = session.run(None, {session.get_inputs()[0].name: x})[0]
    with torch.no_grad():
        theirs = torch.softmax(net(torch.from_numpy(x)), -1).numpy()
    assert ours.shape == (1, 20, len(ctc.ALPHABET) + 1)
    assert np.abs(ours - theirs).max() < 1e-4


class _General:
    """PP-OCRv6 as shipped, as the general check sees it, reading what it is told to."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self, view: np.ndarray) -> tuple[str, np.ndarray]:
        probs = np.full((20, len(ctc.ALPHABET) + 1), 1e-4, np.float32)
        probs[:, 0] = 1.0  # all blank but the text's characters, one column each
        for i, c in enumerate(c for c in self.text if c in ctc.ALPHABET):
            probs[2 * i + 1, 0], probs[2 * i + 1, ctc.ALPHABET.index(c) + 1] = 1e-4, 1.0
        out: np.ndarray = probs / probs.sum(axis=1, keepdims=True)
        return self.text, out


@pytest.mark.parametrize(
    ("general", "expect"),
    [
        ("B1234XYZ", "kept"),
        ("B1234XY", "lower"),
        ("36VZ", "doubtful"),
        ("01.28", "no plate"),
        ("0128", "no plate"),
        ("1234", "doubtful"),  # the reading's own number, its letters missed: asked, not refused
        ("123", "no plate"),  # digits that are not its number
    ],
)
def test_the_general_check_backs_or_doubts_a_reading(
    monkeypatch: pytest.MonkeyPatch, general: str, expect: str
) -> None:
    reader = PlateReader(ReaderSettings(expiry=False, calibrated=False))
    crop = render.plate_image("B 1234 XYZ")
    alone = PlateReader(ReaderSettings(expiry=False, calibrated=False, general_check=False)).read_crop(crop)
    assert isinstance(alone, PlateReading) and alone.text == "B 1234 XYZ"
    monkeypatch.setattr(ppocr, "model", lambda: _General(general))
    got = reader.read_crop(crop)
    if expect == "no plate":
        assert isinstance(got, NoPlate) and "expiry line" in got.reason
        return
    assert isinstance(got, PlateReading) and got.text == "B 1234 XYZ"
    if expect == "kept":
        assert 0.9 * alone.confidence <= got.confidence <= alone.confidence
    elif expect == "lower":
        assert got.confidence < 0.1 * alone.confidence
    else:
        assert got.confidence <= safety.DOUBTFUL
