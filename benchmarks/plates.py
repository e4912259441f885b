"""Plate reading figures, run by hand (`python -m benchmarks.plates`), each set on its own line:

- the validation part of the real sets (plates_training/split.csv: no setting is chosen by it): id-crops read as
  crops (`--crop`), id-street's whole 416x416 photos read as frames (no box given), and id-street's labelled boxes
  cut out and read as frames (a tight crop WITHOUT `--crop`); then the same three on the tune part (the confidence
  is calibrated and the threshold chosen on it) and the train part (the recogniser is fine-tuned on it), labelled
  TUNING and TRAINING: those are plates the reader has seen, not figures of how it reads;
- for each: exact plate %, the share of readings `accepted` (confidence >= `--accept`, by default the
  `plates.confidence.PLATE_ACCEPT` proposed for `rules.plate_accept`, from this single frame), wrong among the
  accepted, accepted and right (of all), and the median ms an image; then, read on the same images in the same run,
  plain Tesseract and PP-OCRv4 (RapidOCR) as baselines (exact % and median ms: they give no comparable confidence;
  on the validation sets and `--set` only: PP-OCRv4 takes a second or more an image on a busy 2-core machine);
- synthetic 1280x720 lane scenes (devices.render.scene): exact and the median ms a frame, for the frame-time goal.
`--set DIR` reads any folder with a `labels.csv` in the shared sets' form instead (what `lane plates export` writes):
as crops, as frames and, when it has boxes, as tight crops. `--variant` reads with one part of the reader off, to
measure what each part earns. Skips the real sets with a message when ../shared is absent.
Goals (issue 16, validation only): exact >= 95% on crops and >= 90% on whole frames; wrong <= 1% among accepted;
accepted and right >= 85% of whole frames; median <= 60 ms a crop and <= 200 ms a 1280x720 frame.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import numpy as np

from benchmarks import plate_sets
from benchmarks.plate_sets import DATA, Baseline, Item
from devices import render
from plates.confidence import PLATE_ACCEPT
from plates.reader import PlateReader, ReaderSettings
from plates.reading import Image, PlateReading

#: One part of the reader switched off at a time (issue 16: keep the parts that earn their place).
VARIANTS: dict[str, dict[str, object]] = {
    "shipped": {},  # the plate recogniser (PP-OCRv6 fine-tuned on plates) on the crop
    "bands": {"plate_bands": True},  # ... and on the band around the main line too
    "one-margin": {"margins": ((0.08, 0.12),)},  # a candidate read in one crop, not also a wider one
    "no-text-lines": {"text_candidates": 0},  # no candidates from the text detector
    "no-general-check": {"general_check": False},  # no check by PP-OCRv6 as shipped
    "line": {"recogniser": "line"},  # the earlier ensemble, whole: our line network, cut characters, PP-OCRv6 as is
    # The earlier ensemble with one of its parts off:
    "line-no-second": {"recogniser": "line", "second_opinion": 0.0},  # no PP-OCRv6 second recogniser (no fusion)
    "line-no-fuse": {"recogniser": "line", "fuse": False},  # whole texts weighed, never joined by character
    "line-no-cut": {"recogniser": "line", "line_recogniser": "only"},  # no cut characters, no glyph classifier
    "line-tesseract-cut": {"recogniser": "line", "glyph_classifier": False},  # the cut read by Tesseract
}


def _ms(f: Callable[[], object]) -> tuple[object, float]:
    t0 = time.perf_counter()
    got = f()
    return got, (time.perf_counter() - t0) * 1000


def ours(reader: PlateReader, item: Item) -> tuple[str, float, float]:
    """Our reading (compact text, "" for none), its confidence and the ms it took."""
    image = item.image
    got, ms = _ms(lambda: reader.read_crop(image) if item.how == "crop" else reader(image))
    if isinstance(got, PlateReading):
        return got.compact, got.confidence, ms
    return "", 0.0, ms


def report(label: str, items: list[Item], reader: PlateReader, accept: float, baselines: dict[str, Baseline]) -> None:
    if not items:
        print(f"{label}: no images")
        return
    n = len(items)
    read = [ours(reader, it) for it in items]
    exact = sum(text == it.truth for (text, _, _), it in zip(read, items, strict=True))
    taken = [(text, it.truth) for (text, conf, _), it in zip(read, items, strict=True) if text and conf >= accept]
    wrong = sum(t != truth for t, truth in taken)
    line = (
        f"{label}: {n} images: exact {exact / n:.1%}; accepted {len(taken) / n:.1%}, wrong of accepted "
        f"{wrong / max(len(taken), 1):.1%} ({wrong}), accepted and right {(len(taken) - wrong) / n:.1%}; "
        f"median {statistics.median(ms for _, _, ms in read):.0f} ms"
    )
    for name, base in baselines.items():
        got = [_ms(lambda im=it.image, b=base: b(im)) for it in items]  # type: ignore[misc]
        right = sum(text == it.truth for (text, _), it in zip(got, items, strict=True))
        line += f" | {name} exact {right / n:.1%}, {statistics.median(ms for _, ms in got):.0f} ms"
    print(line, flush=True)


def shared(reader: PlateReader, accept: float, baselines: dict[str, Baseline], sides: list[str]) -> None:
    if not DATA.is_dir():
        print(f"skipped the real sets: {DATA} is absent (no ../shared beside the project)")
        return
    for side in sides:
        tag = {"val": "VALIDATION", "tune": "TUNING (calibrated on: not a figure)"}.get(side, "TRAINING (not a figure)")
        sets: list[tuple[str, str, plate_sets.How]] = [
            ("id-crops crops (--crop)", "id-crops", "crop"),
            ("id-street whole frames", "id-street", "frame"),
            ("id-street tight crops, no --crop", "id-street", "tight"),
        ]
        for name, folder, how in sets:
            read = list(plate_sets.items(DATA / folder, how, side))
            report(f"{tag} {name}", read, reader, accept, baselines if side == "val" else {})


def own_set(folder: Path, reader: PlateReader, accept: float, baselines: dict[str, Baseline]) -> None:
    hows: list[plate_sets.How] = ["crop", "frame"]
    if plate_sets.has_boxes(folder):
        hows.append("tight")
    for how in hows:
        report(f"{folder} as {how}", list(plate_sets.items(folder, how)), reader, accept, baselines)


def synthetic(reader: PlateReader, count: int) -> None:
    rng = np.random.default_rng(2024)
    exact, times = 0, []
    for seed in range(count):
        plate = render.random_plate(rng)
        frame: Image = render.scene(plate, seed=seed, motorcycle=seed % 4 == 3)[0]
        got, ms = _ms(lambda f=frame: reader(f))  # type: ignore[misc]
        times.append(ms)
        exact += isinstance(got, PlateReading) and got.text == plate
    if count:
        print(
            f"synthetic 1280x720 scenes: {count}: exact {exact / count:.1%}; median {statistics.median(times):.0f} ms"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--set", type=Path, help="read this folder (a labels.csv in the shared sets' form) instead")
    p.add_argument("--accept", type=float, default=PLATE_ACCEPT, help=f"accept threshold (default {PLATE_ACCEPT})")
    p.add_argument("--variant", choices=sorted(VARIANTS), default="shipped", help="one part of the reader off")
    p.add_argument("--sides", default="val,tune,train", help="parts of the split to read (default all three)")
    p.add_argument("--no-baselines", action="store_true", help="skip Tesseract and PP-OCRv4")
    p.add_argument("--synthetic", type=int, default=40, help="synthetic 1280x720 scenes (default 40)")
    p.add_argument("--model", type=Path, help="the recogniser's ONNX file (default: the shipped one)")
    args = p.parse_args(argv)
    settings = replace(ReaderSettings(expiry=False), **VARIANTS[args.variant])  # type: ignore[arg-type]
    reader = PlateReader(settings, model_path=args.model)
    reader.warm_up()
    baselines: dict[str, Baseline] = {}
    for name, make in (("tesseract", plate_sets.tesseract), ("PP-OCRv4", plate_sets.ppocr4)):
        base = None if args.no_baselines else make()
        if base is not None:
            baselines[name] = base
        elif not args.no_baselines:
            print(f"baseline {name} skipped: its package is not installed")
    print(f"variant {args.variant}; accept >= {args.accept}; settings {reader.settings}")
    try:
        if args.set is not None:
            own_set(args.set, reader, args.accept, baselines)
        else:
            shared(reader, args.accept, baselines, args.sides.split(","))
            synthetic(reader, args.synthetic)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
