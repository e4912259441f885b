"""The expiry line (MM.YY) under a plate's main line, read once a reading is chosen (`plates.reader`): by PP-OCRv6 as
shipped (`ppocr.expiry_view`), its digits only, and kept when at least EXPIRY_TRUST sure; without PP-OCRv6, by
Tesseract on the small line `plates.line` cut. Pure: the models are loaded elsewhere."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from plates import ctc, decode, line, ppocr
from plates.engine import DIGITS, Engine
from plates.reading import Image

EXPIRY_TRUST = 0.5  # an expiry line read less surely than this is not reported (a wrong date is worse than none)


def read(crop: Image, bands: list[line.Band], lines: list[line.Line], engine: Callable[[], Engine]) -> str:
    """The expiry line under the first of `bands` (the main lines `line.find_lines` found in `crop`), "" when it is
    not legible; `engine` gives Tesseract when PP-OCRv6 is not installed. Raises what Tesseract raises."""
    second = ppocr.model()
    if second is not None and bands:
        with contextlib.suppress(RuntimeError):  # a failing run: Tesseract, below
            raw, sure = ctc.digits(second.posteriors([ppocr.expiry_view(crop, bands[0])])[0])
            return decode.parse_expiry(raw) if sure >= EXPIRY_TRUST else ""
    small = next((ln.expiry for ln in lines if ln.expiry is not None), None)
    if small is None:
        return ""
    return decode.parse_expiry("".join(sym.char for sym in engine().read_line(small, DIGITS + ".")))
