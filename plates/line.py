"""Straighten and clean a plate crop: find the row of main characters, level it, cut it out as a clean line image
(dark characters on white, everything that is not a character blanked), and cut out the small expiry line below it.

The main line is the longest left-to-right chain of character-shaped blobs of one height on one baseline, looked for
in both polarities (white characters on black, black on white) and at a few local thresholds. Plate frames are
removed as long straight strokes; bolts, dots and stickers as blobs of the wrong height. Pure functions.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import cv2
import numpy as np

from plates.reading import Image, u8

WORK_HEIGHT = 120  # the crop is scaled to this height to look for the characters
CHAR_HEIGHT = 40  # main characters are this tall in the line image given to Tesseract
PAD = 12  # white border around the line image
MIN_CONTRAST = 1.05  # rows of blobs standing out less than this from their surroundings are chance, not print
_THRESHOLDS = ((0.5, 8.0), (0.5, 16.0), (0.25, 6.0))  # (block as a share of WORK_HEIGHT, offset) for the masks


@dataclass(frozen=True)
class Blob:
    x: int
    y: int
    w: int
    h: int
    area: int

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Band:
    """Where a main line is in the crop it was found in: its centre, slope (degrees, as it is levelled: turned by
    `angle` about the centre), character height, and the x extent of its characters once levelled."""

    cx: float
    cy: float
    angle: float
    height: float
    x0: float
    x1: float


@dataclass(frozen=True)
class Line:
    """The main line of a plate, ready for Tesseract, and what is known about its layout."""

    image: Image  # dark text on white, characters CHAR_HEIGHT tall, PAD of white around
    glyphs: tuple[tuple[int, int], ...]  # (x, width) of each character blob in `image`, left to right
    light_text: bool  # white characters on a dark plate
    angle: float  # degrees the crop was turned to level the line
    expiry: Image | None  # the small second line, same form as `image`, or None when there is none
    score: float  # how plate-like the chain was (number of characters, and their regularity)
    contrast: float  # characters against the plate around them, in standard deviations of the plate's grey
    band: Band | None = None  # where the line is in the crop given to `find_lines`

    @property
    def breaks(self) -> list[int]:
        """x positions in `image` of the wide gaps that separate groups of characters."""
        g = self.glyphs
        return [
            (g[i][0] + g[i][1] + g[i + 1][0]) // 2
            for i in range(len(g) - 1)
            if g[i + 1][0] - g[i][0] - g[i][1] >= 0.6 * CHAR_HEIGHT
        ]


def to_grey(image: Image) -> Image:
    """The image in grey (a grey image as it is)."""
    return image if image.ndim == 2 else u8(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


def grey_for(image: Image, light_text: bool) -> Image:
    """A grey image where the characters stand out: characters are achromatic, plates may be coloured, so white
    characters are brightest in the darkest channel and black characters darkest in the brightest channel."""
    if image.ndim == 2:
        return image
    b, g, r = cv2.split(image)
    out = u8(cv2.min(cv2.min(b, g), r) if light_text else cv2.max(cv2.max(b, g), r))
    return out


def text_mask(grey: Image, light_text: bool, block: int, offset: float) -> Image:
    """Pixels brighter (light text) or darker than their neighbourhood's mean by more than `offset`."""
    g = grey.astype(np.float32)
    if not light_text:
        g = 255.0 - g
    mean = cv2.blur(g, (block, block))
    mask: Image = ((g - mean) > offset).astype(np.uint8) * 255
    return mask


def blobs(mask: Image, min_h: int = 1, max_h: int = 1 << 30) -> list[Blob]:
    """The 8-connected blobs of a mask whose height is within [min_h, max_h]."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    rows = stats[1:][(heights >= min_h) & (heights <= max_h)]
    return [Blob(int(x), int(y), int(w), int(h), int(a)) for x, y, w, h, a in rows[:, :5].tolist()]


def chain(found: list[Blob], height: int) -> list[Blob]:
    """The longest left-to-right chain of character-like blobs of similar height on one line (a DAG longest path)."""
    cand = [
        b
        for b in found
        if 0.2 * height <= b.h <= 0.95 * height and b.h >= 8 and b.w <= 1.3 * b.h and b.area >= 0.08 * b.w * b.h
    ]
    cand.sort(key=lambda b: b.x)
    cand = cand[:80]
    n = len(cand)
    if n == 0:
        return []
    length = [1] * n
    prev = [-1] * n
    for j in range(n):
        bj = cand[j]
        for i in range(j):
            bi = cand[i]
            if not 0.75 <= bj.h / bi.h <= 1.33 or length[i] + 1 <= length[j]:
                continue
            hm = (bi.h + bj.h) / 2
            if abs(bj.cy - bi.cy) > 0.3 * hm or bj.x < bi.x + bi.w * 0.6 or bj.x - (bi.x + bi.w) > 2.8 * hm:
                continue
            length[j] = length[i] + 1
            prev[j] = i
    j = int(np.argmax(length))
    out: list[Blob] = []
    while j >= 0:
        out.append(cand[j])
        j = prev[j]
    return out[::-1]


def _chain_score(found: list[Blob]) -> float:
    if not found:
        return 0.0
    heights = np.array([b.h for b in found], dtype=np.float32)
    spread = float(heights.std() / max(1.0, float(heights.mean())))
    return len(found) - 2.0 * spread


def _strip_lines(mask: Image, hm: float) -> Image:
    """Remove strokes longer than any character: the plate's frame, edges of the plate and bumper."""
    horiz = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(1.4 * hm), 1)))
    vert = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(1.25 * hm))))
    out = u8(cv2.subtract(mask, cv2.bitwise_or(horiz, vert)))
    return out


def _row_blobs(mask: Image, top: float, bottom: float, lo: float, hi: float) -> list[Blob]:
    """Blobs whose height is between lo and hi character heights and that sit on the row [top, bottom)."""
    hm = bottom - top
    out = []
    for b in blobs(mask):
        if min(b.y + b.h, bottom) - max(b.y, top) < 0.5 * min(b.h, hm) or not lo * hm <= b.h <= hi * hm:
            continue
        if b.w < 0.06 * hm or (b.w < 0.3 * hm and (b.y < top - 0.2 * hm or b.y + b.h > bottom + 0.2 * hm)):
            continue  # a sliver, or a thin stroke sticking out of the row: what is left of a frame
        out.append(b)
    return out


def _merge(found: list[Blob]) -> list[tuple[int, int]]:
    """(x, w) spans of blobs, with blobs that overlap horizontally (pieces of one broken character) merged."""
    spans: list[tuple[int, int]] = []
    for b in sorted(found, key=lambda b: b.x):
        if spans and b.x < spans[-1][0] + spans[-1][1] - 0.3 * min(b.w, spans[-1][1]):
            x, w = spans[-1]
            spans[-1] = (x, max(x + w, b.x + b.w) - x)
        else:
            spans.append((b.x, b.w))
    return spans


def _band(grey: Image, mask: Image, y0: float, y1: float, x0: float, x1: float, hm: float, light: bool) -> Image:
    """The grey band [y0, y1) x [x0, x1) with non-character pixels blanked, dark on white, scaled to CHAR_HEIGHT."""
    h, w = grey.shape[:2]
    ya, yb, xa, xb = max(0, int(y0)), min(h, int(y1)), max(0, int(x0)), min(w, int(x1))
    band = grey[ya:yb, xa:xb].astype(np.float32)
    if light:
        band = 255.0 - band
    lo, hi = np.percentile(band, (5, 95))
    band = np.clip((band - lo) * 255.0 / max(float(hi - lo), 1.0), 0, 255)
    keep = cv2.dilate(mask[ya:yb, xa:xb], np.ones((3, 3), np.uint8))
    band = np.where(keep > 0, band, 255.0)
    scale = CHAR_HEIGHT / hm
    out = u8(
        cv2.resize(
            band.astype(np.uint8),
            None,
            fx=scale,
            fy=scale,
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC,
        )
    )
    return out


def _split_wide(band: Image, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split spans too wide for one character where the ink is thinnest: characters that touch."""
    ink = (255.0 - band.astype(np.float32)).sum(axis=0)
    out: list[tuple[int, int]] = []
    for x, w in spans:
        pieces = round(w / (0.55 * CHAR_HEIGHT))
        if w < 0.8 * CHAR_HEIGHT or pieces < 2:
            out.append((x, w))
            continue
        typical = float(np.median(ink[x : x + w])) + 1.0
        cuts = [x]
        for i in range(1, pieces):
            centre = x + round(i * w / pieces)
            lo, hi = max(cuts[-1] + 4, centre - CHAR_HEIGHT // 6), min(x + w - 4, centre + CHAR_HEIGHT // 6)
            if hi <= lo:
                continue
            at = lo + int(np.argmin(ink[lo:hi]))
            if ink[at] < 0.35 * typical:
                cuts.append(at)
        cuts.append(x + w)
        out.extend((a, b - a) for a, b in itertools.pairwise(cuts) if b > a)
    return out


def _compose(band: Image, spans: list[tuple[int, int]]) -> tuple[Image, tuple[tuple[int, int], ...]]:
    """The characters laid out again with even spacing: narrow gaps inside a group, wide gaps between groups.
    Tesseract reads the plate's condensed, tightly set characters much better that way."""
    spans = [(x, min(w, band.shape[1] - x)) for x, w in _split_wide(band, spans) if x < band.shape[1]]
    small, wide = round(0.22 * CHAR_HEIGHT), round(0.9 * CHAR_HEIGHT)
    width = PAD * 2 + sum(w for _, w in spans) + wide * len(spans)
    out = np.full((band.shape[0] + 2 * PAD, width), 255, np.uint8)
    at, glyphs = PAD, []
    for i, (x, w) in enumerate(spans):
        if i:
            gap = x - (spans[i - 1][0] + spans[i - 1][1])
            at += wide if gap >= 0.38 * CHAR_HEIGHT else small
        out[PAD : PAD + band.shape[0], at : at + w] = band[:, x : x + w]
        glyphs.append((at, w))
        at += w
    return out[:, : at + PAD], tuple(glyphs)


def find_lines(crop: Image, limit: int = 2, min_contrast: float = MIN_CONTRAST) -> list[Line]:
    """The most plate-like main lines in a plate crop (different polarities or thresholds), best first; lines whose
    characters stand out less than `min_contrast` from the plate are left out."""
    if crop.ndim not in (2, 3) or min(crop.shape[:2]) < 8:
        return []
    scale = WORK_HEIGHT / crop.shape[0]
    img = u8(
        cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    )
    tried: list[tuple[float, bool, Image, list[Blob]]] = []
    for light in (True, False):
        grey = grey_for(img, light)
        for share, offset in _THRESHOLDS:
            mask = text_mask(grey, light, int(WORK_HEIGHT * share) | 1, offset)
            found = chain(blobs(mask, 8, WORK_HEIGHT), WORK_HEIGHT)
            if len(found) >= 2:
                tried.append((_chain_score(found), light, mask, found))
    tried.sort(key=lambda t: -t[0])
    lines: list[Line] = []
    for score, light, mask, found in tried[: limit * 2]:
        line = _level_and_cut(img, light, mask, found, score)
        if line is not None and line.band is not None:
            b = line.band
            line = replace(
                line, band=Band(b.cx / scale, b.cy / scale, b.angle, b.height / scale, b.x0 / scale, b.x1 / scale)
            )
        if (
            line is not None
            and line.contrast >= min_contrast
            and all(line.light_text != other.light_text for other in lines)
        ):
            lines.append(line)
        if len(lines) >= limit:
            break
    return lines


def _level_and_cut(img: Image, light: bool, mask: Image, found: list[Blob], score: float) -> Line | None:
    xs = np.array([b.cx for b in found])
    cys = np.array([b.cy for b in found])
    hm = float(np.median([b.h for b in found]))
    slope = float(np.polyfit(xs, cys, 1)[0]) if len(found) >= 3 else 0.0
    angle = float(np.degrees(np.arctan(slope)))
    cx, cy = float(xs.mean()), float(cys.mean())
    turn = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    h, w = img.shape[:2]
    grey = u8(
        cv2.warpAffine(grey_for(img, light), turn, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    )
    level = _strip_lines(u8(cv2.warpAffine(mask, turn, (w, h), flags=cv2.INTER_NEAREST)), hm)
    top, bottom = cy - hm / 2, cy + hm / 2
    row = _row_blobs(level, top, bottom, 0.45, 1.35)
    if not row:
        return None
    keep = np.zeros_like(level)
    for b in row:
        keep[b.y : b.y + b.h, b.x : b.x + b.w] |= level[b.y : b.y + b.h, b.x : b.x + b.w]
    y0, y1 = top - 0.12 * hm, bottom + 0.12 * hm
    keep[: max(0, int(y0))] = 0
    keep[max(0, int(y1)) :] = 0
    x0 = max(0.0, min(b.x for b in row) - 0.1 * hm)
    x1 = max(b.x + b.w for b in row) + 0.1 * hm
    band = _band(grey, keep, y0, y1, x0, x1, hm, light)
    contrast = _contrast(grey, keep, y0, y1, x0, x1, light)
    s = CHAR_HEIGHT / hm
    spans = [(max(0, round((x - int(x0)) * s) - 1), round(bw * s) + 2) for x, bw in _merge(row)]
    image, glyphs = _compose(band, spans)
    where = Band(cx, cy, angle, hm, float(min(b.x for b in row)), float(max(b.x + b.w for b in row)))
    expiry = _expiry(grey, level, bottom, hm, x0, x1, light)
    return Line(image, glyphs, light, angle, expiry, score, contrast, where)


def _contrast(grey: Image, keep: Image, y0: float, y1: float, x0: float, x1: float, light: bool) -> float:
    """How far the characters stand from the plate around them, in standard deviations of the plate: high for a
    printed plate, low for a row of chance blobs in noise or clutter."""
    ya, yb, xa, xb = max(0, int(y0)), max(0, int(y1)), max(0, int(x0)), max(0, int(x1))
    g = grey[ya:yb, xa:xb].astype(np.float32)
    ink = keep[ya:yb, xa:xb] > 0
    ground = cv2.dilate(keep[ya:yb, xa:xb], np.ones((5, 5), np.uint8)) == 0
    if ink.sum() < 10 or ground.sum() < 10:
        return 0.0
    diff = float(g[ink].mean() - g[ground].mean()) * (1.0 if light else -1.0)
    return diff / (float(g[ground].std()) + 4.0)


def _expiry(grey: Image, level: Image, bottom: float, hm: float, x0: float, x1: float, light: bool) -> Image | None:
    """The expiry line: three or more small blobs (a quarter to two thirds of a main character) under the line."""
    top, low = bottom + 0.08 * hm, bottom + 0.95 * hm
    if low > grey.shape[0] + 0.2 * hm:
        return None
    small = [
        b
        for b in blobs(level[:, max(0, int(x0)) : int(x1)])
        if 0.22 * hm <= b.h <= 0.7 * hm and b.y >= top - 0.1 * hm and b.y + b.h <= low + 0.1 * hm
    ]
    if len(small) < 3:
        return None
    eh = float(np.median([b.h for b in small]))
    ey = float(np.median([b.cy for b in small]))
    keep = np.zeros_like(level)
    for b in small:
        bx = b.x + max(0, int(x0))
        keep[b.y : b.y + b.h, bx : bx + b.w] = level[b.y : b.y + b.h, bx : bx + b.w]
    ex0 = min(b.x for b in small) + max(0, int(x0)) - 0.3 * eh
    ex1 = max(b.x + b.w for b in small) + max(0, int(x0)) + 0.3 * eh
    band = _band(grey, keep, ey - 0.65 * eh, ey + 0.65 * eh, ex0, ex1, eh, light)
    out = u8(cv2.copyMakeBorder(band, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=255))
    return out
