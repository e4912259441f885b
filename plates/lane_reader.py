"""The lane's plate reader, for `lane/site.py`: `lane_reader()`, a `plates.reader.PlateReader`
(plate finding, line cleaning, the line recognisers, grammar decoding) as a lane uses it: each camera frame's plate,
without the expiry line, which the lane does not record (reading it would double a frame's time); `read`, the
default reader (expiry included) as a plain function. Pure."""

from __future__ import annotations

from plates.once import once
from plates.reader import PlateReader, ReaderSettings, read

__all__ = ["lane_reader", "read"]


@once
def lane_reader() -> PlateReader:
    """The reader a lane reads its camera's frames with, one per process."""
    return PlateReader(ReaderSettings(expiry=False))
