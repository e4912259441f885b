"""Image files from outside, checked before they are decoded: `load` refuses a missing, empty or oversized file,
then one whose header (`devices.image_header`, read by Pillow, which decodes nothing) says it is not an image or is
larger than `MAX_PIXELS`, and only then decodes it with OpenCV. The plate reader itself (`plates/`) does no I/O and
gets only decoded images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devices.image_header import MAX_PIXELS as MAX_PIXELS  # the cap `load` applies by default
from devices.image_header import problem

#: The largest file read at all.
MAX_FILE_BYTES = 200 * 1024 * 1024


def load(path: Path, max_pixels: int = MAX_PIXELS) -> tuple[np.ndarray | None, str]:
    """The image in a file as 8-bit BGR, or None and the reason (missing, empty, too big, not an image)."""
    import cv2  # loaded by the command that reads images, not when `lane` starts

    try:
        size = path.stat().st_size
        if size == 0:
            return None, "empty file"
        if size > MAX_FILE_BYTES:
            return None, f"file too large ({size} bytes, at most {MAX_FILE_BYTES})"
        data = path.read_bytes()
    except OSError as err:
        return None, f"cannot open: {err.strerror or err}"
    if why := problem(data, max_pixels):
        return None, why
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None, "not an image file"
    return np.asarray(image, np.uint8), ""
