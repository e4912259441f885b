"""What a plate reader returns: a reading (plate text, confidence, region, expiry, evidence crop) or the reason
there is none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np

#: An 8-bit image: BGR (h, w, 3) or grey (h, w).
Image = np.ndarray[Any, np.dtype[np.uint8]]


def u8(array: Any) -> Image:
    """An OpenCV result typed as the 8-bit image it is (OpenCV's stubs type results as any number array)."""
    return cast(Image, array)


@dataclass(frozen=True)
class PlateReading:
    text: str  # normalised "G 1234 AB"
    confidence: float  # 0..1
    region: str = ""  # the region the prefix stands for, e.g. "Pekalongan, Batang, ..."
    box: tuple[int, int, int, int] | None = None  # x, y, w, h in the frame
    expiry: str = ""  # "MM.YY" from the plate's small line, "" when not legible
    char_confidences: tuple[float, ...] = ()  # one per character of `text` without spaces
    crop: Image | None = field(default=None, compare=False, repr=False)  # the plate as seen: evidence
    frames: int = 1  # how many frames agreed on this reading (the voter sets it)

    @property
    def compact(self) -> str:
        """The characters without spaces, "G1234AB"."""
        return self.text.replace(" ", "")


@dataclass(frozen=True)
class NoPlate:
    reason: str


#: A reader: a frame (BGR image) in, a reading or the reason there is none out. Pure and thread-safe.
Reader = Callable[[Image], PlateReading | NoPlate]


@runtime_checkable
class WarmsUp(Protocol):
    """A reader that can load its models ahead of its first read (`plates.reader.PlateReader.warm_up`), on the
    thread that will read; a plain function reader has nothing to load."""

    def warm_up(self) -> None: ...
