"""Plate candidates by their edges: a second finder beside `locate`'s rows of character blobs, for plates whose
characters do not come apart as blobs (embossed white characters with thin dark outlines that run together, small
and tilted motorcycle plates).

A plate's text is a short, wide patch dense in vertical edges. The frame (scaled to at most WORK_WIDTH) is turned
grey, its horizontal gradient (Sobel) thresholded at its own high percentile, and the edge pixels closed with a
flat kernel at each of a few character scales so that a line of characters becomes one region; regions of a
plate's proportions and size (KEEP_ASPECT, a plate 6-70% of the frame's width) are kept, scored by how dense and how
evenly spread their edges are, and grown by a margin to take in the plate's border. Pure.
"""

from __future__ import annotations

import cv2
import numpy as np

from plates.reading import Image, u8

WORK_WIDTH = 640
KEEP_ASPECT = (1.6, 7.0)  # width / height of a plate's text region (motorcycle plates with the expiry line: ~2)
SCALES = (0.035, 0.06, 0.09)  # the closing kernel's width as a share of the work width: small, middle, large plates
EDGE_PERCENTILE = 80.0


def _density(edges: Image, box: tuple[int, int, int, int]) -> float:
    """The share of edge pixels in a box, times how evenly they spread over its width (a plate's text spans it)."""
    x, y, w, h = box
    patch = edges[y : y + h, x : x + w] > 0
    if patch.size == 0:
        return 0.0
    columns = patch.mean(axis=0)
    spread = float((columns > 0.05).mean())
    return float(patch.mean()) * spread


def edge_candidates(frame: Image, limit: int = 3) -> list[tuple[tuple[int, int, int, int], float]]:
    """(box, score) of up to `limit` plate-like regions of edges in a BGR or grey frame, best first, boxes in frame
    pixels."""
    if frame.ndim not in (2, 3) or min(frame.shape[:2]) < 16:
        return []
    scale = min(1.0, WORK_WIDTH / frame.shape[1])
    img = u8(cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)) if scale < 1 else frame
    grey = img if img.ndim == 2 else u8(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    h, w = grey.shape
    gx = np.abs(cv2.Sobel(cv2.GaussianBlur(grey, (3, 3), 0), cv2.CV_32F, 1, 0, ksize=3))
    edges = u8(((gx > max(24.0, float(np.percentile(gx, EDGE_PERCENTILE)))) * 255).astype(np.uint8))
    found: list[tuple[tuple[int, int, int, int], float]] = []
    for share in SCALES:
        kw = max(3, int(share * w))
        closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, 3)))
        opened = cv2.morphologyEx(
            closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, kw // 2), 5))
        )
        contours, _ = cv2.findContours(opened, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            x, y, bw, bh = cv2.boundingRect(c)
            if not (0.06 * w <= bw <= 0.7 * w and 6 <= bh <= 0.35 * h):
                continue
            if not KEEP_ASPECT[0] <= bw / bh <= KEEP_ASPECT[1]:
                continue
            score = _density(edges, (x, y, bw, bh))
            if score > 0.08:
                found.append(((x, y, bw, bh), score))
    found.sort(key=lambda f: -f[1])
    out: list[tuple[tuple[int, int, int, int], float]] = []
    for (x, y, bw, bh), score in found:
        mx, my = int(0.06 * bw), int(0.2 * bh)
        x0, y0 = max(0, x - mx), max(0, y - my)
        x1, y1 = min(w, x + bw + mx), min(h, y + bh + my)
        box = (int(x0 / scale), int(y0 / scale), int((x1 - x0) / scale), int((y1 - y0) / scale))
        if any(_overlap(box, b) > 0.3 for b, _ in out):
            continue
        out.append((box, score))
        if len(out) >= limit:
            break
    return out


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0
