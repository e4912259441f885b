"""The labelled plate sets benchmarks/plates.py reads, and the two general-purpose readers it reads them with as
baselines.

A set is a folder with a `labels.csv` in the shared sets' form (`file,plate_text` and optionally `format_ok` and the
plate's box `x,y,w,h` in pixels): ../shared/data/plates/id-crops and id-street, and what `lane plates export` writes.
Rows with `format_ok` 0 are left out. The shared sets are cut into train, tune and validation parts by
plates_training/split.csv (`plates_training.split`). Each image is given to a reader in one of three ways (`Item.how`):
`crop` (an image that is a plate: `PlateReader.read_crop`, `lane plates read --crop`), `frame` (the whole image, no
box: `PlateReader.__call__`) and `tight` (the labelled box cut out of the photo, given as a frame).

Baselines: `tesseract` (Tesseract 5 on the whole image, `--psm 6`, A-Z0-9 whitelist, no preprocessing) and
`ppocr4` (RapidOCR 1.4's PP-OCRv4 detector and recogniser, the `rapidocr-onnxruntime` package; the tallest text line
found and those beside it, joined left to right). Each is None when its package is missing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from plates.engine import DIGITS, LETTERS, tessdata_dir
from plates.reading import Image
from plates_training import split

DATA = split.DATA
How = Literal["crop", "frame", "tight"]
Baseline = Callable[[Image], str]


@dataclass(frozen=True)
class Item:
    name: str  # the file, relative to its set
    truth: str  # the plate without spaces
    image: Image
    how: How


def rows(folder: Path) -> list[dict[str, str]]:
    """The labelled rows of a set whose label fits the grammar, a shared set's with its wrong labels corrected;
    a missing labels.csv is a one-line error."""
    path = folder / "labels.csv"
    if not path.is_file():
        raise FileNotFoundError(f"no labels.csv in {folder}")
    with path.open(newline="") as f:
        got = [r for r in csv.DictReader(f) if r.get("format_ok", "1") != "0"]
    fixes = split.fixes_for(folder)
    for r in got:  # the shared sets' labels checked by eye and found wrong (plates_training/label_fixes.csv)
        r["plate_text"] = fixes.get(r.get("file", ""), r.get("plate_text", ""))
    for i, r in enumerate(got, start=2):
        if not r.get("file") or not r.get("plate_text"):
            raise ValueError(f"{path}:{i}: a row needs file and plate_text")
    return got


def imread(path: Path) -> Image:
    image = cv2.imread(str(path))
    if image is None:
        raise FileNotFoundError(f"cannot read {path}")
    return np.asarray(image, np.uint8)


def items(folder: Path, how: How, side: str | None = None) -> Iterator[Item]:
    """A set's images given as `how`; only those on `side` of the split ("train", "tune" or "val") when given."""
    sides = split.read_split() if side is not None else {}
    for r in rows(folder):
        if side is not None and sides.get((folder.name, r["file"])) != side:
            continue
        image = imread(folder / r["file"])
        if how == "tight":
            if not r.get("w"):
                continue
            x, y, w, h = (int(r[k]) for k in ("x", "y", "w", "h"))
            image = np.ascontiguousarray(image[max(0, y) : y + h, max(0, x) : x + w])
        yield Item(r["file"], r["plate_text"].replace(" ", ""), image, how)


def has_boxes(folder: Path) -> bool:
    """Whether a set's labels give each plate's box; a missing labels.csv is a one-line error."""
    if not (folder / "labels.csv").is_file():
        raise FileNotFoundError(f"no labels.csv in {folder}")
    with (folder / "labels.csv").open(newline="") as f:
        return "w" in (csv.DictReader(f).fieldnames or [])


def tesseract() -> Baseline | None:
    try:
        import tesserocr
        from PIL import Image as PilImage
    except ImportError:
        return None
    api = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang="eng", psm=tesserocr.PSM.SINGLE_BLOCK)
    api.SetVariable("tessedit_char_whitelist", LETTERS + DIGITS)

    def read(image: Image) -> str:
        api.SetImage(PilImage.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)))
        return _compact(api.GetUTF8Text())

    return read


def ppocr4() -> Baseline | None:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    engine: Any = RapidOCR()

    def read(image: Image) -> str:
        found, _ = engine(image)
        if not found:
            return ""
        lines = [(np.asarray(box, np.float32), str(text)) for box, text, _ in found]
        height = [float(b[:, 1].max() - b[:, 1].min()) for b, _ in lines]
        main = int(np.argmax(height))
        cy = float(lines[main][0][:, 1].mean())
        beside = [ln for ln, h in zip(lines, height, strict=True) if abs(ln[0][:, 1].mean() - cy) < 0.5 * height[main]]
        beside.sort(key=lambda ln: float(ln[0][:, 0].min()))
        return _compact("".join(t for _, t in beside))

    return read


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())
