"""The portrait on the card: the accepted photo as it was taken, with only its background made one plain colour.

The person is told from the background by OpenCV's GrabCut, seeded from the face the photo gate found: the face
itself and the neck below it are the person for certain, the head around the face (hair) and the shoulders below
it probably, the top corners of the frame background for certain, the rest probably. Every pixel of the person
keeps its value; the background becomes `BACKGROUND`, blended over a pixel or two at the edge so that no hard
outline shows. Only the part that goes on the card is worked on (`flows.photo.card_region`), at most WORK_WIDTH
pixels wide (about 20 ms of CPU a card: `benchmarks.card_photo`). Pure: image in, image out.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from flows.card import LAYOUT, cover
from flows.photo import card_region

Image = np.ndarray[Any, np.dtype[np.uint8]]
Box = tuple[int, int, int, int]  # x, y, width, height

#: The card photo's background (BGR): one plain light blue-grey, whatever was behind the driver.
BACKGROUND = (196, 170, 140)
ITERATIONS = 3  # GrabCut rounds: the split settles within a few
WORK_WIDTH = 90  # pixels: the width GrabCut works at


def person_mask(image: Image, face: Box) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """True where the photo shows the person (face, hair, neck, shoulders): GrabCut seeded around `face`, run at
    most `WORK_WIDTH` pixels wide (a fraction of the time; the edge is blended anyway) and brought back to size."""
    h, w = image.shape[:2]
    if w > WORK_WIDTH:
        f = WORK_WIDTH / w
        small: Image = np.asarray(
            cv2.resize(image, (WORK_WIDTH, max(1, round(h * f))), interpolation=cv2.INTER_AREA), np.uint8
        )
        mask = _person(small, (round(face[0] * f), round(face[1] * f), round(face[2] * f), round(face[3] * f)))
        back = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
        out: np.ndarray[Any, np.dtype[np.bool_]] = back >= 0.5
        return out
    return _person(image, face)


def _person(image: Image, face: Box) -> np.ndarray[Any, np.dtype[np.bool_]]:
    h, w = image.shape[:2]
    x, y, fw, fh = face
    cx, cy = x + fw // 2, y + fh // 2
    seeds = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    top = max(1, y - fh // 2)  # above the hair
    seeds[:top, :] = cv2.GC_BGD
    side = max(1, fw // 4)
    seeds[:cy, :side] = cv2.GC_BGD
    seeds[:cy, w - side :] = cv2.GC_BGD
    cv2.ellipse(seeds, (cx, cy), (int(fw * 0.85), int(fh * 0.95)), 0, 0, 360, cv2.GC_PR_FGD, -1)  # head, hair
    shoulders = (max(0, x - fw), y + fh + fh // 4, min(w, x + 2 * fw), h)
    seeds[shoulders[1] : shoulders[3], shoulders[0] : shoulders[2]] = cv2.GC_PR_FGD
    cv2.ellipse(seeds, (cx, cy), (int(fw * 0.4), int(fh * 0.45)), 0, 0, 360, cv2.GC_FGD, -1)  # the face
    seeds[y + fh : h, cx - fw // 5 : cx + fw // 5] = cv2.GC_FGD  # neck and chest
    background = np.zeros((1, 65), np.float64)
    foreground = np.zeros((1, 65), np.float64)
    cv2.grabCut(image, seeds, (0, 0, 0, 0), background, foreground, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    person = np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(person, connectivity=8)
    if count > 1:  # the person is the piece holding the face; specks of background taken for it go
        keep = labels[cy, cx] or 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        person = (labels == keep).astype(np.uint8)
    holes = 1 - person  # a hole inside the person (an eye, a collar) is the person's, not background
    count, labels = cv2.connectedComponents(holes, connectivity=4)
    edge = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))) - {0}
    inner = ~np.isin(labels, list(edge)) & (holes == 1)
    out: np.ndarray[Any, np.dtype[np.bool_]] = (person == 1) | inner
    return out


def uniform_background(image: Image, face: Box, color: tuple[int, int, int] = BACKGROUND) -> Image:
    """`image` with what is not the person replaced by `color`; the person's pixels unchanged."""
    person = person_mask(image, face)
    alpha = cv2.GaussianBlur(person.astype(np.float32), (0, 0), 1.2)
    alpha = np.maximum(alpha, person.astype(np.float32))[..., None]  # the person itself is never blended
    plain = np.empty_like(image)
    plain[:] = color
    out: Image = np.rint(image * alpha + plain * (1.0 - alpha)).astype(np.uint8)
    return out


def card_portrait(image: Image, face: Box) -> Image:
    """The card's portrait: the part of the photo that goes on the card (`flows.photo.card_region`), its
    background made uniform, scaled to the photo box."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR).astype(np.uint8, copy=False)
    left, top, w, h = card_region(image.shape, face)
    part: Image = np.ascontiguousarray(image[top : top + h, left : left + w, :3])
    inside = (face[0] - left, face[1] - top, face[2], face[3])
    _, _, bw, bh = LAYOUT["photo"]
    return cover(uniform_background(part, inside), bw, bh)
