"""The line recogniser: a plate's main line read whole, without cutting it into characters.

A view of the line (`band_view`: the band around the main line that `plates.line` found, levelled and stretched to
HEIGHT x WIDTH grey; or `crop_view`: the whole plate crop) goes through a small fully-convolutional network (conv,
batch norm, ReLU, pooling; a last 1x1 convolution gives each of the view's WIDTH/4 columns a probability for the
CTC blank and every digit and letter), and `plates.ctc` picks the likeliest plate the grammar allows. The network
was trained on synthetic plates only (`plates_training.line_data`, `plates_training.line_train`, with torch) and
is the file line_model.onnx beside this module, run with OpenCV's DNN module: loading it is the only file access
here. No torch at run time. Thread-safe: one network per thread.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from plates import ctc
from plates.line import Band, to_grey
from plates.once import once
from plates.reading import Image, u8

HEIGHT, WIDTH = 32, 160  # the network's input, grey
COLUMNS = WIDTH // 4  # output columns, each a distribution over CLASSES
CLASSES = 1 + len(ctc.ALPHABET)  # the CTC blank, then the digits and letters
LETTERS, DIGITS = ctc.LETTERS, ctc.DIGITS
BAND = 0.8  # a band view reaches this many character heights above and below the line's centre
MARGIN = 0.6  # ... and this many beyond its first and last character
#: The band views read of each line, as (reach, margin): the usual one, a tighter and a wider. The line finder
#: misjudges a line's height and ends now and then; the likeliest reading among the views wins. The reader reads the
#: others only when the usual one (or the whole crop) gives no sure reading.
VIEWS = ((BAND, MARGIN), (0.7, 0.4), (0.95, 0.8))
MODEL_PATH = Path(__file__).with_name("line_model.onnx")
Floats = np.ndarray[Any, np.dtype[np.float32]]


def band_view(image: Image, band: Band, margin: float = MARGIN, reach: float = BAND) -> Image:
    """The band around a main line, `reach` character heights above and below its centre and `margin` beyond its
    ends, levelled and scaled to HEIGHT x WIDTH grey (stretched as needed)."""
    return warp_band(to_grey(image), band, margin, reach, (WIDTH, HEIGHT))


def band_box(band: Band, margin: float, reach: float) -> tuple[float, float, float, float]:
    """The band around a main line once levelled (see `band_view`): its left, top, width and height in pixels."""
    hm = max(band.height, 2.0)
    bx0, by0 = band.x0 - margin * hm, band.cy - reach * hm
    return bx0, by0, max(band.x1 + margin * hm - bx0, hm), 2 * reach * hm


def warp_band(image: Image, band: Band, margin: float, reach: float, size: tuple[int, int]) -> Image:
    """The band around a main line (see `band_view`) levelled and scaled to `size` (width, height), in the image's
    own channels."""
    bx0, by0, bw, bh = band_box(band, margin, reach)
    width, height = size
    turn = cv2.getRotationMatrix2D((band.cx, band.cy), band.angle, 1.0)
    shrink = min(1.0, 1.5 * height / bh)
    if shrink < 0.9:  # scale down first, so the warp does not alias
        image = u8(cv2.resize(image, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA))
        turn = turn @ np.diag([1.0 / shrink, 1.0 / shrink, 1.0])
    fit = np.array([[width / bw, 0.0, -bx0 * width / bw], [0.0, height / bh, -by0 * height / bh]])
    whole = fit @ np.vstack([turn, [0.0, 0.0, 1.0]])
    return u8(cv2.warpAffine(image, whole, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))


def band_views(image: Image, band: Band, which: tuple[tuple[float, float], ...] = VIEWS) -> list[Image]:
    """Views of a main line, one for each (reach, margin) of `which` (the reader's: `VIEWS`)."""
    return [band_view(image, band, margin, reach) for reach, margin in which]


def crop_view(crop: Image) -> Image:
    """A whole plate crop scaled to HEIGHT x WIDTH grey."""
    grey = to_grey(crop)
    method = cv2.INTER_AREA if grey.shape[0] > HEIGHT else cv2.INTER_LINEAR
    return u8(cv2.resize(grey, (WIDTH, HEIGHT), interpolation=method))


def blob(views: list[Image]) -> Floats:
    """Views as the network's input (N x 1 x HEIGHT x WIDTH), each with its own mean and contrast taken out."""
    x = np.stack([v.astype(np.float32) for v in views])[:, None]
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    spread = x.std(axis=(1, 2, 3), keepdims=True)
    out: Floats = ((x - mean) / (spread + 8.0)).astype(np.float32)
    return out


class LineNet:
    """The ONNX network under OpenCV: views in, posteriors (N x COLUMNS x CLASSES) out."""

    def __init__(self, model: bytes) -> None:
        self._model = model
        self._local = threading.local()

    def _net(self) -> Any:
        net = getattr(self._local, "net", None)
        if net is None:
            net = cv2.dnn.readNetFromONNX(np.frombuffer(self._model, np.uint8))
            self._local.net = net
        return net

    def posteriors(self, views: list[Image]) -> Floats:
        if not views:
            return np.zeros((0, COLUMNS, CLASSES), np.float32)
        net = self._net()
        net.setInput(blob(views))
        logits = np.asarray(net.forward(), np.float32).reshape(len(views), CLASSES, -1).transpose(0, 2, 1)
        logits -= logits.max(axis=2, keepdims=True)
        e = np.exp(logits)
        out: Floats = (e / e.sum(axis=2, keepdims=True)).astype(np.float32)
        return out

    def read(self, views: list[Image]) -> list[ctc.CtcResult | None]:
        """The likeliest grammatical plate in each view (None where none fits)."""
        return [ctc.decode_ctc(p) for p in self.posteriors(views)]


def load(path: Path) -> LineNet:
    """A recogniser from an ONNX file of the shipped one's shape (a site's own fine-tuned model); ValueError with
    the path when it cannot be read or run."""
    try:
        net = LineNet(path.read_bytes())
        net.posteriors([np.full((HEIGHT, WIDTH), 128, np.uint8)])
    except (OSError, ValueError, cv2.error) as err:
        raise ValueError(f"cannot load the line model {path}: {err}") from err
    return net


@once
def model() -> LineNet | None:
    """The bundled recogniser, loaded once; None when line_model.onnx is missing."""
    return LineNet(MODEL_PATH.read_bytes()) if MODEL_PATH.is_file() else None
