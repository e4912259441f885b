"""An image file's size read from its header, before anything decodes it.

OpenCV decodes a whole image before anyone can look at its size: a 389 KB PNG that says 20000 x 20000 pixels
takes 1.2 GB as BGR (2.4 GB at the peak) before it can be refused. Pillow reads only the header when it opens an
image, so `problem` asks Pillow for the size and refuses an image over the cap, or one Pillow cannot place, without
decoding a pixel. Used by the camera that plays a folder of images (devices/camera_cv.py) and by every image file
the lane reads from outside (lane/image_file.py).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

#: The largest image decoded: a camera frame is at most some 12 megapixels (4000 x 3000); 50 leaves room for a
#: scanned photograph. An 8-bit BGR image of 50 megapixels is 150 MB.
MAX_PIXELS = 50_000_000
#: The formats Pillow may parse a header of (what OpenCV decodes); no other parser sees a file from outside.
FORMATS = ("PNG", "JPEG", "BMP", "TIFF", "WEBP", "PPM", "GIF")

# Pillow warns of an image over 89 megapixels when it opens one; `problem` refuses those anyway. Set once here:
# warnings.catch_warnings is not safe in the cameras' reader threads.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


def problem(source: bytes | Path, max_pixels: int = MAX_PIXELS, formats: tuple[str, ...] = FORMATS) -> str:
    """Why the image in `source` (its bytes, or a file) must not be decoded, "" when it may: not an image of
    `formats`, a size of zero, or more than `max_pixels` pixels by its header. Reads the header only."""
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source, formats=formats) as image:
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
