"""Training views of the line recogniser cut from REAL plates: the train part of the shared sets
(plates_training/split.csv; never the tune or validation part) and any folder a lane exported (`lane plates export`).

Each labelled image is cut into the views the reader gives its network at read time (`plates.line` finds the main
line, `line_net.band_views` levels the band around it at each of `line_net.VIEWS`, and `line_net.crop_view` the
whole crop): an id-crops image as it is, a street photo as the reader cuts a found plate (its labelled box with a
margin), at a few margins so the network sees the line where the finder would put it. Images whose main line is not
found give only the whole-crop view. Labels that do not fit the grammar (`format_ok` 0) are left out.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from plates import ctc, grammar, line, line_net
from plates.reading import Image
from plates_training import split

MARGINS = ((0.08, 0.12), (0.03, 0.05), (0.15, 0.25))  # (x, y) margins around a labelled box, as shares of its size


def views(crop: Image) -> list[Image]:
    """The views the reader's network reads of one plate crop."""
    grey = line.to_grey(crop)
    out = [line_net.crop_view(grey)]
    for ln in line.find_lines(crop, 2, 1.0):
        if ln.band is not None:
            out += line_net.band_views(grey, ln.band, line_net.VIEWS)
    return out


def crops(image: Image, row: dict[str, str]) -> list[Image]:
    """The plate crops of one labelled image: itself, or its box at each of MARGINS."""
    if not row.get("w"):
        return [image]
    x, y, w, h = (int(row[k]) for k in ("x", "y", "w", "h"))
    out = []
    for mx, my in MARGINS:
        dx, dy = int(mx * w), int(my * h)
        out.append(np.ascontiguousarray(image[max(0, y - dy) : y + h + dy, max(0, x - dx) : x + w + dx]))
    return out


def from_folder(folder: Path, side: str | None) -> tuple[list[Image], list[str]]:
    """The views of a labelled folder and their texts (without spaces); only `side` of the split when given."""
    sides = split.read_split() if side is not None else {}
    out: list[Image] = []
    texts: list[str] = []
    with (folder / "labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        text = r["plate_text"].replace(" ", "")
        if r.get("format_ok", "1") == "0" or not grammar.is_valid(text) or any(c not in ctc.ALPHABET for c in text):
            continue
        if side is not None and sides.get((folder.name, r["file"])) != side:
            continue
        image = cv2.imread(str(folder / r["file"]))
        if image is None:
            continue
        for crop in crops(np.asarray(image, np.uint8), r):
            got = views(crop)
            out += got
            texts += [text] * len(got)
    return out, texts


def train_part() -> tuple[np.ndarray, list[str]]:
    """All views of the shared sets' train part (N x HEIGHT x WIDTH uint8) and their texts."""
    images: list[Image] = []
    texts: list[str] = []
    for name in split.SETS:
        got, labels = from_folder(split.DATA / name, "train")
        images += got
        texts += labels
    return np.stack(images) if images else np.zeros((0, line_net.HEIGHT, line_net.WIDTH), np.uint8), texts
