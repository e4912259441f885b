"""The plate recogniser: PaddleOCR's PP-OCRv6 (small) text-line recogniser fine-tuned on Indonesian plates
(`plate_rec.onnx`, made by `python -m plates_training.ppocr_tune`; data card in docs/plates.md), run by onnxruntime.

It reads a plate crop whole, in colour (`ppocr.shaped`: 48 pixels high), without finding its line or cutting
characters: its last layer gives each column a probability for the CTC blank and each character of
`ctc.ALPHABET`, and `ctc.decode_ctc` keeps the likeliest plate the grammar allows, with its probability (summed
over alignments). `read` reads the crop and, when `plates.line` found the main line, the band around it
(`ppocr.band_view`), and keeps the likeliest of those readings; the posteriors of every view go with it (the
safety checks read them without the grammar). `load` loads a site's own fine-tuned file in its place. Loading the
model file is the only file access here. Thread-safe (onnxruntime sessions are).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from plates import ctc, decode, ppocr
from plates.line import Band
from plates.once import once
from plates.reading import Image

MODEL_PATH = Path(__file__).with_name("plate_rec.onnx")
WHOLE = 0.2  # a reading at least this probable that holds another's characters and more is the whole plate
Floats = ppocr.Floats
_GREY = np.full((24, 72, 3), 128, np.uint8)  # a view to check a loaded model runs


def load(path: Path) -> ppocr.PaddleRec:
    """The recogniser in `path`; ValueError naming the file when it cannot be run (missing, damaged, not a
    recogniser of the plate alphabet, or onnxruntime not installed)."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    try:
        rec = ppocr.PaddleRec(ppocr.session(path))
        rec.posteriors([ppocr.shaped(_GREY)])
    except Exception as err:  # onnxruntime's errors derive from Exception only
        raise ValueError(f"{path}: not a plate recogniser onnxruntime can run ({err})") from err
    return rec


#: Why the shipped model is not there ("" when it is, or before the first `model()`).
missing = ""


@once
def model() -> ppocr.PaddleRec | None:
    """The shipped recogniser, loaded once; None (and `missing` says why) when it cannot be loaded."""
    global missing
    try:
        return load(MODEL_PATH)
    except ValueError as err:
        missing = str(err)
        return None


def read(
    rec: ppocr.PaddleRec, crop: Image, bands: list[Band], *, with_bands: bool = True
) -> tuple[decode.Decoded | None, list[Floats]]:
    """The likeliest grammatical plate over the views of `crop` (itself, and the band around each main line when
    `with_bands`), and every view's posteriors."""
    views = [crop, *(ppocr.band_view(crop, b) for b in bands)] if with_bands else [crop]
    posteriors = rec.posteriors(views)
    best: tuple[ctc.CtcResult, Floats] | None = None
    for p in posteriors:
        got = ctc.decode_ctc(p, confidences=False)
        if got is not None and (best is None or got.log_prob > best[0].log_prob):
            best = (got, p)
    if best is None:
        return None, posteriors
    got, p = best
    chars = ctc.char_confidences(p, got.plate.compact)
    return decode.Decoded(got.plate, got.probability, chars, got.log_prob), posteriors


def within(short: str, long: str) -> bool:
    """`short` is `long` with characters left out (and not `long` itself)."""
    rest = iter(long)
    return len(short) < len(long) and all(c in rest for c in short)
