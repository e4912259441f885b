"""Tesseract engines: read one prepared text line (dark text on white) into symbols with boxes and confidences.

Two back-ends behind one call, `Engine.read_line(image, whitelist)`:
- `TesserocrEngine` (default when the `tesserocr` binding is installed): the Tesseract C++ API in-process, one
  API object per thread (an API object is not thread-safe; the binding releases the GIL while it recognises), about
  5-15 ms a line;
- `PytesseractEngine`: the `tesseract` command through pytesseract, one process a call, about 200 ms a line, and only
  word boxes (character boxes are spread evenly over their word). Kept as a fallback.
Loading the language model is the only file access, done once per API object. Nothing else here touches files.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from plates.reading import Image

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)


@dataclass(frozen=True)
class Symbol:
    """One character Tesseract read: the character, its confidence (0..1) and its x extent in the line image."""

    char: str
    conf: float
    x0: int
    x1: int


class EngineError(RuntimeError):
    """Tesseract could not be started (no binding, no language data)."""


class Engine(Protocol):
    name: str

    def read_line(self, image: Image, whitelist: str) -> list[Symbol]:
        """The symbols on one line of text (an 8-bit grey image, dark text on white), left to right."""
        ...


def tessdata_dir() -> str:
    """Where the `eng` language data is: $TESSDATA_PREFIX, else the usual system folders."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    candidates = ([prefix, os.path.join(prefix, "tessdata")] if prefix else []) + list(_TESSDATA_DIRS)
    for folder in candidates:
        if os.path.isfile(os.path.join(folder, "eng.traineddata")):
            return folder
    raise EngineError("no Tesseract language data (eng.traineddata) found; set TESSDATA_PREFIX")


class TesserocrEngine:
    """Tesseract through the tesserocr binding: in-process, one API object per thread, single-line mode."""

    name = "tesserocr"

    def __init__(self, lang: str = "eng") -> None:
        try:
            import tesserocr
        except ImportError as err:
            raise EngineError("the tesserocr binding is not installed") from err
        self._tesserocr: Any = tesserocr
        self._path = tessdata_dir()
        self._lang = lang
        self._local = threading.local()

    def _api(self) -> Any:
        api = getattr(self._local, "api", None)
        if api is None:
            t = self._tesserocr
            try:
                api = t.PyTessBaseAPI(path=self._path, lang=self._lang, psm=t.PSM.SINGLE_LINE, oem=t.OEM.LSTM_ONLY)
            except RuntimeError as err:
                raise EngineError(f"Tesseract did not start: {err}") from err
            api.SetVariable("debug_file", "/dev/null")
            self._local.api = api
        return api

    def read_line(self, image: Image, whitelist: str) -> list[Symbol]:
        api = self._api()
        img = np.ascontiguousarray(image)
        api.SetVariable("tessedit_char_whitelist", whitelist)
        api.SetImageBytes(img.tobytes(), img.shape[1], img.shape[0], 1, img.shape[1])
        api.Recognize()
        level = self._tesserocr.RIL.SYMBOL
        out: list[Symbol] = []
        iterator = api.GetIterator()
        if iterator is None:
            return []
        for item in self._tesserocr.iterate_level(iterator, level):
            try:
                char = item.GetUTF8Text(level)
            except RuntimeError:  # an empty line: "No text returned"
                continue
            box = item.BoundingBox(level)
            if char and box is not None:
                out.append(Symbol(char.strip(), max(0.0, min(1.0, item.Confidence(level) / 100.0)), box[0], box[2]))
        return [s for s in out if s.char]


class PytesseractEngine:
    """Tesseract through the `tesseract` command (pytesseract): a process a call; word boxes only."""

    name = "pytesseract"

    def __init__(self) -> None:
        import pytesseract

        self._pt: Any = pytesseract

    def read_line(self, image: Image, whitelist: str) -> list[Symbol]:
        data = self._pt.image_to_data(
            image, config=f"--psm 7 -c tessedit_char_whitelist={whitelist}", output_type=self._pt.Output.DICT
        )
        out: list[Symbol] = []
        for text, conf, left, width in zip(data["text"], data["conf"], data["left"], data["width"], strict=False):
            word = "".join(c for c in str(text) if not c.isspace())
            if not word:
                continue
            step = int(width) / len(word)
            for i, char in enumerate(word):
                x0 = int(left) + round(i * step)
                out.append(Symbol(char, max(0.0, float(conf)) / 100.0, x0, x0 + max(1, round(step))))
        return out


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The fastest engine available here (tesserocr, else pytesseract), made once."""
    global _default
    with _default_lock:
        if _default is None:
            try:
                _default = TesserocrEngine()
            except EngineError:
                _default = PytesseractEngine()
        return _default
