"""Image files from outside, checked before they are decoded.

OpenCV decodes a whole image before anyone can look at its size: a 389 KB PNG that says 20000 x 20000 pixels
takes 1.2 GB as BGR (2.4 GB at the peak) before it can be refused. Pillow reads only an image's header when it
opens it (`PIL.Image.open(...).size`), so `check` asks Pillow for the size first and refuses an image over
`MAX_PIXELS` (or a per-use cap), or one Pillow cannot place, without decoding a pixel. `load` reads a file with
these checks and then decodes it with OpenCV. The plate reader itself (`plates/`) does no I/O and gets only
decoded images.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

#: The largest image decoded: a camera frame is at most some 12 megapixels (4000 x 3000); 50 leaves room for a
#: scanned photograph. An 8-bit BGR image of 50 megapixels is 150 MB.
MAX_PIXELS = 50_000_000
#: The largest file read at all.
MAX_FILE_BYTES = 200 * 1024 * 1024
#: The formats Pillow may parse a header of (what OpenCV decodes); no other parser sees a file from outside.
FORMATS = ("PNG", "JPEG", "BMP", "TIFF", "WEBP", "PPM", "GIF")


def check(data: bytes, max_pixels: int = MAX_PIXELS) -> str:
    """Why the image in `data` must not be decoded ("" when it may): not an image Pillow knows, a size of zero,
    or more than `max_pixels` pixels by its header. Reads the header only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return f"image too large (over {max_pixels / 1e6:g} megapixels by its header), not decoded"
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return "not an image file"
    if width <= 0 or height <= 0:
        return f"not an image file (its header says {width} x {height} pixels)"
    if width * height > max_pixels:
        return f"image too large ({width} x {height} pixels, at most {max_pixels / 1e6:g} megapixels), not decoded"
    return ""


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
    if why := check(data, max_pixels):
        return None, why
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None, "not an image file"
    return np.asarray(image, np.uint8), ""
