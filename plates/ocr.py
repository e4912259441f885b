"""The lane's plate reader entry points, for `lane/site.py`: `default_reader()`, the default
`plates.reader.PlateReader` (plate finding, line cleaning, the line recognisers, grammar decoding), which a lane
warms up on its reading thread, and `read`, the same as a plain function. Pure."""

from __future__ import annotations

from plates.reader import default_reader, read

__all__ = ["default_reader", "read"]
