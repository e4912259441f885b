"""The plate reader: a frame in, a `PlateReading` or a `NoPlate` with its reason out. Never raises on bad input.

`PlateReader(...)(frame)` checks the frame (`frame_check`: empty, black, over-exposed, tiny, huge), finds plate
candidates (`locate`'s rows of characters, then `edges`' regions dense in edges) and reads them, best first, until
one reads surely (`enough`): each is cut out with each of `margins` and read whole by the plate recogniser
(`plate_net`: PP-OCRv6 fine-tuned on plates; `ctc` decodes it under the grammar), the wider crop winning when it is
surer or reads the same characters and more. When no candidate reads surely, the text detector's lines
(`text_det`) are read too; when one did, the detector looks around it for a line that reads it whole (a row found
short of the plate's ends). What is no plate (an expiry line, a sticker, a frame's lettering, a plate cut off by the
frame's edge) becomes a `NoPlate` with the reason (`safety`), the reading chosen is checked by PP-OCRv6 as shipped
(`general_check`: a plate is taken unasked only when both networks back it), and the confidence returned is
calibrated (`confidence`): the probability that the plate read is exactly right. `model_path` names a plate
recogniser to read with in place of the shipped one (a site's own). Without the plate recogniser's file, or with
`recogniser="line"`, the earlier ensemble reads each crop (`ensemble`). The expiry line (MM.YY) is read by PP-OCRv6,
digits only, in a band under the main line (by Tesseract, on the small line `line` cut, when PP-OCRv6 is not
installed), when it is legible. `read_crop` reads an image that is already a plate.
Pure and thread-safe: the state is the engine, which keeps one Tesseract per thread, and the models.
"""

from __future__ import annotations

import contextlib
import functools
import math
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from plates import (
    confidence,
    ctc,
    ensemble,
    expiry_line,
    frame_readings,
    general_check,
    glyphs,
    line,
    line_net,
    plate_net,
    ppocr,
    safety,
    text_det,
)
from plates.edges import edge_candidates
from plates.engine import DIGITS, Engine, EngineError, default_engine
from plates.frame_check import MAX_PIXELS as MAX_PIXELS
from plates.frame_check import check_image as check_image
from plates.frame_readings import Call, better, overlap
from plates.locate import Candidate, iou, locate
from plates.reader_settings import ReaderSettings as ReaderSettings
from plates.reading import Image, NoPlate, PlateReading, u8

FRAME_WIDTH = 1920  # wider frames are scaled down first


class PlateReader:
    """A `Reader` (see plates.reading): call it with a frame."""

    def __init__(
        self, settings: ReaderSettings | None = None, engine: Engine | None = None, *, model_path: Path | None = None
    ) -> None:
        """`model_path`: a plate recogniser's ONNX file to read with instead of the shipped `plate_rec.onnx` (a
        site's own, fine-tuned by `plates_training.ppocr_tune`), or a line recogniser's in place of
        `line_model.onnx` for the "line" recogniser; a file that cannot be loaded raises ValueError with its path."""
        self.settings = settings or ReaderSettings()
        self._engine = engine
        self._net: line_net.LineNet | None = None
        self._plate: ppocr.PaddleRec | None = None
        if model_path is not None and self.settings.recogniser == "plate":
            self._plate = plate_net.load(model_path)
        elif model_path is not None:
            self._net = line_net.load(model_path)

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
        if (plate := self._plate_net()) is not None:
            plate.posteriors([view])
            general = ppocr.model() if s.expiry or (s.safety and s.general_check) else None
            if s.text_candidates > 0 and (detector := text_det.model()) is not None:
                with contextlib.suppress(RuntimeError):
                    detector.boxes(np.full((64, 64, 3), 128, np.uint8), 1)
            cuts = False
        else:
            if (net := self.line_model()) is not None and s.line_recogniser != "off":
                net.posteriors([view])
            classifier = glyphs.model() if s.glyph_classifier else None
            general = ppocr.model() if s.second_opinion > 0 or s.expiry else None
            # Tesseract reads the cut characters when the glyph classifier cannot (or mixes in)
            cuts = s.line_recogniser != "only" and (classifier is None or s.tesseract_weight > 0)
        if general is not None:
            general.posteriors([view])
        if cuts or (s.expiry and general is None):  # ... and the expiry line without PP-OCRv6
            with contextlib.suppress(EngineError, OSError):
                self.engine.read_line(view, DIGITS)

    def _plate_net(self) -> ppocr.PaddleRec | None:
        if self.settings.recogniser != "plate":
            return None
        return self._plate if self._plate is not None else plate_net.model()

    def line_model(self) -> line_net.LineNet | None:
        return self._net if self._net is not None else line_net.model()

    def __call__(self, frame: Image) -> PlateReading | NoPlate:
        image, why = check_image(frame)
        if image is None:
            return NoPlate(why or "not an image")
        try:
            call = Call()
            return self._calibrated(self._read_frame(image, call), call)
        except _FAILURES as err:  # a frame OpenCV or Tesseract cannot handle is no plate, not a crash
            return NoPlate(_failure(err))

    def read_crop(self, crop: Image) -> PlateReading | NoPlate:
        """Read an image that is already a plate (cut out by a camera or a person)."""
        image, why = check_image(crop)
        if image is None:
            return NoPlate(why or "not an image")
        call = Call()
        try:
            got = self._read_plate(image, (0, 0, image.shape[1], image.shape[0]), True, call)
            return (
                self._calibrated(got, call) if got is not None else NoPlate("no characters that fit the plate grammar")
            )
        except _FAILURES as err:
            return NoPlate(_failure(err))

    def _calibrated(self, got: PlateReading | NoPlate, call: Call) -> PlateReading | NoPlate:
        """The reading chosen, checked (`general_check`), with its expiry line read (only now: of all the crops read,
        only the chosen one's matters) and its confidence calibrated."""
        if isinstance(got, NoPlate):
            return got
        s = self.settings
        if s.safety and s.general_check and self._plate_net() is not None:
            got = general_check.checked(got, call.views.get(id(got.crop), []))
            if isinstance(got, NoPlate):
                return got
        found = call.lines.get(id(got.crop))
        if s.expiry and got.crop is not None and found is not None:
            got = replace(got, expiry=expiry_line.read(got.crop, *found(), lambda: self.engine))
        if not s.calibrated:
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
            bands = [ln.band for ln in lines if ln.band is not None]
            return expiry_line.read(image, bands, lines, lambda: self.engine)
        except _FAILURES:
            return ""

    def _read_frame(self, image: Image, call: Call) -> PlateReading | NoPlate:
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
        if not candidates and (self.settings.text_candidates == 0 or text_det.model() is None):
            return NoPlate("no plate-like row of characters")
        best, refused = self._read_candidates(image, candidates, rows, None, "", call)
        lines: list[Candidate] = []
        if best is None or best.confidence < self.settings.enough:  # text lines anywhere, read as crops
            lines = self._text_lines(image, (0, 0, w, h))
            best, refused = self._read_candidates(image, lines, 0, best, refused, call)
        elif best.box is not None:  # a sure reading: is it a piece of a plate a text line around it reads whole?
            x, y, bw, bh = best.box
            lines = self._text_lines(image, (x - bw, y - bh, 3 * bw, 3 * bh))
        if best is not None and best.box is not None:
            for cand in (c for c in lines if c.box != best.box and overlap(c.box, best.box)):
                self._read_candidates(image, [cand], 0, None, "", call)
            best = frame_readings.whole(best, call)
        if best is None:
            return NoPlate(refused or f"no characters that fit the plate grammar ({len(candidates)} candidates)")
        if scale < 1.0 and best.box is not None:
            best = _rescaled(best, 1.0 / scale)
        return best

    def _read_candidates(
        self,
        image: Image,
        candidates: list[Candidate],
        rows: int,
        best: PlateReading | None,
        refused: str,
        call: Call,
    ) -> tuple[PlateReading | None, str]:
        """Read `candidates` in turn (the first `rows` are rows of characters; the rest are read as crops) until one
        reads at least `enough` surely: the surest reading, `best` included, and why a candidate was no plate. A
        candidate this call has read already is not read again (`call.reads`)."""
        h, w = image.shape[:2]
        for i, cand in enumerate(candidates):
            x, y, bw, bh = cand.box
            trusted = cand.box == (0, 0, w, h) or i >= rows
            whole = cand.box == (0, 0, w, h)  # a frame that is a plate crop: its sides are not a camera's edge
            if (cand.box, trusted) in call.reads:
                got = call.reads[(cand.box, trusted)]
            else:
                got, crops = None, []
                for fx, fy in self.settings.margins[: 1 if whole or self._plate_net() is None else None]:
                    mx, my = int(fx * bw), int(fy * bh)
                    crops.append(image[max(0, y - my) : y + bh + my, max(0, x - mx) : x + bw + mx])
                    edges = (False, False) if whole else (x - mx <= 0, x + bw + mx >= w)
                    one = self._read_plate(crops[-1], (x, y, bw, bh), trusted, call, edges)
                    if got is None or (isinstance(one, PlateReading) and better(one, got)):
                        got = one
                call.reads[(cand.box, trusted)] = got
                if isinstance(got, PlateReading):
                    call.views[id(got.crop)] = crops
            if isinstance(got, NoPlate):
                refused = refused or got.reason
                continue
            if got is None:
                continue
            if best is None or got.confidence > best.confidence:
                best = got
            if got.confidence >= self.settings.enough:
                break
        return best, refused

    def _text_lines(self, image: Image, region: tuple[int, int, int, int]) -> list[Candidate]:
        """Up to `text_candidates` text lines the text detector finds (plates.text_det) in `region` of `image`
        (x, y, w, h; cut to the image), in the image's pixels."""
        detector = text_det.model() if self.settings.text_candidates > 0 else None
        x0, y0 = max(0, region[0]), max(0, region[1])
        x1, y1 = min(image.shape[1], region[0] + region[2]), min(image.shape[0], region[1] + region[3])
        if detector is None or x1 - x0 < 16 or y1 - y0 < 8:
            return []
        try:
            found = detector.boxes(np.ascontiguousarray(image[y0:y1, x0:x1]), self.settings.text_candidates)
        except RuntimeError:  # a detector that fails leaves the candidates read
            return []
        return [Candidate((bx + x0, by + y0, bw, bh), score, False, 0.0) for (bx, by, bw, bh), score in found]

    def _read_plate(
        self,
        crop: Image,
        box: tuple[int, int, int, int],
        crop_given: bool,
        call: Call,
        edges: tuple[bool, bool] = (False, False),
    ) -> PlateReading | NoPlate | None:
        """The reading of one plate crop; NoPlate when what was read is no plate (plates.safety); None when
        nothing fits the grammar. `edges`: whether the crop's left and right sides are the frame's. Its lines are
        kept in `call.lines` for the expiry line, read once a reading is chosen (`_calibrated`)."""
        s = self.settings
        found_lines = _lines_of(crop, s.lines, s.min_contrast if crop_given else s.min_contrast_found)
        rec = self._plate_net()
        if rec is not None:  # the plate recogniser needs the lines only for its bands
            bands = found_lines()[0] if s.plate_bands else []
            found, theirs = plate_net.read(rec, crop, bands, with_bands=s.plate_bands)
        else:
            bands, lines = found_lines()
            found, theirs, lines = ensemble.read(self, crop, lines, bands, crop_given)
            kept = (bands, lines)  # as the ensemble left them
            found_lines = lambda: kept  # noqa: E731 (the name is a callable on both paths)
        if found is None:
            return None
        if s.safety:  # only a frame's own sides are known to cut: a crop may be cut tight to its characters
            left, right = (0.0 if edges[0] else -math.inf), (crop.shape[1] if edges[1] else math.inf)
            main = found_lines()[0] if any(edges) else []
            sides = safety.cut_off(main[0], left, right) if main else None
            unbound = [ctc.greedy(p) for p in theirs]  # the second recogniser's reading, no grammar imposed
            why = safety.too_unsure(found.confidence) or safety.digits_only(unbound) or sides
            if why is not None:
                return NoPlate(why)
        plate = found.plate
        evidence = crop.copy()
        call.lines[id(evidence)] = found_lines
        return PlateReading(
            plate.text,
            round(found.confidence, 3),
            plate.region_name,
            box,
            "",
            tuple(round(c, 3) for c in found.char_confidences),
            evidence,
        )


_FAILURES = (cv2.error, ValueError, MemoryError, RuntimeError, OSError)


def _lines_of(crop: Image, most: int, min_contrast: float) -> frame_readings.Lines:
    """The main lines of `crop` (and their bands), found at the first call only: a reading by the plate recogniser
    needs them only at a frame's side (`safety.cut_off`) or for its expiry line."""

    @functools.cache
    def found() -> tuple[list[line.Band], list[line.Line]]:
        lines = line.find_lines(crop, most, min_contrast)
        return [ln.band for ln in lines if ln.band is not None], lines

    return found


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
