"""Evidence image files kept with a cycle: the driver's photos (`var/photos/<lane>-<cycle>-<retries>-<tag>.jpg`)
and the plate crop of the agreed reading (`var/plates/<lane>-<cycle>.png`), written private to the lane's user
(lane.privacy). lane.retention removes them by these names; the card printing reads a photo back after a restart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2

from flows.bookkeeping import cycle_name
from lane.privacy import private_dir, private_file


def photo_name(lane: str, cycle: int | None, retries: int, tag: str) -> str:
    """The file name of a driver photo: `tag` is "ok" (passed the gate) or "rejected"."""
    return f"{cycle_name(lane, cycle)}-{retries}-{tag}.jpg"


def plate_name(lane: str, cycle: int | None) -> str:
    """The file name of a cycle's plate crop."""
    return f"{cycle_name(lane, cycle)}.png"


def save_photo(photo_dir: Path | None, name: str, image: Any) -> None:
    """Write a driver photo as `photo_dir/name` (nothing without a folder or an image)."""
    if photo_dir is not None and image is not None:
        private_dir(photo_dir)
        if cv2.imwrite(str(photo_dir / name), image, [cv2.IMWRITE_JPEG_QUALITY, 92]):
            private_file(photo_dir / name)


def save_plate_crop(photo_dir: Path | None, name: str, crop: Any) -> None:
    """Write a plate crop as `name` in the `plates` folder beside `photo_dir` (nothing without either)."""
    if photo_dir is not None and crop is not None:
        folder = private_dir(photo_dir.parent / "plates")
        if cv2.imwrite(str(folder / name), crop, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
            private_file(folder / name)


def load_photo(photo_dir: Path | None, name: str) -> Any:
    """A driver photo read back (after a restart), or None when there is no such file."""
    if photo_dir is None or not name:
        return None
    return cv2.imread(str(photo_dir / name))
