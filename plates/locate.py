"""Find plate candidates in a camera frame: rows of character-shaped blobs, in both polarities (black plates with
white characters, white plates with black characters), at the sizes a lane camera sees (a plate 6-70% of the
frame's width; cars and motorcycles).

The frame is scaled to at most WORK_WIDTH pixels wide, thresholded against its local mean, and its blobs linked
into rows (similar height, one baseline, close together). Each row of three or more becomes a candidate; its box
is then grown to the plate around it: the blob of plate background that fills the gaps between the characters.
Candidates are ranked by how plate-like their row is. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from plates.line import Blob, blobs, grey_for, text_mask, to_grey
from plates.reading import Image, u8

WORK_WIDTH = 800
MIN_CHAR = 7  # px in the work image: smaller characters cannot be read anyway


@dataclass(frozen=True)
class Candidate:
    box: tuple[int, int, int, int]  # x, y, w, h of the plate in the frame
    score: float  # higher is more plate-like
    light_text: bool
    char_height: float  # in frame pixels


def _rows(found: list[Blob], max_h: float) -> list[list[Blob]]:
    """Blobs linked into rows: neighbours of similar height on one baseline, at most 2.6 heights apart."""
    chars = [b for b in found if MIN_CHAR <= b.h <= max_h and 0.08 <= b.w / b.h <= 1.25 and b.area >= 0.15 * b.w * b.h]
    chars.sort(key=lambda b: b.x)
    parent = list(range(len(chars)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(chars):
        right = a.x + a.w
        for j in range(i + 1, len(chars)):
            b = chars[j]
            if b.x - right > 2.6 * a.h:
                break
            if 0.75 <= b.h / a.h <= 1.33 and abs(b.cy - a.cy) < 0.3 * a.h and b.x >= a.x + 0.5 * a.w:
                parent[root(j)] = root(i)
                break  # link to the nearest compatible neighbour only: rows stay rows
    groups: dict[int, list[Blob]] = {}
    for i, b in enumerate(chars):
        groups.setdefault(root(i), []).append(b)
    return [g for g in groups.values() if len(g) >= 3]


def _row_score(row: list[Blob]) -> float:
    heights = np.array([b.h for b in row], np.float32)
    spread = float(heights.std() / heights.mean())
    n = len(row)
    fit = 1.0 if 4 <= n <= 10 else 0.6
    return n * fit * (1.0 - min(0.9, 3.0 * spread))


def _edge(profile: np.ndarray[tuple[int], np.dtype[np.float32]], lo: int, hi: int, default: int) -> int:
    """The index in [lo, hi) of the strongest edge in a gradient profile, or `default` when there is none."""
    lo, hi = max(0, lo), min(len(profile), hi)
    if hi - lo < 2:
        return default
    part = profile[lo:hi]
    at = int(np.argmax(part))
    return lo + at if part[at] > 1.5 * float(np.median(profile)) + 4.0 else default


def _plate_box(grey: Image, row: list[Blob]) -> tuple[int, int, int, int]:
    """The plate around a row of characters: the strongest straight edges above, below and to either side of it
    (the plate's border), searched within plate-like distances; plate-like margins where no edge stands out."""
    hm = float(np.median([b.h for b in row]))
    x0, x1 = min(b.x for b in row), max(b.x + b.w for b in row)
    y0, y1 = min(b.y for b in row), max(b.y + b.h for b in row)
    h, w = grey.shape[:2]
    g = grey.astype(np.float32)
    band = g[max(0, int(y0 - 1.3 * hm)) : min(h, int(y1 + 1.4 * hm)), max(0, x0) : min(w, x1)]
    top_at = max(0, int(y0 - 1.3 * hm))
    dy = np.abs(np.diff(band, axis=0)).mean(axis=1) if band.shape[0] > 2 else np.zeros(1, np.float32)
    top = top_at + _edge(dy, int(y0 - 0.7 * hm) - top_at, int(y0 - 0.05 * hm) - top_at, int(y0 - 0.25 * hm) - top_at)
    bottom = top_at + _edge(dy, int(y1 + 0.05 * hm) - top_at, int(y1 + 1.3 * hm) - top_at, int(y1 + 0.25 * hm) - top_at)
    side = g[max(0, y0) : min(h, y1), max(0, int(x0 - 3.0 * hm)) : min(w, int(x1 + 3.0 * hm))]
    left_at = max(0, int(x0 - 3.0 * hm))
    dx = np.abs(np.diff(side, axis=1)).mean(axis=0) if side.shape[1] > 2 else np.zeros(1, np.float32)
    left = left_at + _edge(dx, int(x0 - 2.9 * hm) - left_at, int(x0 - 0.1 * hm) - left_at, int(x0 - 0.3 * hm) - left_at)
    right = left_at + _edge(
        dx, int(x1 + 0.1 * hm) - left_at, int(x1 + 2.9 * hm) - left_at, int(x1 + 0.3 * hm) - left_at
    )
    return left, top, max(1, right - left), max(1, bottom - top)


def locate(frame: Image, limit: int = 4) -> list[Candidate]:
    """Plate candidates in a BGR or grey frame, best first, at most `limit`."""
    if frame.ndim not in (2, 3) or min(frame.shape[:2]) < 16:
        return []
    scale = min(1.0, WORK_WIDTH / frame.shape[1])
    img = u8(cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)) if scale < 1 else frame
    h = img.shape[0]
    blocks = sorted({max(15, (min(img.shape[:2]) // 12) | 1), max(9, (img.shape[1] // 60) | 1)})
    found: list[tuple[float, tuple[int, int, int, int], bool, float]] = []
    plain = to_grey(img)
    for light in (False, True):
        grey = grey_for(img, light)
        for block in blocks:
            mask = text_mask(grey, light, block, 10.0)
            for row in _rows(blobs(mask, MIN_CHAR, int(0.3 * h)), max_h=0.3 * h):
                box = _plate_box(plain, row)
                hm = float(np.median([b.h for b in row]))
                found.append((_row_score(row), box, light, hm))
    found.sort(key=lambda f: -f[0])
    out: list[Candidate] = []
    for score, (x, y, w, bh), light, hm in found:
        x, y = max(0, x), max(0, y)
        box = (int(x / scale), int(y / scale), int(w / scale), int(bh / scale))
        if any(_iou(box, c.box) > 0.3 for c in out):
            continue
        out.append(Candidate(box, score, light, hm / scale))
        if len(out) >= limit:
            break
    return out


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    return _iou(a, b)
