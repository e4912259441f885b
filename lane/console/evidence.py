"""The evidence of the selected lane's current cycle, for the officer: the plate crop of the agreed reading
(`var/plates/<lane>-<cycle>.png`) and the driver's photo (`var/photos/...`, named in the lane's snapshot), as
lane/evidence.py writes them beside the site database. Opened in the system image viewer (xdg-open) when there is
a display, else drawn in the terminal: each image downscaled and drawn with half-block characters, two pixels a
cell, by rich-pixels (`pictures`), which any colour terminal shows."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from rich_pixels import HalfcellRenderer, Pixels

from lane.console.state import LaneView
from lane.evidence import plate_name

#: The largest a picture is drawn in the terminal: cells across, and cells down (two pixels each).
MAX_CELLS = (60, 18)


def files(view: LaneView, var: Path) -> dict[str, Path]:
    """The cycle's evidence files that exist: "plate" and "photo" -> path (none for a lane without a cycle)."""
    if view.cycle_id is None:
        return {}
    found = {"plate": var / "plates" / plate_name(view.lane, view.cycle_id)}
    photo = str(view.context.get("photo") or "")
    if photo and Path(photo).name == photo:  # a bare file name, as the lane writes it
        found["photo"] = var / "photos" / photo
    return {what: path for what, path in found.items() if path.is_file()}


def viewer(env: Mapping[str, str] | None = None) -> str | None:
    """The system image viewer to open a file with when there is a display to show it on, else None."""
    env = os.environ if env is None else env
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return None
    return shutil.which("xdg-open")


def open_in_viewer(command: str, paths: list[Path]) -> None:
    """Each file in the viewer, in the background (the console goes on; the viewer's output is not shown)."""
    for path in paths:
        subprocess.Popen(
            [command, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )


def picture(path: Path, cells: tuple[int, int] = MAX_CELLS) -> Pixels | str:
    """The image at `path` drawn in half blocks, at most `cells` (across, down); a one-line reason if it cannot."""
    try:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        image.thumbnail((cells[0], cells[1] * 2))
        pixels: Pixels = Pixels.from_image(image, renderer=HalfcellRenderer())
        return pixels
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as err:
        return f"{path.name}: cannot be shown ({type(err).__name__})"
