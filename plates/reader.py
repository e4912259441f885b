"""The plate reader: a frame in, a `PlateReading` or a `NoPlate` with its reason out. Never raises on bad input.

`PlateReader(...)(frame)` checks the frame (`frame_check`: empty, black, over-exposed, tiny, huge), finds plate
candidates (`locate`'s rows of characters, then `edges`' regions dense in edges), and for each, best first, cuts the
plate out and finds and levels its main line (`line`). The line recogniser (`line_net`, a small CNN run by OpenCV)
reads the band around each line found, and the whole crop, without cutting characters (and, when neither reads
surely, the band a little tighter and wider: `line_net.VIEWS`); `ctc` decodes it under the grammar. The line's
characters are also cut out (`line`), the glyph classifier scores each (`glyphs`; `tesseract_weight` > 0 mixes in a
Tesseract read of the line), and the grammar decoder chooses each character by position (`decode`); without the
classifier's model file, Tesseract reads the line three times (any character; letters only; digits only) instead.
The two vote (`line_recogniser`): the recogniser's plate, with any character the cut read more surely, when both
split the plate alike (when they split it differently, the reading both back more: `cut_vote`); the cut reading
alone when the recogniser's is less probable than `trust`. A reading less sure than `second_opinion` (by default
every reading) is weighed again with a second recogniser, PP-OCRv6 (`ppocr`), when it is installed. What is no plate
(an expiry line, a sticker, a frame's lettering, a plate cut off by the frame's edge) becomes a `NoPlate` with the
reason (`safety`), and the confidence returned is calibrated (`confidence`): the probability that the plate read is
exactly right. `model_path` names a line recogniser to read with in place of the shipped one (a site's own). The
expiry line (MM.YY) is read by the second recogniser, digits only, in a band under the main line (by Tesseract, on
the small line `line` cut, when that recogniser is not installed), when it is legible. The first candidate that
decodes with enough confidence wins; otherwise the best decoding found, if any. `read_crop` reads an image that is
already a plate.
Pure and thread-safe: the state is the engine, which keeps one Tesseract per thread, and the models.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from plates import confidence, ctc, cut_vote, decode, glyphs, line, line_net, ppocr, safety
from plates.edges import edge_candidates
from plates.engine import DIGITS, LETTERS, Engine, EngineError, default_engine
from plates.frame_check import MAX_PIXELS as MAX_PIXELS
from plates.frame_check import check_image as check_image
from plates.locate import Candidate, iou, locate
from plates.reading import Image, NoPlate, PlateReading, u8

EXPIRY_TRUST = 0.5  # an expiry line read less surely than this is not reported (a wrong date is worse than none)
FRAME_WIDTH = 1920  # wider frames are scaled down first


@dataclass(frozen=True)
class ReaderSettings:
    candidates: int = 3  # plate candidates read per frame, best first
    edge_candidates: int = 2  # ... and after them, regions dense in edges (plates.edges) that no row candidate covers
    lines: int = 1  # main-line hypotheses read per candidate (2 also tries the other polarity)
    enough: float = 0.7  # a decoding at least this confident ends the search
    expiry: bool = True  # read the MM.YY line
    min_contrast: float = line.MIN_CONTRAST  # characters must stand out this much from a plate given as a crop
    min_contrast_found: float = 1.3  # ... and this much from a plate found in a frame, among clutter
    glyph_classifier: bool = True  # characters chosen by the glyph classifier (plates.glyphs), when its model is there
    tesseract_weight: float = 0.0  # ... with Tesseract's read of the line mixed in at this weight (0: not read)
    #: The line recogniser (plates.line_net, when its model is there): "vote" reads each plate with it and with the
    #: cut characters, and takes the characters the cut read more surely when the two split the plate alike; "first"
    #: cuts characters only when the recogniser is unsure; "only" never cuts; "off" never uses the recogniser.
    line_recogniser: Literal["vote", "first", "only", "off"] = "vote"
    trust: float = 0.2  # a recogniser reading at least this probable is taken without looking at the cut characters
    least: float = 0.05  # ... and one less probable than this is no reading
    #: A reading less sure than this is weighed again with the second recogniser (plates.ppocr, PP-OCRv6) when it
    #: is installed: the text both back most wins, and the confidence is both networks' (their geometric mean).
    #: 1.0 (the default since issue 16) weighs every reading: our network alone is sure of some wrong readings of
    #: real plates (1.0 on tune-part readings PP-OCRv6 gives 0.002), so no confidence of one network can be
    #: calibrated to take plates unasked. 0 never asks it.
    second_opinion: float = 1.0
    fuse: bool = True  # ... and joins its reading and ours character by character when both have the same groups
    #: A reading's confidence mapped to the probability it is exactly right (plates.confidence); off gives the
    #: networks' own probability, which the calibration is fitted to.
    calibrated: bool = True
    safety: bool = True  # readings that are no plate (plates.safety: too unsure, cut off) become NoPlate

    def __post_init__(self) -> None:
        if (
            not 1 <= self.candidates <= 10
            or not 0 <= self.edge_candidates <= 10
            or not 1 <= self.lines <= 4
            or not 0.0 <= self.enough <= 1.0
            or not 0.0 <= self.tesseract_weight <= 1.0
            or not 0.0 <= self.least <= self.trust <= 1.0
            or not 0.0 <= self.second_opinion <= 1.0
            or self.line_recogniser not in ("vote", "first", "only", "off")
        ):
            raise ValueError(f"bad reader settings: {self}")


class PlateReader:
    """A `Reader` (see plates.reading): call it with a frame."""

    def __init__(
        self, settings: ReaderSettings | None = None, engine: Engine | None = None, *, model_path: Path | None = None
    ) -> None:
        """`model_path`: a line recogniser's ONNX file to read with instead of the shipped `line_model.onnx` (a
        site's own fine-tuned model); a file that cannot be loaded raises ValueError with its path."""
        self.settings = settings or ReaderSettings()
        self._engine = engine
        self._net = line_net.load(model_path) if model_path is not None else None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    def warm_up(self) -> None:
        """Load the models and this thread's copies of them now, not in the first read: for a caller that times
        reads (`lane plates read`) and a lane's reading thread (the first car's plate is read as fast as the
        next). An OCR engine that cannot start is left for the reads to report."""
        s = self.settings
        view = np.full((line_net.HEIGHT, line_net.WIDTH), 128, np.uint8)
        if (net := self._line_net()) is not None and s.line_recogniser != "off":
            net.posteriors([view])
        classifier = glyphs.model() if s.glyph_classifier else None
        second = ppocr.model() if s.second_opinion > 0 or s.expiry else None
        if second is not None:
            second.posteriors([view])
        # Tesseract reads the cut characters when the glyph classifier cannot (or mixes in), and the expiry line
        # when the second recogniser cannot.
        cuts = s.line_recogniser != "only" and (classifier is None or s.tesseract_weight > 0)
        if cuts or (s.expiry and second is None):
            with contextlib.suppress(EngineError, OSError):
                self.engine.read_line(view, DIGITS)

    def _line_net(self) -> line_net.LineNet | None:
        return self._net if self._net is not None else line_net.model()

    def __call__(self, frame: Image) -> PlateReading | NoPlate:
        image, why = check_image(frame)
        if image is None:
            return NoPlate(why or "not an image")
        try:
            return self._calibrated(self._read_frame(image))
        except _FAILURES as err:  # a frame OpenCV or Tesseract cannot handle is no plate, not a crash
            return NoPlate(_failure(err))

    def read_crop(self, crop: Image) -> PlateReading | NoPlate:
        """Read an image that is already a plate (cut out by a camera or a person)."""
        image, why = check_image(crop)
        if image is None:
            return NoPlate(why or "not an image")
        try:
            got = self._read_plate(image, (0, 0, image.shape[1], image.shape[0]), True)
        except _FAILURES as err:
            return NoPlate(_failure(err))
        return self._calibrated(got) if got is not None else NoPlate("no characters that fit the plate grammar")

    def _calibrated(self, got: PlateReading | NoPlate) -> PlateReading | NoPlate:
        if not self.settings.calibrated or isinstance(got, NoPlate):
            return got
        return replace(got, confidence=round(confidence.calibrated(got.confidence), 3))

    def read_expiry(self, crop: Image) -> str:
        """The expiry line (MM.YY) of an image that is already a plate (a reading's crop), or "" when it is not
        legible; never raises. For a caller that reads plates without it (`expiry` off) and wants it once."""
        image, _ = check_image(crop)
        if image is None:
            return ""
        try:
            lines = line.find_lines(image, self.settings.lines, self.settings.min_contrast)
            return self._read_expiry(image, [ln.band for ln in lines if ln.band is not None], lines)
        except _FAILURES:
            return ""

    def _read_frame(self, image: Image) -> PlateReading | NoPlate:
        scale = min(1.0, FRAME_WIDTH / image.shape[1])
        if scale < 1.0:
            image = u8(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        candidates = locate(image, limit=self.settings.candidates)
        h, w = image.shape[:2]
        if 2.0 <= w / h <= 6.0 and not any(c.box[2] > 0.6 * w for c in candidates):
            candidates.insert(0, Candidate((0, 0, w, h), 0.0, False, h / 2))  # plate-shaped: maybe a plate crop
        # Plates whose characters do not come apart as blobs: regions dense in edges, read as crops (no row known).
        rows = len(candidates)
        for box, score in edge_candidates(image, self.settings.edge_candidates):
            if not any(iou(box, c.box) > 0.3 for c in candidates):
                candidates.append(Candidate(box, score, False, 0.0))
        if not candidates:
            return NoPlate("no plate-like row of characters")
        best: PlateReading | None = None
        refused = ""  # why a candidate's reading was no plate (plates.safety), if one was
        for i, cand in enumerate(candidates):
            x, y, bw, bh = cand.box
            mx, my = int(0.08 * bw), int(0.12 * bh)
            crop = image[max(0, y - my) : y + bh + my, max(0, x - mx) : x + bw + mx]
            trusted = cand.box == (0, 0, w, h) or i >= rows
            whole = cand.box == (0, 0, w, h)  # a frame that is a plate crop: its sides are not a camera's edge
            edges = (False, False) if whole else (x - mx <= 0, x + bw + mx >= w)
            got = self._read_plate(crop, (x, y, bw, bh), trusted, edges)
            if isinstance(got, NoPlate):
                refused = refused or got.reason
                continue
            if got is None:
                continue
            if best is None or got.confidence > best.confidence:
                best = got
            if got.confidence >= self.settings.enough:
                break
        if best is None:
            return NoPlate(refused or f"no characters that fit the plate grammar ({len(candidates)} candidates)")
        if scale < 1.0 and best.box is not None:
            best = _rescaled(best, 1.0 / scale)
        return best

    def _read_plate(
        self, crop: Image, box: tuple[int, int, int, int], crop_given: bool, edges: tuple[bool, bool] = (False, False)
    ) -> PlateReading | NoPlate | None:
        """The reading of one plate crop; NoPlate when what was read is no plate (plates.safety); None when
        nothing fits the grammar. `edges`: whether the crop's left and right sides are the frame's."""
        s = self.settings
        lines = line.find_lines(crop, s.lines, s.min_contrast if crop_given else s.min_contrast_found)
        bands = [ln.band for ln in lines if ln.band is not None]
        net = self._line_net() if s.line_recogniser != "off" else None
        found: decode.Decoded | None = None
        posteriors = np.zeros((0, line_net.COLUMNS, line_net.CLASSES), np.float32)
        if net is not None:
            recognised = self._recognise(net, crop, bands, crop_given, s.enough)
            if recognised is not None:  # the posteriors weigh the cut reading even when the network's is no reading
                posteriors = recognised[1]
                found = recognised[0] if recognised[0].confidence >= s.least else None
        voting = s.line_recogniser == "vote"
        if s.line_recogniser != "only" and (voting or found is None or found.confidence < s.trust):
            cut: tuple[decode.Decoded, line.Line] | None = None
            for ln in lines:
                got = self._decode_line(ln)
                if got is not None and (cut is None or got.score > cut[0].score):
                    cut = (got, ln)
            if cut is not None and found is not None and voting and found.confidence >= s.trust:
                found = cut_vote.vote(found, cut[0], posteriors)
            elif cut is not None:
                found, lines = cut[0], [cut[1]]
        if found is None:
            return None
        weigh = found.confidence < s.second_opinion or s.second_opinion >= 1.0
        second = ppocr.model() if weigh else None
        theirs: list[line_net.Floats] = []
        if second is not None:
            views = [ppocr.shaped(crop), *(ppocr.band_view(crop, b) for b in bands)]
            with contextlib.suppress(RuntimeError):  # a second opinion that fails leaves the reading as it is
                theirs = second.posteriors(views)
                found = ppocr.weigh(found, posteriors, theirs, fuse=s.fuse)
        if s.safety:  # only a frame's own sides are known to cut: a crop may be cut tight to its characters
            left, right = (0.0 if edges[0] else -math.inf), (crop.shape[1] if edges[1] else math.inf)
            sides = safety.cut_off(bands[0], left, right) if bands and any(edges) else None
            unbound = [ctc.greedy(p) for p in theirs]  # the second recogniser's reading, no grammar imposed
            why = safety.too_unsure(found.confidence) or safety.digits_only(unbound) or sides
            if why is not None:
                return NoPlate(why)
        expiry = self._read_expiry(crop, bands, lines) if s.expiry else ""
        plate = found.plate
        return PlateReading(
            plate.text,
            round(found.confidence, 3),
            plate.region_name,
            box,
            expiry,
            tuple(round(c, 3) for c in found.char_confidences),
            crop.copy(),
        )

    def _read_expiry(self, crop: Image, bands: list[line.Band], lines: list[line.Line]) -> str:
        """The expiry line (MM.YY) under the first main line: read by the second recogniser, its digits only, and
        kept when at least EXPIRY_TRUST sure; without that recogniser, Tesseract reads the small line `line` cut."""
        second = ppocr.model()
        if second is not None and bands:
            with contextlib.suppress(RuntimeError):  # a failing run: Tesseract, below
                raw, sure = ctc.digits(second.posteriors([ppocr.expiry_view(crop, bands[0])])[0])
                return decode.parse_expiry(raw) if sure >= EXPIRY_TRUST else ""
        small = next((ln.expiry for ln in lines if ln.expiry is not None), None)
        if small is None:
            return ""
        return decode.parse_expiry("".join(sym.char for sym in self.engine.read_line(small, DIGITS + ".")))

    @staticmethod
    def _recognise(
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

    def _decode_line(self, ln: line.Line) -> decode.Decoded | None:
        classifier = glyphs.model() if self.settings.glyph_classifier else None
        if classifier is not None:
            return self._decode_glyphs(ln, classifier)
        eng = self.engine
        mixed = eng.read_line(ln.image, LETTERS + DIGITS)
        if not mixed:
            return None
        letters = eng.read_line(ln.image, LETTERS)
        digits = eng.read_line(ln.image, DIGITS)
        return decode.decode(decode.slots(mixed, letters, digits, line.CHAR_HEIGHT), ln.breaks)

    def _decode_glyphs(self, ln: line.Line, classifier: glyphs.Classifier) -> decode.Decoded | None:
        boxes = glyphs.split_wide(ln.image, ln.glyphs, classifier)
        cells = [ln.image[:, x : x + w] for x, w in boxes]
        found = glyphs.glyph_slots(boxes, classifier.classify(cells), line.CHAR_HEIGHT)
        weight = self.settings.tesseract_weight
        if weight > 0 and found:
            mixed = self.engine.read_line(ln.image, LETTERS + DIGITS)
            found = glyphs.fold(found, decode.slots(mixed, (), (), line.CHAR_HEIGHT), weight)
        return decode.decode(found, ln.breaks) if found else None


_FAILURES = (cv2.error, ValueError, MemoryError, RuntimeError, OSError)


def _failure(err: Exception) -> str:
    if isinstance(err, EngineError | OSError):
        return f"OCR engine unavailable: {err}"
    return f"unreadable image: {type(err).__name__}"


def _rescaled(reading: PlateReading, k: float) -> PlateReading:
    assert reading.box is not None
    x, y, w, h = reading.box
    return replace(reading, box=(round(x * k), round(y * k), round(w * k), round(h * k)))


_default_reader: PlateReader | None = None


def read(frame: Image) -> PlateReading | NoPlate:
    """Read a frame with the default settings: a `Reader`."""
    global _default_reader
    if _default_reader is None:
        _default_reader = PlateReader()
    return _default_reader(frame)
