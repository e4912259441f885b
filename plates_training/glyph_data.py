"""Synthetic training data for the glyph classifier: Indonesian-style plates rendered from fonts (condensed sans
fonts from Debian packages, and OpenCV's Hershey fonts), made hard at random (character width, stroke thickness,
frame, bolts, expiry line, perspective, blur, noise, JPEG, both polarities), then cut into characters by the same
`plates.line` the reader uses, so the classifier learns from exactly the kind of glyph it will be shown.

No real plate image is used. `samples(rng, n)` gives (features, labels); `glyph_images(...)` gives single
characters for tests. Needs Pillow for the TrueType fonts; without any font file only the Hershey fonts are used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import cv2
import numpy as np

from plates import glyphs, line
from plates.grammar import REGIONS
from plates.reading import Image, u8

#: Font files from Debian packages (fonts-opendin, fonts-roboto-unhinted, fonts-open-sans, fonts-bebas-neue,
#: fonts-dejavu-extra, fonts-liberation; the Makefile installs them); the ones present are used.
FONT_FILES = (
    "/usr/share/fonts/truetype/opendin/OSP-DIN.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Regular.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Medium.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Light.ttf",
    "/usr/share/fonts/truetype/open-sans/OpenSans-CondBold.ttf",
    "/usr/share/fonts/opentype/bebas-neue/BebasNeue-Regular.otf",
    "/usr/share/fonts/opentype/bebas-neue/BebasNeue-Bold.otf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)
HERSHEY = ("hershey:duplex", "hershey:simplex", "hershey:triplex")
CAP = 64  # cap height of the rendered characters, pixels
_HERSHEY_IDS = {
    "duplex": cv2.FONT_HERSHEY_DUPLEX,
    "simplex": cv2.FONT_HERSHEY_SIMPLEX,
    "triplex": cv2.FONT_HERSHEY_TRIPLEX,
}


def fonts() -> list[str]:
    """The fonts to render with: the font files present, and the Hershey fonts."""
    found = [f for f in FONT_FILES if os.path.isfile(f)]
    try:
        import PIL.ImageFont  # noqa: F401
    except ImportError:
        found = []
    return found + list(HERSHEY)


_cache: dict[tuple[str, str], Image] = {}


def glyph_mask(char: str, font: str) -> Image:
    """One character as a mask (255 ink) CAP pixels tall from baseline to cap line, cut to its ink columns."""
    key = (char, font)
    if key in _cache:
        return _cache[key]
    canvas = np.zeros((2 * CAP, 2 * CAP), np.uint8)
    if font.startswith("hershey:"):
        face = _HERSHEY_IDS[font.split(":")[1]]
        scale = cv2.getFontScaleFromHeight(face, CAP, 2)
        cv2.putText(canvas, char, (CAP // 4, CAP + CAP // 2), face, scale, 255, max(2, CAP // 9), cv2.LINE_AA)
    else:
        from PIL import Image as PILImage
        from PIL import ImageDraw, ImageFont

        probe = ImageFont.truetype(font, 100)
        top, bottom = probe.getbbox("H", anchor="ls")[1], probe.getbbox("H", anchor="ls")[3]
        size = round(100 * CAP / max(1, bottom - top))
        pil = PILImage.new("L", (2 * CAP, 2 * CAP), 0)
        ImageDraw.Draw(pil).text(
            (CAP // 4, CAP + CAP // 2), char, font=ImageFont.truetype(font, size), fill=255, anchor="ls"
        )
        canvas = np.asarray(pil, dtype=np.uint8).copy()
    cols = np.flatnonzero(canvas.max(axis=0) > 60)
    out = canvas[:, cols[0] : cols[-1] + 1] if cols.size else canvas[:, :4]
    _cache[key] = out
    return out


def plate_variant(rng: np.random.Generator, char: str, mask: Image) -> Image:
    """The plate font's own forms, which few font files have: the letter O slashed (TNKB plates tell it from the
    digit 0 so) and the digit 4 open at the top. Drawn over or instead of the font's glyph, at random."""
    h, w = mask.shape
    top, bottom = CAP // 2, CAP + CAP // 2
    stroke = max(3, int(rng.uniform(0.09, 0.17) * CAP))
    if char == "O" and rng.random() < 0.6:
        out = mask.copy()
        cv2.line(out, (int(0.78 * w), top + int(0.12 * CAP)), (int(0.22 * w), bottom - int(0.12 * CAP)), 255, stroke)
        return u8(out)
    if char == "4" and rng.random() < 0.5:
        w = int(rng.uniform(0.5, 0.75) * CAP)
        out = np.zeros((h, w + stroke), np.uint8)
        stem, bar = int(0.72 * w), bottom - int(rng.uniform(0.22, 0.32) * CAP)
        cv2.line(out, (stem, top + stroke // 2), (stem, bottom - stroke // 2), 255, stroke)
        cv2.line(out, (int(rng.uniform(0.3, 0.5) * w), top + stroke // 2), (stroke // 2, bar), 255, stroke)
        cv2.line(out, (stroke // 2, bar), (w, bar), 255, stroke)
        return u8(out)
    return mask


def random_text(rng: np.random.Generator) -> list[str]:
    """A plate's character groups: region, number, suffix (letters drawn evenly so every class is seen)."""
    letters = glyphs.LETTERS
    region = str(rng.choice(list(REGIONS))) if rng.random() < 0.4 else "".join(rng.choice(list(letters), 2))
    number = "".join(rng.choice(list(glyphs.DIGITS), int(rng.integers(2, 5))))
    suffix = "".join(rng.choice(list(letters), int(rng.integers(0, 4))))
    return [g for g in (region[: int(rng.integers(1, 3))], number, suffix) if g]


def set_line(groups: list[str], gap: int, space: int, glyph: Callable[[str], Image]) -> Image:
    """The characters of `groups` side by side (`glyph` draws each, in order), `gap` pixels apart within a group and
    `space` between groups: the main line of a synthetic plate, 2 * CAP tall."""
    pieces: list[Image] = []
    for i, group in enumerate(groups):
        if i:
            pieces.append(np.zeros((2 * CAP, space), np.uint8))
        for j, c in enumerate(group):
            if j:
                pieces.append(np.zeros((2 * CAP, gap), np.uint8))
            pieces.append(glyph(c))
    return np.hstack(pieces)


def render_plate(rng: np.random.Generator, groups: list[str], font: str) -> Image:
    """A plate crop (BGR) carrying the groups of characters in one font, made hard at random."""
    stretch = rng.uniform(0.6, 1.35)
    gap, space = int(rng.uniform(0.06, 0.25) * CAP), int(rng.uniform(0.5, 1.1) * CAP)
    text = set_line(groups, gap, space, lambda c: plate_variant(rng, c, glyph_mask(c, font)))
    text = u8(cv2.resize(text, (max(8, round(text.shape[1] * stretch)), text.shape[0]), interpolation=cv2.INTER_AREA))
    k = int(rng.integers(-2, 3))
    if k:
        kernel = np.ones((2 * abs(k) + 1 if abs(k) > 1 else 3, 2 * abs(k) + 1 if abs(k) > 1 else 3), np.uint8)
        text = u8(cv2.dilate(text, kernel) if k > 0 else cv2.erode(text, kernel))
    text = text[CAP // 2 - 2 : CAP + CAP // 2 + 4]
    tw = text.shape[1]
    w, h = tw + int(rng.uniform(0.3, 1.0) * CAP), int(CAP * rng.uniform(2.2, 3.0))
    ink = np.zeros((h, w), np.uint8)
    x0, y0 = (w - tw) // 2, int(h * rng.uniform(0.12, 0.25))
    ink[y0 : y0 + text.shape[0], x0 : x0 + tw] = text
    _extras(rng, ink, y0 + text.shape[0], font)
    return _photograph(rng, ink)


def _extras(rng: np.random.Generator, ink: Image, below: int, font: str) -> None:
    h, w = ink.shape
    if rng.random() < 0.7:  # the expiry line
        small = np.hstack([glyph_mask(c, font) for c in f"{rng.integers(1, 13):02d}.{rng.integers(20, 30)}"])
        s = rng.uniform(0.35, 0.5)
        small = u8(cv2.resize(small, None, fx=s, fy=s, interpolation=cv2.INTER_AREA))[int(CAP * s * 0.4) :]
        y, x = below + int(0.1 * CAP), (w - small.shape[1]) // 2 + int(rng.integers(-CAP, CAP))
        sh, sw = min(small.shape[0], h - y), min(small.shape[1], w - max(0, x))
        if sh > 4 and sw > 4:
            ink[y : y + sh, max(0, x) : max(0, x) + sw] |= small[:sh, :sw]
    if rng.random() < 0.6:  # the frame
        t, m = int(rng.integers(2, 7)), int(rng.integers(1, 10))
        cv2.rectangle(ink, (m, m), (w - 1 - m, h - 1 - m), 255, t)
    for _ in range(int(rng.integers(0, 3))):  # bolts and dirt
        cv2.circle(ink, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(3, 12)), 255, -1)


def _photograph(rng: np.random.Generator, ink: Image) -> Image:
    """The ink mask as a photographed plate: colours, polarity, perspective, blur, scale, noise, JPEG."""
    h, w = ink.shape
    light = rng.random() < 0.5
    ground = rng.uniform(0, 70, 3) if light else rng.uniform(150, 255, 3)
    fore = rng.uniform(170, 255, 3) if light else rng.uniform(0, 80, 3)
    if rng.random() < 0.15:  # yellow or red plates
        ground = np.array([20, 190, 230]) if not light else np.array([30, 30, 170])
    a = cv2.GaussianBlur(ink.astype(np.float32) / 255.0, (0, 0), rng.uniform(0.3, 1.5))[..., None]
    img = ground[None, None, :] * (1 - a) + fore[None, None, :] * a
    grad = np.linspace(rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0), w, dtype=np.float32)
    img *= grad[None, :, None]
    d = 0.06 * min(w, h)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = (src + rng.uniform(-d, d, (4, 2))).astype(np.float32)
    turn = cv2.getPerspectiveTransform(src, dst)
    img = np.asarray(cv2.warpPerspective(img, turn, (w, h), borderMode=cv2.BORDER_REPLICATE), np.float64)
    target_h = int(rng.uniform(50, 190))
    img = np.asarray(cv2.resize(img, (round(w * target_h / h), target_h), interpolation=cv2.INTER_AREA), np.float64)
    img = np.asarray(cv2.GaussianBlur(img, (0, 0), rng.uniform(0.2, 1.3)), np.float64)
    img += rng.normal(0, rng.uniform(0, 12), img.shape)
    out = np.clip(img, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 95))])
    return u8(cv2.imdecode(buf, cv2.IMREAD_COLOR)) if ok else out


def labelled_glyphs(rng: np.random.Generator, font: str, junk: bool = False) -> Iterator[tuple[Image, str]]:
    """(cell, character) pairs from one synthetic plate, when `line` cuts it into as many glyphs as characters; with
    `junk`, also a few cells that hold no character (JUNK): frame edges, bolts, pieces of two characters."""
    groups = random_text(rng)
    chars = "".join(groups)
    for ln in line.find_lines(render_plate(rng, groups, font), 1):
        if len(ln.glyphs) == len(chars):
            for (x, w), c in zip(ln.glyphs, chars, strict=True):
                yield ln.image[:, x : x + w], c
            if junk:
                yield from ((cell, glyphs.JUNK) for cell in junk_cells(rng, ln))


def junk_cells(rng: np.random.Generator, ln: line.Line) -> list[Image]:
    """Cells like the ones `line` sometimes cuts that are no character: a piece of frame (a bar taller than a
    character), a bolt, or the right part of one character with the left part of the next."""
    h = ln.image.shape[0]
    out: list[Image] = []
    bar_w = int(rng.integers(3, 12))
    bar = np.full((h, bar_w + 4), 255, np.uint8)
    y0, y1 = int(rng.integers(0, line.PAD + 2)), h - int(rng.integers(0, line.PAD + 2))  # taller than characters
    cv2.line(
        bar,
        (2 + bar_w // 2 + int(rng.integers(-2, 3)), y0),
        (2 + bar_w // 2, y1),
        int(rng.integers(0, 90)),
        max(1, bar_w - 2),
    )
    out.append(u8(cv2.GaussianBlur(bar, (0, 0), rng.uniform(0.3, 1.2))))
    if rng.random() < 0.5:
        r = int(rng.uniform(0.1, 0.3) * line.CHAR_HEIGHT)
        bolt = np.full((h, 2 * r + 6), 255, np.uint8)
        cv2.circle(bolt, (r + 3, int(rng.integers(r, h - r))), r, int(rng.integers(0, 90)), -1)
        out.append(bolt)
    g = ln.glyphs
    if len(g) >= 2 and rng.random() < 0.5:
        i = int(rng.integers(0, len(g) - 1))
        (xa, wa), (xb, wb) = g[i], g[i + 1]
        cell = np.full((h, wa // 2 + wb // 2 + 4), 255, np.uint8)
        cell[:, : wa - wa // 2] = ln.image[:, xa + wa // 2 : xa + wa]
        cell[:, cell.shape[1] - wb // 2 :] = ln.image[:, xb : xb + wb // 2]
        out.append(cell)
    return out


def samples(seed: int, plates: int) -> tuple[np.ndarray, np.ndarray]:
    """Features and class indexes of the glyphs of `plates` synthetic plates, fonts taken in turn."""
    rng = np.random.default_rng(seed)
    faces = fonts()
    faces += [f for f in faces if "DIN" in f] * 2  # the font nearest the plates' own: more often
    xs: list[np.ndarray] = []
    ys: list[int] = []
    for i in range(plates):
        for cell, c in labelled_glyphs(rng, faces[i % len(faces)], junk=True):
            xs.append(glyphs.features(cell))
            ys.append(glyphs.CLASSES.index(c))
    return np.array(xs, np.float32), np.array(ys, np.int64)
