"""PaddleOCR's PP-OCRv6 (small) text-line recogniser as PaddleOCR ships it, and the runner of every recogniser of its
kind (`PaddleRec`: the plate recogniser, `plates.plate_net`, is one fine-tuned on plates).

As shipped it checks the plate recogniser's reading (`plates.general_check`: trained on text of every kind, it reads
an expiry line as one), reads the expiry line (`expiry_view`), and is the earlier ensemble's second recogniser
(`weigh`, `plates.ensemble`). The model (`PP-OCRv6_rec_small.onnx`, Apache-2.0, trained by PaddleOCR on millions of
real and synthetic text lines) comes in RapidOCR's `rapidocr` package and is run by onnxruntime; of that package
only its text detector's model is used besides (`plates.text_det`), not its code or its dependencies.
A view of the plate (the whole crop, and the band around each main line, in colour, 48 pixels high) gives, per
column, a probability for each of the model's 18,708 characters; the plate alphabet's are kept and every other
character's probability counts as the CTC blank, so `plates.ctc` decodes them under the plate grammar like the
reader's own network's.

`weigh` settles what the plate says. When the reader's reading and this recogniser's (its likeliest grammatical
plate over its views) have the same groups, character by character (`plates.fuse`). Otherwise each candidate text
(the reader's reading, which already has its network's likeliest plates behind it, and the likeliest grammatical
plate in each of this recogniser's views) scores the product of the two networks' probabilities of it, each in the
view where it is likeliest. The reading's confidence is the geometric mean of the two probabilities; the reader's
own confidence stands for its network's when higher (it has the cut characters behind it). The networks were trained
apart, on different data, and err differently: one's slip is seldom the other's. Loading the model is the only
file access here. Thread-safe (onnxruntime sessions are).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from plates import ctc, decode, line_net
from plates import fuse as fusing
from plates.grammar import Plate
from plates.line import Band
from plates.once import once
from plates.reading import Image, u8

HEIGHT = 48  # the model's input height; widths follow the view's shape
MAX_WIDTH = 320  # ... up to this (the width PP-OCR's own pipeline reads a line at)
EXPIRY_BELOW, EXPIRY_REACH, EXPIRY_MARGIN = 1.05, 0.45, 0.3  # the expiry view, in main character heights
PACKAGE, MODEL_FILE = "rapidocr", "models/PP-OCRv6_rec_small.onnx"
Floats = line_net.Floats


def model_path() -> Path | None:
    """Where the installed package keeps the model (the package is found, not imported), or None."""
    spec = importlib.util.find_spec(PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / MODEL_FILE
        if path.is_file():
            return path
    return None


def shaped(view: Image) -> Image:
    """A view as the model reads it: colour, HEIGHT high, its width in proportion (at most MAX_WIDTH)."""
    colour = view if view.ndim == 3 else u8(cv2.cvtColor(view, cv2.COLOR_GRAY2BGR))
    h, w = colour.shape[:2]
    width = int(min(MAX_WIDTH, max(HEIGHT, math.ceil(HEIGHT * w / max(h, 1)))))
    return u8(cv2.resize(colour, (width, HEIGHT), interpolation=cv2.INTER_LINEAR))


def band_view(image: Image, band: Band, margin: float = line_net.MARGIN, reach: float = line_net.BAND) -> Image:
    """The band around a main line (by default the reader's usual reach and margin, in character heights),
    levelled, in colour, HEIGHT high."""
    _, _, bw, bh = line_net.band_box(band, margin, reach)
    size = (int(min(MAX_WIDTH, max(HEIGHT, HEIGHT * bw / bh))), HEIGHT)
    return line_net.warp_band(image, band, margin, reach, size)


def expiry_view(image: Image, band: Band) -> Image:
    """The expiry line's band under a main line: centred EXPIRY_BELOW character heights under the line's centre
    (TNKB plates: MM.YY in characters half the main ones' height, a quarter of a character below them), as wide
    as the main line, levelled with it."""
    hm = max(band.height, 2.0)
    turn = math.radians(band.angle)
    dx, dy = -EXPIRY_BELOW * hm * math.sin(turn), EXPIRY_BELOW * hm * math.cos(turn)  # "down" once levelled
    under = Band(band.cx + dx, band.cy + dy, band.angle, band.height, band.x0 + dx, band.x1 + dx)
    return band_view(image, under, EXPIRY_MARGIN, EXPIRY_REACH)


class PaddleRec:
    """The recogniser under onnxruntime: views in, posteriors over the CTC blank and `ctc.ALPHABET` out."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        characters = session.get_modelmeta().custom_metadata_map["character"].splitlines()
        keys = {c: i + 1 for i, c in enumerate(characters)}  # class 0 is the blank; a last class is the space
        missing = [c for c in ctc.ALPHABET if c not in keys]
        if missing:
            raise ValueError(f"the recogniser lacks characters {''.join(missing)}")
        self._columns = np.array([keys[c] for c in ctc.ALPHABET])
        self._characters = characters

    def read(self, view: Image) -> tuple[str, Floats]:
        """The view's likeliest text in the model's whole character set (no grammar, nothing left out: the dot of an
        expiry line "01.28" too: each column's likeliest class, repeats merged, blanks dropped), and its posteriors
        as `posteriors` gives them, from one run."""
        probs = self._run(view)
        out, last = [], 0
        for k in (int(v) for v in probs.argmax(axis=1)):
            if k != last and 0 < k <= len(self._characters):
                out.append(self._characters[k - 1])
            last = k
        return "".join(out), self._ours(probs)

    def _ours(self, probs: Floats) -> Floats:
        """A run's posteriors over the blank and ALPHABET: every other character counts as the blank."""
        ours = probs[:, self._columns]
        blank = np.clip(1.0 - ours.sum(axis=1, keepdims=True), 1e-6, 1.0)
        return np.concatenate([blank, ours], axis=1).astype(np.float32)

    def posteriors(self, views: list[Image]) -> list[Floats]:
        """Each view's posteriors (its columns x (1 + len(ALPHABET))): other characters count as the blank. Each
        view is read alone, at its own width (padding views to one batch's width reads worse)."""
        return [self._ours(self._run(view)) for view in views]

    def _run(self, view: Image) -> Floats:
        """One view through the model: its columns' probabilities over every class of the model."""
        x = (shaped(view).astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
        try:
            return np.asarray(self._session.run(None, {self._input: x})[0][0], np.float32)
        except Exception as err:  # onnxruntime's errors derive from Exception only
            raise RuntimeError(f"the recogniser failed: {err}") from err


def weigh(found: decode.Decoded, ours: Floats, theirs: list[Floats], *, fuse: bool = True) -> decode.Decoded:
    """The candidate text both networks back most (see the module's header): `found` is the reader's reading,
    `ours` its network's posteriors (views x columns x classes), `theirs` this recogniser's, one per view; `fuse`
    off weighs whole texts only."""
    texts = {found.plate.compact: found.plate}
    likeliest: ctc.CtcResult | None = None  # this recogniser's reading: its likeliest plate over the views
    for p in theirs:
        got = ctc.decode_ctc(p, confidences=False)
        if got is not None:
            texts.setdefault(got.plate.compact, got.plate)
            likeliest = got if likeliest is None or got.log_prob > likeliest.log_prob else likeliest
    joined = None if likeliest is None or not fuse else fusing.by_character(found.plate, ours, likeliest.plate, theirs)
    if joined is not None:
        texts.setdefault(joined.compact, joined)

    def backing(text: str) -> tuple[float, float, Floats | None]:
        """Each network's probability of `text` in its likeliest view, and the likeliest view of all."""
        mine = [(ctc.text_probability(p, text), p) for p in ours]
        other = [(ctc.text_probability(p, text), p) for p in theirs]
        top = max([*mine, *other], key=lambda pv: pv[0], default=None)
        own = max((q for q, _ in mine), default=0.0)
        if text == found.plate.compact:
            own = max(own, found.confidence)
        return own, max((q for q, _ in other), default=0.0), None if top is None else top[1]

    scored = {t: backing(t) for t in texts}
    best = joined.compact if joined is not None else max(scored, key=lambda t: _log(scored[t][0]) + _log(scored[t][1]))
    mine, other, view = scored[best]
    confidence = math.sqrt(mine * other)
    if best == found.plate.compact or view is None:
        return decode.Decoded(found.plate, confidence, found.char_confidences, found.score)
    plate: Plate = texts[best]
    return decode.Decoded(plate, confidence, ctc.char_confidences(view, best), _log(confidence))


def _log(p: float) -> float:
    return math.log(max(p, 1e-12))


#: Why the recogniser is not there ("" when it is, or before the first `model()`).
missing = ""


@once
def model() -> PaddleRec | None:
    """The recogniser, loaded once; None (and `missing` says why) when onnxruntime or the model's package is not
    installed or the model file cannot be loaded: the reader then reads alone."""
    global missing
    rec, missing = _load(model_path())
    return rec


def _load(path: Path | None) -> tuple[PaddleRec | None, str]:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return None, "onnxruntime is not installed"
    if path is None:
        return None, f"{PACKAGE} is not installed (pip install --no-deps {PACKAGE})"
    try:
        return PaddleRec(session(path)), ""
    except Exception as err:  # a damaged file: onnxruntime's errors derive from Exception only
        return None, f"cannot load {path}: {err}"


def session(path: Path) -> Any:
    """An onnxruntime session of the model at `path`, one thread between operators, quiet; raises when the file
    cannot be loaded (onnxruntime's own errors, or ImportError without onnxruntime)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
