"""Plate reading figures, run by hand (`.venv/bin/python -m benchmarks.plates`):

1. id-crops (../shared/data/plates/id-crops, rows with format_ok=0 left out): exact-plate accuracy, character
   accuracy (1 - edit distance / length, over all plates), median and 95th-percentile ms a crop, read as a lane
   reads each frame (without the expiry line, which a lane does not record); then the expiry lines on their own
   (`PlateReader.read_expiry`, as `lane plates read` reads them with each plate) against `id_crops_expiry.csv` (the
   lines as a developer read them by eye, 2026-11-29; blank where not legible): read right, wrong, not read, and
   read where not legible, ms a crop;
2. scenes-eu: the share of labelled plates found (box IoU >= 0.5) as the first candidate and among the candidates the
   reader tries, and ms a frame to find them;
3. synthetic scenes (devices.render.scene, 1280x720): plates found, plates read exactly, ms a frame (find and read,
   as a lane reads).
Goals: >= 90% exact on id-crops, >= 90% of scene plates found, median <= 60 ms a crop and <= 200 ms a frame.
Skips the real sets with a message when ../shared is absent. `--engine pytesseract` compares the slower back-end;
`--tesseract-only` reads without the glyph classifier (plates/glyph_model.npz), as the reader did before it;
`--recogniser first|only|off` picks how the line recogniser (plates/line_model.onnx) joins in (see
plates.reader.ReaderSettings; the default votes with the cut characters); the id-crops figures of the other ways
are printed under the chosen one's (`--no-compare` skips them). Last, the recogniser alone on synthetic line views
(`--views N`).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2
import numpy as np

from devices import render
from plates import grammar, line_net
from plates.decode import edit_distance
from plates.engine import Engine, PytesseractEngine, TesserocrEngine
from plates.locate import iou, locate
from plates.reader import PlateReader, ReaderSettings
from plates.reading import Image as PlateImage
from plates.reading import PlateReading
from plates_training import line_data

ROOT = Path(__file__).resolve().parent.parent

DATA = ROOT.parent / "shared" / "data" / "plates"
EXPIRY_LABELS = Path(__file__).with_name("id_crops_expiry.csv")  # the id-crops' expiry lines as read by eye


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _imread(path: Path) -> PlateImage:
    """A labelled image as the reader takes it (8-bit BGR); a missing or unreadable file is an error in the set."""
    image = cv2.imread(str(path))
    if image is None:
        raise FileNotFoundError(f"cannot read {path}")
    return np.asarray(image, np.uint8)


def id_crops(reader: PlateReader, limit: int | None, show_failures: bool, label: str = "") -> None:
    """The plates, read by `reader` (main's reads as a lane reads each camera frame: without the expiry line)."""
    folder = DATA / "id-crops"
    with (folder / "labels.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["format_ok"] == "1"][:limit]
    exact, char_err, chars, times = 0, 0, 0, []
    for r in rows:
        image = _imread(folder / r["file"])
        t0 = time.perf_counter()
        got = reader.read_crop(image)
        times.append((time.perf_counter() - t0) * 1000)
        truth = r["plate_text"].replace(" ", "")
        text = got.compact if isinstance(got, PlateReading) else ""
        exact += text == truth
        char_err += min(len(truth), edit_distance(text, truth))
        chars += len(truth)
        if show_failures and text != truth:
            print(f"    {r['file']}: read {text or '-'} ({getattr(got, 'reason', '')}) truth {truth}")
    n = len(rows)
    print(
        f"id-crops{label}: {n} plates: exact {exact / n:.1%}, characters {1 - char_err / chars:.1%}, "
        f"ms a crop median {statistics.median(times):.0f} p95 {pct(times, 95):.0f}"
    )


def expiry_lines(reader: PlateReader, limit: int | None) -> None:
    """The id-crops' expiry lines (`PlateReader.read_expiry`), against EXPIRY_LABELS: read by eye, blank where the
    line is not legible (cut, blurred, dark)."""
    folder = DATA / "id-crops"
    with EXPIRY_LABELS.open(newline="") as f:
        rows = list(csv.DictReader(f))[:limit]
    right, wrong, missed, invented, times = 0, 0, 0, 0, []
    for r in rows:
        image = _imread(folder / r["file"])
        t0 = time.perf_counter()
        got = reader.read_expiry(image)
        times.append((time.perf_counter() - t0) * 1000)
        truth = r["expiry"]
        right += bool(truth) and got == truth
        wrong += bool(truth and got) and got != truth
        missed += bool(truth) and not got
        invented += not truth and bool(got)
    legible = right + wrong + missed
    print(
        f"id-crops expiry lines: {legible} legible of {len(rows)}: read right {right}, wrong {wrong}, not read "
        f"{missed}; read where not legible {invented}; ms a crop median {statistics.median(times):.0f} "
        f"p95 {pct(times, 95):.0f}"
    )


def scenes_eu(reader: PlateReader, limit: int | None) -> None:
    folder = DATA / "scenes-eu"
    with (folder / "labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))[:limit]
    first, anywhere, times = 0, 0, []
    k = reader.settings.candidates
    for r in rows:
        image = _imread(folder / r["file"])
        truth = (int(r["x"]), int(r["y"]), int(r["w"]), int(r["h"]))
        t0 = time.perf_counter()
        found = locate(image, limit=k)
        times.append((time.perf_counter() - t0) * 1000)
        overlaps = [iou(c.box, truth) for c in found]
        first += bool(overlaps and overlaps[0] >= 0.5)
        anywhere += any(o >= 0.5 for o in overlaps)
    n = len(rows)
    print(
        f"scenes-eu: {n} frames: plate found first {first / n:.1%}, among the {k} candidates read "
        f"{anywhere / n:.1%}; ms a frame (finding) median {statistics.median(times):.0f} p95 {pct(times, 95):.0f}"
    )


def synthetic(reader: PlateReader, count: int) -> None:
    if count <= 0:
        print("synthetic scenes: none asked for (--synthetic 0)")
        return
    rng = np.random.default_rng(2024)
    found, exact, times = 0, 0, []
    for seed in range(count):
        plate = render.random_plate(rng)
        frame, box = render.scene(plate, seed=seed, motorcycle=seed % 4 == 3)
        t0 = time.perf_counter()
        got = reader(frame)
        times.append((time.perf_counter() - t0) * 1000)
        if isinstance(got, PlateReading):
            found += bool(got.box and iou(got.box, box) >= 0.5)
            exact += got.text == plate
    print(
        f"synthetic scenes: {count} frames 1280x720: plate found {found / count:.1%}, read exactly "
        f"{exact / count:.1%}; ms a frame (find and read) median {statistics.median(times):.0f} "
        f"p95 {pct(times, 95):.0f}"
    )


def views(count: int) -> None:
    """The line recogniser alone on synthetic line views (plates_training.line_data, a seed no training run uses)."""
    net = line_net.model()
    if count <= 0 or net is None:
        print("synthetic line views: none" + ("" if net else f" ({line_net.MODEL_PATH.name} is missing)"))
        return
    images, texts = line_data.batch(777_001, count)
    t0 = time.perf_counter()
    got = net.read(list(images))
    ms = (time.perf_counter() - t0) * 1000 / count
    valid = [(g, t) for g, t in zip(got, texts, strict=True) if grammar.is_valid(t)]
    exact = sum(g is not None and g.plate.text.replace(" ", "") == t for g, t in valid)
    print(
        f"synthetic line views: {len(valid)} grammatical: recogniser exact {exact / len(valid):.1%}, "
        f"{ms:.1f} ms a view (network and decoding)"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", choices=["tesserocr", "pytesseract"], default="tesserocr")
    p.add_argument("--limit", type=int, default=None, help="at most this many images a set")
    p.add_argument("--synthetic", type=int, default=40, help="synthetic scenes (default 40)")
    p.add_argument("--failures", action="store_true", help="list the id-crops read wrong")
    p.add_argument("--tesseract-only", action="store_true", help="no glyph classifier: Tesseract reads the line")
    p.add_argument(
        "--recogniser",
        choices=["vote", "first", "only", "off"],
        default="vote",
        help="the line recogniser (plates.line_net): vote (default), first, only, or off",
    )
    p.add_argument("--no-compare", action="store_true", help="skip id-crops with the recogniser alone and without it")
    p.add_argument("--views", type=int, default=300, help="synthetic line views for the recogniser (default 300)")
    args = p.parse_args(argv)
    engine: Engine = TesserocrEngine() if args.engine == "tesserocr" else PytesseractEngine()
    # Plates are read as a lane reads each camera frame, without the expiry line; the expiry lines once a plate.
    settings = ReaderSettings(glyph_classifier=not args.tesseract_only, line_recogniser=args.recogniser, expiry=False)
    reader = PlateReader(settings, engine)
    print(f"engine {engine.name}; settings {reader.settings}")
    if DATA.is_dir():
        id_crops(reader, args.limit, args.failures)
        expiry_lines(PlateReader(replace(settings, expiry=True), engine), args.limit)
        if not args.no_compare:
            for mode in [m for m in ("vote", "first", "only", "off") if m != args.recogniser]:
                other = PlateReader(replace(settings, line_recogniser=mode), engine)
                id_crops(other, args.limit, False, f" (recogniser {mode})")
        scenes_eu(reader, args.limit)
    else:
        print(f"skipped id-crops and scenes-eu: {DATA} is absent (no ../shared beside the project)")
    synthetic(reader, args.synthetic)
    views(args.views)
    return 0


if __name__ == "__main__":
    sys.exit(main())
