"""Synthetic training data for the line recogniser (`plates.line_net`): whole Indonesian-style plates rendered from
fonts (the glyph classifier's fonts and plate forms, `plates_training.glyph_data`), photographed at random, and cut
into the same views the reader gives the network (`line_net.band_view`, `line_net.crop_view`), with the line's true
place jittered the way `plates.line` misjudges it.

Made hard at random: plate colours (white, black, red, yellow, blue, green) in both polarities, embossed shading,
uneven light, frames, bolts, dirt, the expiry line (whole, cut, or absent), the plate's surroundings, rotation,
shear and perspective, character width, spacing and stroke weight, blur (round or motion), noise, JPEG, and the
size the camera saw it at. No real plate image is used. `sample(rng)` gives one (view, text); `batch(seed, n)` many.
"""

from __future__ import annotations

import cv2
import numpy as np

from plates import line_net
from plates.grammar import REGIONS
from plates.line import Band
from plates.reading import Image, u8
from plates_training import glyph_data

CAP = glyph_data.CAP
LETTERS, DIGITS = line_net.LETTERS, line_net.DIGITS
_REGIONS = sorted(REGIONS)
#: (ground, ink) BGR colour pairs of plates; each is also used the other way round now and then.
PAINTS = (
    ((235, 235, 235), (20, 20, 20)),  # white plate, black characters (2022 on)
    ((25, 25, 25), (235, 235, 235)),  # black plate, white characters
    ((40, 40, 190), (240, 240, 240)),  # red: government
    ((30, 200, 235), (20, 20, 20)),  # yellow: public transport
    ((170, 80, 30), (240, 240, 240)),  # blue: diplomatic
    ((60, 140, 40), (240, 240, 240)),  # green: free-trade zone
)


#: Letters the recogniser mistakes for others most (W for M or H, O for Q or D or 0, I for T or L): drawn twice as
#: often as the rest, so it sees more of them.
CONFUSED = "WMHOQDI"
_WEIGHTS = np.array([2.0 if c in CONFUSED else 1.0 for c in LETTERS])
_LETTER_ODDS = _WEIGHTS / _WEIGHTS.sum()


def random_text(rng: np.random.Generator) -> list[str]:
    """A plate's groups: a region from the table (now and then any one or two letters), 1-4 digits without a leading
    zero, 0-3 letters; digits drawn evenly, letters evenly but for the CONFUSED ones, so every class is seen."""
    letters = list(LETTERS)
    region = str(rng.choice(_REGIONS)) if rng.random() < 0.8 else "".join(rng.choice(letters, rng.integers(1, 3)))
    n = int(rng.choice([1, 2, 3, 4], p=[0.08, 0.17, 0.3, 0.45]))
    number = str(rng.choice(list(DIGITS[1:]))) + "".join(rng.choice(list(DIGITS), n - 1))
    k = int(rng.choice([0, 1, 2, 3], p=[0.12, 0.2, 0.33, 0.35]))
    suffix = "".join(rng.choice(letters, k, p=_LETTER_ODDS))
    return [g for g in (region, number, suffix) if g]


def variant(rng: np.random.Generator, char: str, font: str) -> Image:
    """A character as the plate font may draw it: `glyph_data.plate_variant` (slashed O, open 4), and W and M wide
    as on the plates, now and then with straight upright sides, so the two (and H) are told apart."""
    mask = glyph_data.plate_variant(rng, char, glyph_data.glyph_mask(char, font))
    if char not in "WM" or rng.random() < 0.4:
        return mask
    h, w = mask.shape
    if rng.random() < 0.5:  # wider than the font's own
        return u8(cv2.resize(mask, (round(w * rng.uniform(1.1, 1.5)), h), interpolation=cv2.INTER_LINEAR))
    top, bottom = CAP // 2, CAP + CAP // 2 - 1
    wide = int(rng.uniform(0.85, 1.2) * CAP)
    stroke = max(3, int(rng.uniform(0.1, 0.17) * CAP))
    out = np.zeros((h, wide + stroke), np.uint8)
    x0, x1 = stroke // 2, wide - stroke // 2
    inset = int(rng.uniform(0.0, 0.15) * wide)  # how far the sides lean in
    mid = top + int(rng.uniform(0.0, 0.45) * CAP) if char == "W" else bottom - int(rng.uniform(0.0, 0.45) * CAP)
    if char == "W":
        points = [
            (x0, top),
            (x0 + inset + stroke, bottom),
            ((x0 + x1) // 2, mid),
            (x1 - inset - stroke, bottom),
            (x1, top),
        ]
    else:
        points = [(x0, bottom), (x0 + inset, top), ((x0 + x1) // 2, mid), (x1 - inset, top), (x1, bottom)]
    cv2.polylines(out, [np.array(points, np.int32)], False, 255, stroke, cv2.LINE_AA)
    return u8(out)


def _text_mask(rng: np.random.Generator, groups: list[str], font: str) -> Image:
    """The main line as a mask, cap line to baseline, CAP tall, with the font's glyphs set close or loose."""
    gap, space = int(rng.uniform(0.04, 0.3) * CAP), int(rng.uniform(0.35, 1.2) * CAP)
    text = glyph_data.set_line(groups, gap, space, lambda c: variant(rng, c, font))
    stretch = rng.uniform(0.6, 1.3)
    text = u8(cv2.resize(text, (max(8, round(text.shape[1] * stretch)), text.shape[0]), interpolation=cv2.INTER_AREA))
    k = int(rng.integers(-2, 4))
    if k:
        size = 2 * abs(k) + 1 if abs(k) > 1 else 3
        text = u8(cv2.dilate(text, np.ones((size, size), np.uint8)) if k > 0 else cv2.erode(text, np.ones((3, 3))))
    return u8(text[CAP // 2 : CAP + CAP // 2])


def _plate_ink(rng: np.random.Generator, groups: list[str], font: str) -> tuple[Image, tuple[int, int, int, int]]:
    """The plate's ink (main line, expiry line, frame, bolts) and the main line's box (x, y, w, h) on it."""
    text = _text_mask(rng, groups, font)
    th, tw = text.shape
    w = tw + int(rng.uniform(0.2, 1.2) * CAP)
    h = int(CAP * rng.uniform(1.5, 2.7))
    ink = np.zeros((h, w), np.uint8)
    x0 = (w - tw) // 2 + int(rng.integers(-CAP // 6, CAP // 6 + 1))
    x0 = max(0, min(w - tw, x0))
    y0 = int((h - th) * rng.uniform(0.15, 0.45))
    ink[y0 : y0 + th, x0 : x0 + tw] = text
    below = y0 + th
    if rng.random() < 0.75:  # the expiry line, MM.YY, maybe cut off by the plate's edge
        small = np.hstack([glyph_data.glyph_mask(c, font) for c in f"{rng.integers(1, 13):02d}.{rng.integers(20, 35)}"])
        s = rng.uniform(0.3, 0.55)
        small = u8(cv2.resize(small, None, fx=s, fy=s, interpolation=cv2.INTER_AREA))[int(CAP * s * 0.45) :]
        y, x = below + int(rng.uniform(0.08, 0.3) * CAP), (w - small.shape[1]) // 2 + int(rng.integers(-CAP, CAP))
        sh, sw = min(small.shape[0], h - y), min(small.shape[1], w - max(0, x))
        if sh > 2 and sw > 4:
            ink[y : y + sh, max(0, x) : max(0, x) + sw] |= small[:sh, :sw]
    if rng.random() < 0.65:  # the frame, or a raised rim
        t, m = int(rng.integers(2, 9)), int(rng.integers(1, 12))
        cv2.rectangle(ink, (m, m), (w - 1 - m, h - 1 - m), 255, t)
    for _ in range(int(rng.choice([0, 0, 1, 2, 3]))):  # bolts and dirt
        cx = int(rng.choice([rng.integers(0, w), rng.integers(0, CAP // 2), rng.integers(w - CAP // 2, w)]))
        cv2.circle(ink, (cx, int(rng.integers(0, h))), int(rng.integers(3, 14)), int(rng.integers(120, 256)), -1)
    return ink, (x0, y0, tw, th)


def _paint(rng: np.random.Generator, ink: Image, scale: float = 1.0) -> np.ndarray:
    """The ink as a coloured plate: paint, embossing, uneven light (float BGR)."""
    ground, fore = (np.array(c, np.float32) for c in PAINTS[int(rng.choice(6, p=[0.4, 0.3, 0.1, 0.08, 0.06, 0.06]))])
    if rng.random() < 0.15:
        ground, fore = fore, ground
    ground = np.clip(ground + rng.normal(0, 18, 3), 0, 255)
    fore = np.clip(fore + rng.normal(0, 18, 3), 0, 255)
    a = cv2.GaussianBlur(ink.astype(np.float32) / 255.0, (0, 0), rng.uniform(0.3, 1.5) * max(scale, 0.5))
    if rng.random() < 0.4:  # embossed characters: a shadow or highlight along one side
        dx, dy = (round(float(v) * scale) for v in rng.integers(-4, 5, 2))
        edge = np.clip(a - np.roll(np.roll(a, dy, axis=0), dx, axis=1), -1, 1) * rng.uniform(-60, 60)
    else:
        edge = np.zeros_like(a)
    img: np.ndarray = ground[None, None, :] * (1 - a[..., None]) + fore[None, None, :] * a[..., None] + edge[..., None]
    h, w = ink.shape
    gx = np.linspace(rng.uniform(0.55, 1.1), rng.uniform(0.55, 1.1), w, dtype=np.float32)
    gy = np.linspace(rng.uniform(0.75, 1.1), rng.uniform(0.75, 1.1), h, dtype=np.float32)
    img *= (gy[:, None] * gx[None, :])[..., None]
    if rng.random() < 0.3:  # a glare spot
        spot = np.zeros((h, w), np.float32)
        cv2.circle(spot, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.uniform(0.2, 0.8) * h), 1.0, -1)
        img += cv2.GaussianBlur(spot, (0, 0), 0.3 * h)[..., None] * rng.uniform(30, 120)
    return img


def _surroundings(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """What is around a plate: a vehicle's paint, grille bars, shadows (float BGR)."""
    img = np.empty((h, w, 3), np.float32)
    img[:] = rng.uniform(0, 255, 3)
    for _ in range(int(rng.integers(0, 6))):
        colour = tuple(float(v) for v in rng.uniform(0, 255, 3))
        p = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        if rng.random() < 0.5:
            cv2.rectangle(img, p, (p[0] + int(rng.integers(5, w)), p[1] + int(rng.integers(2, h // 3 + 3))), colour, -1)
        else:
            cv2.line(img, p, (int(rng.integers(0, w)), int(rng.integers(0, h))), colour, int(rng.integers(1, 8)))
    return img


def photograph(rng: np.random.Generator, groups: list[str], font: str) -> tuple[Image, np.ndarray, np.ndarray]:
    """A photographed plate in its surroundings (BGR), the plate's corners and the main line's corners on it
    (each 4x2: top-left, top-right, bottom-right, bottom-left)."""
    ink, box = _plate_ink(rng, groups, font)
    char_px = float(np.exp(rng.uniform(np.log(12), np.log(70))))  # how tall the camera sees the characters
    f = min(1.0, 2.0 * char_px / box[3])
    if f < 1.0:  # draw at no more than twice the size it is seen at: quicker
        ink = u8(cv2.resize(ink, None, fx=f, fy=f, interpolation=cv2.INTER_AREA))
    tx, ty, tw, th = (v * f for v in box)
    plate = _paint(rng, ink, f)
    h, w = ink.shape
    pad = int(0.6 * h)
    canvas = _surroundings(rng, h + 2 * pad, w + 2 * pad)
    canvas[pad : pad + h, pad : pad + w] = plate
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) + pad
    line_corners = np.array([[tx, ty], [tx + tw, ty], [tx + tw, ty + th], [tx, ty + th]], np.float32) + pad
    # Where the camera puts it: turned, sheared, seen at an angle.
    k = char_px / th
    angle, shear = rng.normal(0, 4), rng.normal(0, 0.08)
    centre = corners.mean(axis=0)
    affine = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), float(angle), k)
    affine[0, 1] += shear * k
    src = np.array([[0, 0], [canvas.shape[1], 0], [canvas.shape[1], canvas.shape[0]], [0, canvas.shape[0]]], np.float32)
    dst = cv2.transform(src[None], affine)[0]
    dst += rng.uniform(-0.04, 0.04, (4, 2)).astype(np.float32) * float(k * h)
    lo = dst.min(axis=0)
    dst -= lo
    turn = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    size = (int(np.ceil(dst[:, 0].max())) + 1, int(np.ceil(dst[:, 1].max())) + 1)
    if k < 0.6:  # shrink first so the warp does not alias
        canvas = np.asarray(cv2.GaussianBlur(canvas, (0, 0), 0.45 / k), np.float32)
    img = np.asarray(cv2.warpPerspective(canvas, turn, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
    if rng.random() < 0.25 and char_px > 20:  # motion blur
        n = int(rng.integers(3, 8))
        kernel = np.zeros((n, n), np.float32)
        kernel[n // 2, :] = 1.0 / n
        rot = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        smear = np.asarray(cv2.warpAffine(kernel, rot, (n, n)), np.float32)
        img = cv2.filter2D(img, -1, smear / max(float(smear.sum()), 1e-6))
    img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.2, 0.5 + 0.03 * char_px)))
    img = img * rng.uniform(0.7, 1.25) + rng.uniform(-30, 30) + rng.normal(0, rng.uniform(0, 14), img.shape)
    out = u8(np.clip(img, 0, 255).astype(np.uint8))
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 96))])
    if ok:
        out = u8(cv2.imdecode(buf, cv2.IMREAD_COLOR))
    where = cv2.perspectiveTransform(np.stack([corners, line_corners]), turn)
    return out, where[0], where[1]


def band_of(rng: np.random.Generator, quad: np.ndarray) -> Band:
    """The main line's band as `plates.line` would judge it from the line's corners, with its typical errors."""
    tl, tr, br, bl = quad
    left, right = (tl + bl) / 2, (tr + br) / 2
    angle = float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))
    hm = float((np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2)
    centre = quad.mean(axis=0)
    length = float(np.linalg.norm(right - left))
    hm_seen = hm * float(np.exp(rng.normal(0, 0.08)))
    cy = float(centre[1]) + rng.normal(0, 0.06) * hm
    # Characters at either end missed or frame bits taken in: the ends move by up to a character.
    x0 = float(centre[0]) - length / 2 + rng.normal(0, 0.12) * hm
    x1 = float(centre[0]) + length / 2 + rng.normal(0, 0.12) * hm
    return Band(float(centre[0]), cy, angle + rng.normal(0, 1.2), hm_seen, x0, x1)


def sample(rng: np.random.Generator, font: str) -> tuple[Image, str]:
    """One network input (line_net.HEIGHT x line_net.WIDTH grey) and the main line's characters."""
    groups = random_text(rng)
    img, plate, quad = photograph(rng, groups, font)
    if rng.random() < 0.15:  # the whole plate crop, cut loose or tight
        lo, hi = plate.min(axis=0), plate.max(axis=0)
        size = hi - lo
        a = lo - size * rng.uniform(-0.04, 0.15, 2)
        b = hi + size * rng.uniform(-0.04, 0.15, 2)
        crop = img[max(0, int(a[1])) : max(1, int(b[1])), max(0, int(a[0])) : max(1, int(b[0]))]
        view = line_net.crop_view(crop)
    else:
        view = line_net.band_view(img, band_of(rng, quad), margin=float(rng.uniform(0.2, 1.2)))
    return view, "".join(groups)


def batch(seed: int, count: int) -> tuple[np.ndarray, list[str]]:
    """`count` views (count x HEIGHT x WIDTH uint8) and their texts, fonts taken in turn (the DIN font more often)."""
    rng = np.random.default_rng(seed)
    faces = glyph_data.fonts()
    faces += [f for f in faces if "DIN" in f] * 3
    views = np.zeros((count, line_net.HEIGHT, line_net.WIDTH), np.uint8)
    texts: list[str] = []
    for i in range(count):
        views[i], text = sample(rng, faces[int(rng.integers(0, len(faces)))])
        texts.append(text)
    return views, texts
