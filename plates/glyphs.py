"""The glyph classifier: one character cut out by `plates.line` in, a probability for each letter and digit out.

A character's cell (dark on white) is cut to its ink, scaled to 32 pixels tall keeping its shape, and described by
HOG (gradient directions in 8-pixel cells), a 16x16 thumbnail, and its width and height. A small neural network
(one hidden layer, numpy only) trained on synthetic plates rendered from fonts (`plates_training.glyph_data`,
`plates_training.glyph_train`, which this package never imports) gives the probabilities. Its weights are the file
glyph_model.npz beside this module, made by `python -m plates_training.glyph_train`; it is loaded once, on first
use, and is the only file this module reads.

`glyph_slots` turns the probabilities into the decoder's slots: a letter position takes the letter scores, a digit
position the digit scores, and the plate font's twins (O and 0, I and 1, drawn alike) lend each other their
probability; `fold` can mix in what Tesseract read at the same place. Pure but for loading the model.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from plates import line
from plates.decode import FLOOR, Slot, overlapping
from plates.once import once
from plates.reading import Image, u8

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
JUNK = "~"  # a cell that holds no character: a piece of frame, a bolt, parts of two characters
CLASSES = LETTERS + DIGITS + JUNK
SIZE = 32  # the normalised glyph is SIZE x SIZE
MODEL_PATH = Path(__file__).with_name("glyph_model.npz")
_HOG = cv2.HOGDescriptor((SIZE, SIZE), (16, 16), (8, 8), (8, 8), 9)
Floats = np.ndarray[Any, np.dtype[np.float32]]


def normalise(cell: Image) -> Image:
    """The ink of a cell (dark on white) cut out and scaled to SIZE tall (at most SIZE wide), white ink on black."""
    ink = 255 - cell.astype(np.int16)
    strong = ink > 90
    rows, cols = np.flatnonzero(strong.any(axis=1)), np.flatnonzero(strong.any(axis=0))
    out = np.zeros((SIZE, SIZE), np.uint8)
    if rows.size == 0 or cols.size == 0:
        return out
    g = np.clip(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], 0, 255).astype(np.uint8)
    h, w = g.shape
    nw = max(1, min(SIZE, round(w * SIZE / h)))
    small = cv2.resize(g, (nw, SIZE), interpolation=cv2.INTER_AREA if h > SIZE else cv2.INTER_LINEAR)
    x0 = (SIZE - nw) // 2
    out[:, x0 : x0 + nw] = small
    return out


def features(cell: Image) -> Floats:
    """The feature vector of one character cell from a `line.Line` image."""
    norm = normalise(cell)
    ink = 255 - cell.astype(np.int16)
    strong = ink > 90
    rows, cols = np.flatnonzero(strong.any(axis=1)), np.flatnonzero(strong.any(axis=0))
    h = (rows[-1] - rows[0] + 1) if rows.size else 0
    w = (cols[-1] - cols[0] + 1) if cols.size else 0
    hog = np.asarray(_HOG.compute(norm), np.float32).ravel()
    thumb = cv2.resize(norm, (16, 16), interpolation=cv2.INTER_AREA).astype(np.float32).ravel() / 255.0
    shape = np.array([h / line.CHAR_HEIGHT, w / max(h, 1), w / line.CHAR_HEIGHT], np.float32)
    return np.concatenate([hog, thumb, shape]).astype(np.float32)


class Classifier:
    """The network: standardised features, a ReLU hidden layer, softmax over CLASSES."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.mean = weights["mean"].astype(np.float32)
        self.scale = weights["scale"].astype(np.float32)
        self.w1, self.b1 = weights["w1"].astype(np.float32), weights["b1"].astype(np.float32)
        self.w2, self.b2 = weights["w2"].astype(np.float32), weights["b2"].astype(np.float32)

    def probabilities(self, x: Floats) -> Floats:
        """One row of class probabilities for each row of features."""
        z = (np.atleast_2d(x) - self.mean) * self.scale
        hidden = np.maximum(z @ self.w1 + self.b1, 0.0)
        logits = hidden @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        out: Floats = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        return out

    def classify(self, cells: list[Image]) -> Floats:
        if not cells:
            return np.zeros((0, len(CLASSES)), np.float32)
        return self.probabilities(np.stack([features(c) for c in cells]))


@once
def model() -> Classifier | None:
    """The bundled classifier, loaded once; None when glyph_model.npz is missing (then Tesseract reads alone)."""
    if not MODEL_PATH.is_file():
        return None
    with np.load(MODEL_PATH) as data:
        return Classifier({k: data[k] for k in data.files})


def cells(ln: line.Line) -> list[Image]:
    """The character cells of a line, left to right."""
    return [u8(ln.image[:, x : x + w]) for x, w in ln.glyphs]


def split_wide(image: Image, boxes: tuple[tuple[int, int], ...], classifier: Classifier) -> list[tuple[int, int]]:
    """The glyph boxes with each one much wider than the line's typical glyph (characters that touch) cut in two or
    more where the ink is thinnest, when the classifier is surer of the pieces than of the whole."""
    if len(boxes) < 3:
        return list(boxes)
    typical = float(np.median([w for _, w in boxes]))
    ink = (255.0 - image.astype(np.float32)).sum(axis=0)
    out: list[tuple[int, int]] = []
    for x, w in boxes:
        pieces = round(w / typical)
        if w < 1.6 * typical or pieces < 2:
            out.append((x, w))
            continue
        cuts = [x]
        for i in range(1, pieces):
            lo, hi = round(x + (i - 0.35) * w / pieces), round(x + (i + 0.35) * w / pieces)
            cuts.append(lo + int(np.argmin(ink[lo:hi])) if hi > lo else (lo + hi) // 2)
        cuts.append(x + w)
        split = [(a, b - a) for a, b in itertools.pairwise(cuts) if b - a > 2]
        whole = classifier.classify([u8(image[:, x : x + w])])
        parts = classifier.classify([u8(image[:, a : a + b]) for a, b in split])
        junk = CLASSES.index(JUNK)
        if float(np.delete(parts, junk, axis=1).max(axis=1).mean()) > float(np.delete(whole, junk, axis=1).max()):
            out.extend(split)
        else:
            out.append((x, w))
    return out


#: Characters the plate font draws alike: each lends the other this share of its probability.
ALIKE = {"O": "0", "0": "O", "I": "1", "1": "I"}
ALIKE_SHARE = 0.9
SLIVER, SLIVER_SHARE = 0.2, 0.25  # a glyph narrower than this share of the height keeps this share of its scores
JUNK_CUT = 0.9  # a glyph at least this likely to be no character is left out before decoding


def glyph_slots(boxes: Sequence[tuple[int, int]], probs: np.ndarray, char_height: float = 40.0) -> list[Slot]:
    """One slot per glyph (x, width) with its row of class probabilities; glyphs that are surely no character are
    left out, and the likely ones are cheap for the decoder to drop at the ends."""
    out: list[Slot] = []
    junk = CLASSES.index(JUNK)
    for (x, w), row in zip(boxes, probs, strict=True):
        if row[junk] >= JUNK_CUT:
            continue
        p = {c: float(v) for c, v in zip(CLASSES, row, strict=True)}
        for a, b in ALIKE.items():
            p[a] = max(p[a], ALIKE_SHARE * float(row[CLASSES.index(b)]))
        chars = np.delete(row, junk)
        top = CLASSES[int(np.argmax(chars))]
        thin = row[junk] >= 0.5 or (w < 0.3 * char_height and top in "I1JL")
        slot = Slot(x, x + w, float(chars.max()), thin=bool(thin))
        sliver = SLIVER_SHARE if w < SLIVER * char_height else 1.0  # thinner than any stroke: a bit of frame
        slot.letters = {c: max(sliver * p[c], FLOOR) for c in LETTERS}
        slot.digits = {c: max(sliver * p[c], FLOOR) for c in DIGITS}
        out.append(slot)
    return out


def fold(glyph: list[Slot], tess: list[Slot], weight: float) -> list[Slot]:
    """The glyph slots with the scores of the Tesseract slot overlapping each mixed in at `weight`."""
    for slot in glyph:
        near = overlapping(tess, slot)
        for table, other in ((slot.letters, near.letters if near else {}), (slot.digits, near.digits if near else {})):
            for c in table:
                table[c] = (1 - weight) * table[c] + weight * other.get(c, FLOOR)
    return glyph
