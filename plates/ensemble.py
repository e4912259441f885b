"""The reader's earlier ensemble (`ReaderSettings.recogniser = "line"`): how it read one plate crop before the plate
recogniser (plates.plate_net), kept as the reader's fallback when that model's file is missing and as a variant
`benchmarks/plates.py` measures.

The line recogniser (`line_net`, a small CNN run by OpenCV) reads the band around each line found, and the whole
crop, without cutting characters (and, when neither reads surely, the band a little tighter and wider:
`line_net.VIEWS`); `ctc` decodes it under the grammar. The line's characters are also cut out (`line`), the glyph
classifier scores each (`glyphs`; `tesseract_weight` > 0 mixes in a Tesseract read of the line), and the grammar
decoder chooses each character by position (`decode`); without the classifier's model file, Tesseract reads the line
three times (any character; letters only; digits only) instead. The two vote (`line_recogniser`): the recogniser's
plate, with any character the cut read more surely, when both split the plate alike (when they split it
differently, the reading both back more: `cut_vote`); the cut reading alone when the recogniser's is less probable
than `trust`. A reading less sure than `second_opinion` (by default every reading) is weighed again with PP-OCRv6 as
PaddleOCR ships it (`ppocr`), when it is installed. Pure but for the models' loading.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np

from plates import ctc, cut_vote, decode, glyphs, line, line_net, ppocr
from plates.engine import DIGITS, LETTERS
from plates.reading import Image

if TYPE_CHECKING:
    from plates.reader import PlateReader


def read(
    reader: PlateReader, crop: Image, lines: list[line.Line], bands: list[line.Band], crop_given: bool
) -> tuple[decode.Decoded | None, list[line_net.Floats], list[line.Line]]:
    """The "line" recogniser's reading: our line network and the cut characters voting, weighed again with
    PP-OCRv6 as shipped; the second recogniser's posteriors; the lines the reading came from."""
    s = reader.settings
    net = reader.line_model() if s.line_recogniser != "off" else None
    found: decode.Decoded | None = None
    posteriors = np.zeros((0, line_net.COLUMNS, line_net.CLASSES), np.float32)
    if net is not None:
        recognised = recognise(net, crop, bands, crop_given, s.enough)
        if recognised is not None:  # the posteriors weigh the cut reading even when the network's is no reading
            posteriors = recognised[1]
            found = recognised[0] if recognised[0].confidence >= s.least else None
    voting = s.line_recogniser == "vote"
    if s.line_recogniser != "only" and (voting or found is None or found.confidence < s.trust):
        cut: tuple[decode.Decoded, line.Line] | None = None
        for ln in lines:
            got = _decode_line(reader, ln)
            if got is not None and (cut is None or got.score > cut[0].score):
                cut = (got, ln)
        if cut is not None and found is not None and voting and found.confidence >= s.trust:
            found = cut_vote.vote(found, cut[0], posteriors)
        elif cut is not None:
            found, lines = cut[0], [cut[1]]
    if found is None:
        return None, [], lines
    weigh = found.confidence < s.second_opinion or s.second_opinion >= 1.0
    second = ppocr.model() if weigh else None
    theirs: list[line_net.Floats] = []
    if second is not None:
        views = [ppocr.shaped(crop), *(ppocr.band_view(crop, b) for b in bands)]
        with contextlib.suppress(RuntimeError):  # a second opinion that fails leaves the reading as it is
            theirs = second.posteriors(views)
            found = ppocr.weigh(found, posteriors, theirs, fuse=s.fuse)
    return found, theirs, lines


def recognise(
    net: line_net.LineNet, crop: Image, bands: list[line.Band], crop_given: bool, enough: float
) -> tuple[decode.Decoded, line_net.Floats] | None:
    """The recogniser's likeliest plate over the views of the crop, and the views' posteriors: each line's usual
    band and the whole crop first; each line's other bands (`line_net.VIEWS`) only when no reading of those is
    `enough` sure."""
    if not bands and not crop_given:  # no row of characters in a candidate found in a frame: nothing to read
        return None
    grey = line.to_grey(crop)  # once for all the views
    first = [v for b in bands for v in line_net.band_views(grey, b, line_net.VIEWS[:1])]
    posteriors = net.posteriors([*first, line_net.crop_view(grey)])
    best = cut_vote.likeliest(posteriors)
    if bands and (best is None or best[0].probability < enough):
        more = net.posteriors([v for b in bands for v in line_net.band_views(grey, b, line_net.VIEWS[1:])])
        other = cut_vote.likeliest(more)  # the first views are decoded already
        if other is not None and (best is None or other[0].log_prob > best[0].log_prob):
            best = (other[0], len(posteriors) + other[1])
        posteriors = np.concatenate([posteriors, more])
    if best is None:
        return None
    got, i = best
    chars = ctc.char_confidences(posteriors[i], got.plate.compact)
    return decode.Decoded(got.plate, got.probability, chars, got.log_prob), posteriors


def _decode_line(reader: PlateReader, ln: line.Line) -> decode.Decoded | None:
    classifier = glyphs.model() if reader.settings.glyph_classifier else None
    if classifier is not None:
        return _decode_glyphs(reader, ln, classifier)
    eng = reader.engine
    mixed = eng.read_line(ln.image, LETTERS + DIGITS)
    if not mixed:
        return None
    letters = eng.read_line(ln.image, LETTERS)
    digits = eng.read_line(ln.image, DIGITS)
    return decode.decode(decode.slots(mixed, letters, digits, line.CHAR_HEIGHT), ln.breaks)


def _decode_glyphs(reader: PlateReader, ln: line.Line, classifier: glyphs.Classifier) -> decode.Decoded | None:
    boxes = glyphs.split_wide(ln.image, ln.glyphs, classifier)
    cells = [ln.image[:, x : x + w] for x, w in boxes]
    found = glyphs.glyph_slots(boxes, classifier.classify(cells), line.CHAR_HEIGHT)
    weight = reader.settings.tesseract_weight
    if weight > 0 and found:
        mixed = reader.engine.read_line(ln.image, LETTERS + DIGITS)
        found = glyphs.fold(found, decode.slots(mixed, (), (), line.CHAR_HEIGHT), weight)
    return decode.decode(found, ln.breaks) if found else None
