"""The plate reader: a frame in, a `PlateReading` or a `NoPlate` with its reason out. Never raises on bad input.

`PlateReader(...)(frame)` checks the frame (empty, black, over-exposed, tiny, huge), finds plate candidates
(`locate`), and for each, best first, cuts the plate out, finds and levels its main line and cuts out its characters
(`line`), has the glyph classifier score each character (`glyphs`; `tesseract_weight` > 0 mixes in a Tesseract
read of the line), and lets the grammar decoder choose each character by position (`decode`). Without the
classifier's model file, Tesseract reads the line three times (any character; letters only; digits only) instead.
The expiry line is read by Tesseract as MM.YY when it is legible. The first candidate that decodes with enough
confidence wins; otherwise the best decoding found, if any. `read_crop` reads an image that is already a plate.
Pure and thread-safe: the state is the engine, which keeps one Tesseract per thread, and the classifier's weights.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from plates import decode, glyphs, line
from plates.engine import DIGITS, LETTERS, Engine, EngineError, default_engine
from plates.locate import Candidate, locate
from plates.reading import Image, NoPlate, PlateReading, u8

MAX_PIXELS = 50_000_000  # larger frames are refused: no lane camera sends them
FRAME_WIDTH = 1920  # wider frames are scaled down first


@dataclass(frozen=True)
class ReaderSettings:
    candidates: int = 3  # plate candidates read per frame, best first
    lines: int = 1  # main-line hypotheses read per candidate (2 also tries the other polarity)
    enough: float = 0.7  # a decoding at least this confident ends the search
    expiry: bool = True  # read the MM.YY line
    min_contrast: float = line.MIN_CONTRAST  # characters must stand out this much from a plate given as a crop
    min_contrast_found: float = 1.3  # ... and this much from a plate found in a frame, among clutter
    glyph_classifier: bool = True  # characters chosen by the glyph classifier (plates.glyphs), when its model is there
    tesseract_weight: float = 0.0  # ... with Tesseract's read of the line mixed in at this weight (0: not read)

    def __post_init__(self) -> None:
        if (
            not 1 <= self.candidates <= 10
            or not 1 <= self.lines <= 4
            or not 0.0 <= self.enough <= 1.0
            or not 0.0 <= self.tesseract_weight <= 1.0
        ):
            raise ValueError(f"bad reader settings: {self}")


def check_image(image: object) -> tuple[Image, None] | tuple[None, str]:
    """The image as 8-bit BGR or grey, or the reason it cannot hold a readable plate."""
    if not isinstance(image, np.ndarray):
        return None, "not an image"
    if image.size == 0 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        return None, "empty image" if image.size == 0 else f"not an image (shape {image.shape})"
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image // 257).astype(np.uint8)
        elif image.dtype.kind == "f" and np.isfinite(image).all():
            image = np.clip(image * (255.0 if float(image.max(initial=0.0)) <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        else:
            return None, f"not an 8-bit image (dtype {image.dtype})"
    if image.ndim == 3:
        image = image[:, :, 0] if image.shape[2] == 1 else image[:, :, :3]
    h, w = image.shape[:2]
    if min(h, w) < 16 or w < 40:
        return None, f"image too small ({w}x{h})"
    if h * w > MAX_PIXELS:
        return None, f"image too large ({w}x{h})"
    small = cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA)
    mean, spread = float(small.mean()), float(small.std())
    if spread < 4.0:
        return None, "over-exposed image" if mean > 200 else "black image" if mean < 50 else "blank image"
    return np.ascontiguousarray(image), None


class PlateReader:
    """A `Reader` (see plates.reading): call it with a frame."""

    def __init__(self, settings: ReaderSettings | None = None, engine: Engine | None = None) -> None:
        self.settings = settings or ReaderSettings()
        self._engine = engine

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    def __call__(self, frame: Image) -> PlateReading | NoPlate:
        image, why = check_image(frame)
        if image is None:
            return NoPlate(why or "not an image")
        try:
            return self._read_frame(image)
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
        return got if got is not None else NoPlate("no characters that fit the plate grammar")

    def _read_frame(self, image: Image) -> PlateReading | NoPlate:
        scale = min(1.0, FRAME_WIDTH / image.shape[1])
        if scale < 1.0:
            image = u8(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        candidates = locate(image, limit=self.settings.candidates)
        h, w = image.shape[:2]
        if 2.0 <= w / h <= 6.0 and not any(c.box[2] > 0.6 * w for c in candidates):
            candidates.insert(0, Candidate((0, 0, w, h), 0.0, False, h / 2))  # plate-shaped: maybe a plate crop
        if not candidates:
            return NoPlate("no plate-like row of characters")
        best: PlateReading | None = None
        for cand in candidates:
            x, y, bw, bh = cand.box
            mx, my = int(0.08 * bw), int(0.12 * bh)
            crop = image[max(0, y - my) : y + bh + my, max(0, x - mx) : x + bw + mx]
            trusted = cand.box == (0, 0, w, h)
            got = self._read_plate(crop, (x, y, bw, bh), trusted)
            if got is None:
                continue
            if best is None or got.confidence > best.confidence:
                best = got
            if got.confidence >= self.settings.enough:
                break
        if best is None:
            return NoPlate(f"no characters that fit the plate grammar ({len(candidates)} candidates)")
        if scale < 1.0 and best.box is not None:
            best = _rescaled(best, 1.0 / scale)
        return best

    def _read_plate(self, crop: Image, box: tuple[int, int, int, int], crop_given: bool) -> PlateReading | None:
        best: tuple[decode.Decoded, line.Line] | None = None
        s = self.settings
        for ln in line.find_lines(crop, s.lines, s.min_contrast if crop_given else s.min_contrast_found):
            got = self._decode_line(ln)
            if got is not None and (best is None or got.score > best[0].score):
                best = (got, ln)
        if best is None:
            return None
        found, ln = best
        expiry = ""
        if self.settings.expiry and ln.expiry is not None:
            raw = "".join(s.char for s in self.engine.read_line(ln.expiry, DIGITS + "."))
            expiry = decode.parse_expiry(raw)
        plate = found.plate
        return PlateReading(plate.text, round(found.confidence, 3), plate.region_name, box, expiry,
                            tuple(round(c, 3) for c in found.char_confidences), crop.copy())  # fmt: skip

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
