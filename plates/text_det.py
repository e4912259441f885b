"""Plate candidates from a text detector: PaddleOCR's PP-OCRv6 (small) text detector (`PP-OCRv6_det_small.onnx`,
Apache-2.0, in the same RapidOCR package as the recogniser `plates.ppocr` uses), run by onnxruntime.

`plates.locate` finds rows of character-shaped blobs and `plates.edges` regions dense in edges; both miss plates
whose characters do not stand apart from their ground the way they expect (small white plates with thin black
characters, low light). The detector was trained by PaddleOCR on text of every kind and finds text lines
regardless. The frame is scaled so its longer side is at most SIDE (a multiple of 32), normalised as PaddleOCR
trained it (ImageNet mean and deviation, RGB); the probability map is cut at THRESHOLD, and each connected region is
a text line, grown by GROW of its height on every side (the detector marks the text's core, as DBNet does) and
scored by its mean probability. The boxes, best first, are candidates the reader reads like any other; whether a box
is a plate is the recogniser's and the grammar's to say. Loading the model is the only file access here;
thread-safe (onnxruntime sessions are).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from plates import ppocr
from plates.once import once
from plates.reading import Image

MODEL_FILE = "PP-OCRv6_det_small.onnx"
SIDE = 640  # the longer side the frame is read at, at most
THRESHOLD = 0.3  # text probability
GROW = 0.5  # of a region's height, on each side
MIN_AREA = 6  # pixels of the probability map
JOIN_GAP, JOIN_HEIGHT = 3.0, 1.6  # regions of one line joined (`joined`)
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)

Box = tuple[int, int, int, int]


class TextDetector:
    def __init__(self, session: Any) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name

    def boxes(self, image: Image, limit: int) -> list[tuple[Box, float]]:
        """Up to `limit` text lines in `image` (x, y, w, h in its pixels) and their scores, best first."""
        h, w = image.shape[:2]
        k = min(1.0, SIDE / max(h, w))
        nh, nw = max(32, round(h * k / 32) * 32), max(32, round(w * k / 32) * 32)
        colour = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        x = cv2.resize(colour, (nw, nh), interpolation=cv2.INTER_AREA).astype(np.float32)[:, :, ::-1] / 255.0
        x = ((x - _MEAN) / _STD).transpose(2, 0, 1)[None].astype(np.float32)
        try:
            prob = np.asarray(self._session.run(None, {self._input: x})[0][0, 0], np.float32)
        except Exception as err:  # onnxruntime's errors derive from Exception only
            raise RuntimeError(f"the text detector failed: {err}") from err
        n, labels, stats, _ = cv2.connectedComponentsWithStats((prob > THRESHOLD).astype(np.uint8))
        parts = [
            ((int(stats[i, 0]), int(stats[i, 1]), int(stats[i, 2]), int(stats[i, 3])), float(prob[labels == i].mean()))
            for i in range(1, n)
            if stats[i, 4] >= MIN_AREA
        ]
        sx, sy = w / nw, h / nh
        found: list[tuple[Box, float]] = []
        for (x0, y0, bw, bh), score in joined(parts):
            if bw < bh:  # a plate's line is wider than it is tall
                continue
            g = GROW * bh
            box = (
                max(0, round((x0 - g) * sx)),
                max(0, round((y0 - g) * sy)),
                round((bw + 2 * g) * sx),
                round((bh + 2 * g) * sy),
            )
            found.append((box, score))
        found.sort(key=lambda bs: (-bs[1], -bs[0][2]))  # the surest first; of equals, the widest (a joined line)
        return found[:limit]


def joined(parts: list[tuple[Box, float]]) -> list[tuple[Box, float]]:
    """Text regions on one line joined: the detector often marks a plate's groups ("AA", "2885", "VG") apart, as
    words. Two regions join when they overlap vertically by at least half the lower one's height, are of like
    height (within a factor JOIN_HEIGHT) and the gap between them is at most JOIN_GAP of that height; the
    joined region's score is its surest part's, so that it comes before its parts (`TextDetector.boxes` keeps
    only the best few: a plate whose three groups each score well would leave out the line that joins them). Each
    part also stays a region of its own."""
    out = list(parts)
    for box, score in parts:
        x0, y0, bw, bh = box
        x1, best = x0 + bw, score
        top, bottom = y0, y0 + bh
        for (ox, oy, ow, oh), other in sorted(parts, key=lambda p: p[0][0]):
            if ox <= x1 - 1 or ox - x1 > JOIN_GAP * max(bh, oh):
                continue
            overlap = min(bottom, oy + oh) - max(top, oy)
            if overlap < 0.5 * min(bh, oh) or max(bh, oh) > JOIN_HEIGHT * min(bh, oh):
                continue
            x1, best = ox + ow, max(best, other)
            top, bottom = min(top, oy), max(bottom, oy + oh)
        if x1 > x0 + bw:
            out.append(((x0, top, x1 - x0, bottom - top), best))
    return out


#: Why the detector is not there ("" when it is, or before the first `model()`).
missing = ""


@once
def model() -> TextDetector | None:
    """The detector, loaded once; None (and `missing` says why) when its package or onnxruntime is not installed."""
    global missing
    path = ppocr.model_path()
    if path is None:
        missing = f"{ppocr.PACKAGE} is not installed"
        return None
    try:
        return TextDetector(ppocr.session(path.with_name(MODEL_FILE)))
    except Exception as err:  # a missing or damaged file, or no onnxruntime
        missing = f"cannot load {path.with_name(MODEL_FILE)}: {err}"
        return None
