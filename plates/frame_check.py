"""A frame checked before the reader looks for a plate in it: `check_image` gives the image as 8-bit BGR or grey
(16-bit, float, one- and four-channel images converted), or the reason it cannot hold a readable plate (not an
image, empty, too small, too large, black, over-exposed, blank). Pure.
"""

from __future__ import annotations

import cv2
import numpy as np

from plates.reading import Image

MAX_PIXELS = 50_000_000  # larger frames are refused: no lane camera sends them


def check_image(image: object) -> tuple[Image, None] | tuple[None, str]:
    """The image as 8-bit BGR or grey, or the reason it cannot hold a readable plate."""
    if not isinstance(image, np.ndarray):
        return None, "not an image"
    if image.size == 0 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        return None, "empty image" if image.size == 0 else f"not an image (shape {image.shape})"
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image // 257).astype(np.uint8)
        elif image.dtype.kind == "f" and np.isfinite(image).all():
            image = np.clip(image * (255.0 if float(image.max(initial=0.0)) <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        else:
            return None, f"not an 8-bit image (dtype {image.dtype})"
    if image.ndim == 3:
        image = image[:, :, 0] if image.shape[2] == 1 else image[:, :, :3]
    h, w = image.shape[:2]
    if min(h, w) < 16 or w < 40:
        return None, f"image too small ({w}x{h})"
    if h * w > MAX_PIXELS:
        return None, f"image too large ({w}x{h})"
    small = cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA)
    mean, spread = float(small.mean()), float(small.std())
    if spread < 4.0:
        return None, "over-exposed image" if mean > 200 else "black image" if mean < 50 else "blank image"
    return np.ascontiguousarray(image), None
