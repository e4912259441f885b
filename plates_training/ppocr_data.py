"""Training and tuning images of the plate recogniser (`plates_training.ppocr_tune`): whole plate crops, in colour,
as the reader gives them to it (`plates.ppocr.shaped`: 48 high, width in proportion).

- Real: the TRAIN part of the shared sets (plates_training/split.csv), and any folder a lane exported (`lane plates
  export`), each a labelled image: an id-crops image is a plate already; a street photo is cut at its labelled box
  with a margin drawn afresh each time (tighter and looser than the reader's), turned a little. Then changed at
  random (`augment`): light and contrast, the other polarity now and then (a black plate's photo made a white
  plate's), blur, noise, JPEG, and seen smaller (plates 90-130 px wide in a street camera's frame).
- Synthetic (`synthetic`): plates drawn from fonts by `plates_training.line_data.photograph` (both colour schemes,
  the plate fonts, motorcycle sizes, dirt, glare, blur, JPEG, perspective), cut out the same way.
- Tune (`tune_part`): the TUNE part, cut exactly as the reader cuts a plate it found (`CUT_MARGIN`), unchanged:
  what chooses the checkpoint kept. The validation part is never read here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from plates import ctc, grammar
from plates.reading import Image, u8
from plates_training import glyph_data, line_data, split

CUT_MARGIN = (0.08, 0.12)  # the reader's margin around a found plate's box (x, y), as shares of its size


@dataclass(frozen=True)
class Labelled:
    image: Image  # BGR
    box: tuple[int, int, int, int] | None  # the plate's box in it, or None when the image is the plate
    text: str  # compact (no spaces)


def read_folder(folder: Path, side: str | None, *, foreign: bool = False) -> list[Labelled]:
    """A labelled folder's plates (only `side` of the split when given), leaving out labels the grammar refuses
    (unless `foreign`: another country's plates, whose text is only held to the plate alphabet); a shared set's
    wrong labels corrected (`split.label_fixes`)."""
    sides = split.read_split() if side is not None else {}
    fixes = split.fixes_for(folder)
    out: list[Labelled] = []
    with (folder / "labels.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            text = fixes.get(r["file"], r["plate_text"]).replace(" ", "")
            if not foreign and (r.get("format_ok", "1") == "0" or not grammar.is_valid(text)):
                continue
            if not text or any(c not in ctc.ALPHABET for c in text):
                continue
            if side is not None and sides.get((folder.name, r["file"])) != side:
                continue
            image = cv2.imread(str(folder / r["file"]), cv2.IMREAD_COLOR)
            if image is None:
                continue
            box = tuple(int(r[k]) for k in ("x", "y", "w", "h")) if r.get("w") else None
            out.append(Labelled(u8(image), box, text))  # type: ignore[arg-type]
    return out


def part(side: str) -> list[Labelled]:
    return [item for name in split.SETS for item in read_folder(split.DATA / name, side)]


def cut(item: Labelled, margin: tuple[float, float, float, float] | None = None, angle: float = 0.0) -> Image:
    """The plate of `item` with margins (left, top, right, bottom, as shares of the box), turned by `angle`."""
    if item.box is None:
        return item.image
    x, y, w, h = item.box
    img = item.image
    if angle:
        turn = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), angle, 1.0)
        img = u8(cv2.warpAffine(img, turn, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REPLICATE))
    ml, mt, mr, mb = margin if margin is not None else (CUT_MARGIN[0], CUT_MARGIN[1], CUT_MARGIN[0], CUT_MARGIN[1])
    x0, x1 = max(0, int(x - ml * w)), min(img.shape[1], int(x + w + mr * w))
    y0, y1 = max(0, int(y - mt * h)), min(img.shape[0], int(y + h + mb * h))
    return np.ascontiguousarray(img[y0:y1, x0:x1])


def augment(rng: np.random.Generator, crop: Image) -> Image:
    """A plate crop changed at random, as another camera or day would show it."""
    img = crop.astype(np.float32)
    if rng.random() < 0.25:  # the other polarity: white plates with black characters from black ones
        img = 255.0 - img
    if rng.random() < 0.5:  # seen smaller: 90-130 px wide plates in a street camera
        width = float(rng.uniform(70, 160))
        k = min(1.0, width / img.shape[1])
        small = cv2.resize(img, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        img = np.asarray(cv2.resize(small, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_LINEAR), np.float32)
    if rng.random() < 0.3:
        img = np.asarray(cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.3, 1.4))), np.float32)
    img = np.asarray(img * rng.uniform(0.6, 1.3) + rng.uniform(-40, 40) + rng.uniform(-15, 15, 3), np.float32)
    if rng.random() < 0.4:
        img = np.asarray(img + rng.normal(0, rng.uniform(2, 12), img.shape), np.float32)
    out = u8(np.clip(img, 0, 255).astype(np.uint8))
    if rng.random() < 0.4:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(20, 90))])
        if ok:
            out = u8(cv2.imdecode(buf, cv2.IMREAD_COLOR))
    return out


def real_sample(rng: np.random.Generator, item: Labelled) -> Image:
    """One changed view of a real labelled plate."""
    margin = (
        float(rng.uniform(0.0, 0.2)),
        float(rng.uniform(-0.04, 0.3)),
        float(rng.uniform(0.0, 0.2)),
        float(rng.uniform(-0.04, 0.3)),
    )
    crop = cut(item, margin, float(rng.normal(0, 2.5)))
    if item.box is None and rng.random() < 0.5:  # a crop given: trimmed or padded a little
        h, w = crop.shape[:2]
        dx, dy = int(rng.uniform(0, 0.06) * w), int(rng.uniform(0, 0.08) * h)
        crop = np.ascontiguousarray(crop[dy : h - dy, dx : w - dx])
    return augment(rng, crop)


def synthetic(seed: int, count: int) -> tuple[list[Image], list[str]]:
    """`count` synthetic plate crops (BGR) and their texts, seeded."""
    rng = np.random.default_rng(seed)
    faces = glyph_data.fonts()
    faces += [f for f in faces if "DIN" in f] * 3
    images: list[Image] = []
    texts: list[str] = []
    for _ in range(count):
        groups = line_data.random_text(rng)
        img, plate, _ = line_data.photograph(rng, groups, faces[int(rng.integers(0, len(faces)))])
        lo, hi = plate.min(axis=0), plate.max(axis=0)
        size = hi - lo
        a = lo - size * rng.uniform(-0.03, 0.15, 2)
        b = hi + size * rng.uniform(-0.03, 0.15, 2)
        crop = img[max(0, int(a[1])) : max(1, int(b[1])), max(0, int(a[0])) : max(1, int(b[0]))]
        if crop.shape[0] < 8 or crop.shape[1] < 16:
            continue
        images.append(u8(np.ascontiguousarray(crop)))
        texts.append("".join(groups))
    return images, texts


def tune_part() -> tuple[list[Image], list[str]]:
    """The tune part's plates, cut as the reader cuts them: these choose the checkpoint."""
    items = part("tune")
    return [cut(it) for it in items], [it.text for it in items]


#: Lettering near a plate that is no plate: stickers, dealer frames, years, phone numbers.
WORDS = ("PAJAK", "SAMSAT", "HONDA", "YAMAHA", "SUZUKI", "TOYOTA", "DAIHATSU", "MOTOR", "JAYA", "SINAR", "POLRI")


def negatives(seed: int, count: int) -> list[Image]:
    """`count` images that are no plate, each to be read as nothing (an empty CTC target), seeded: a synthetic
    plate's expiry line alone, its top half, its right part from within its number (digits first: no region),
    and lettering on a plate-like ground (a sticker's or a dealer frame's words and numbers, never a text the
    grammar allows)."""
    rng = np.random.default_rng(seed)
    faces = glyph_data.fonts()
    out: list[Image] = []
    while len(out) < count:
        kind = int(rng.integers(0, 4))
        if kind == 3:
            groups = [str(rng.choice(WORDS))]
            if rng.random() < 0.7:
                groups.append(str(rng.integers(1, 10000)))
            if grammar.is_valid("".join(groups)):
                continue
        else:
            groups = line_data.random_text(rng)
        img, plate, text = line_data.photograph(rng, groups, faces[int(rng.integers(0, len(faces)))])
        (px0, py0), (px1, py1) = plate.min(axis=0), plate.max(axis=0)
        (tx0, ty0), (tx1, ty1) = text.min(axis=0), text.max(axis=0)
        if kind == 0:  # the expiry line: under the main line to the plate's bottom
            y0, y1, x0, x1 = ty1 + 0.05 * (ty1 - ty0), py1, px0, px1
        elif kind == 1:  # the top half: the main line cut through its characters
            y0, y1, x0, x1 = py0, ty0 + rng.uniform(0.3, 0.6) * (ty1 - ty0), px0, px1
        elif kind == 2:  # from within the number to the right edge
            n = len("".join(groups)) + 2
            first = (len(groups[0]) + 1.3) / n
            last = (len(groups[0]) + 1 + len(groups[1])) / n
            x0 = tx0 + rng.uniform(first, max(first, last)) * (tx1 - tx0)
            y0, y1, x1 = py0, py1, px1
        else:
            y0, y1, x0, x1 = py0, py1, px0, px1
        crop = img[max(0, int(y0)) : max(1, int(y1)), max(0, int(x0)) : max(1, int(x1))]
        if crop.shape[0] >= 8 and crop.shape[1] >= 16:
            out.append(u8(np.ascontiguousarray(crop)))
    return out
