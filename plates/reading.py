"""What a plate reader returns: a reading (plate text, confidence, region) or a reason there is none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PlateReading:
    text: str  # normalised "G 1234 AB"
    confidence: float  # 0..1
    region: str = ""
    box: tuple[int, int, int, int] | None = None  # x, y, w, h in the frame


@dataclass(frozen=True)
class NoPlate:
    reason: str


#: A reader: a frame (BGR image) in, a reading or the reason there is none out. Pure and thread-safe.
Reader = Callable[[np.ndarray[Any, np.dtype[np.uint8]]], PlateReading | NoPlate]
