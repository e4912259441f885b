"""`lane plates read IMAGE...`: read the number plate in image files and print, for each, the plate found (or why
none), its confidence and the time taken; `--json` prints one JSON object a line (file, plate, confidence, ms,
reason, accepted, plus region, expiry and box; `accepted`: whether a lane would take the reading from this one frame,
lane.plate_policy with the site's `rules.plate_accept`). Files that cannot be opened or decoded are reported as "no
plate" with the reason; an image larger than lane.image_file allows by its header is refused before it is decoded.
File names and readings are printed through lane.sanitize. The site file gives `rules.plate_accept` and the line
model (`[plates] model`, lane.plate_model); without one at the default path, the defaults. Exit code 0 when
every file was an image, 1 when some were not (missing, unreadable, too large, not an image), 2 for a bad site file.

`lane plates export` is lane.plate_export's."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lane.cli_args import whole
from lane.config import DEFAULT_PATH, ConfigError, SiteConfig, load
from lane.sanitize import json_line, line

if TYPE_CHECKING:  # OpenCV and the reader are loaded when the command runs, not when `lane` starts
    from plates.reading import Image, NoPlate, PlateReading


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `plates` (with its `read` subcommand) to the `lane` command's subparsers."""
    from lane import plate_export

    plates: argparse.ArgumentParser = subparsers.add_parser(
        "plates", help="number plates: read plates in image files, export the plates operators typed"
    )
    sub = plates.add_subparsers(dest="plates_command", required=True, metavar="PLATES_COMMAND")
    read = sub.add_parser("read", help="read the plate in each image file")
    read.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="image files (JPEG, PNG, ...)")
    read.add_argument("--json", action="store_true", help="one JSON object a line")
    read.add_argument("--crop", action="store_true", help="the images are plates already cut out")
    read.add_argument(
        "--candidates",
        type=whole(1, 10),
        default=None,
        help="plate candidates read per image, 1 to 10 (default: the reader's setting)",
    )
    plate_export.add_parser(sub)
    return plates


def load_image(path: Path) -> tuple[Image | None, str]:
    """The image in a file, or None and the reason (missing, empty, too big by its header, not an image)."""
    from lane import image_file
    from plates.reading import u8

    image, why = image_file.load(path)
    return (None, why) if image is None else (u8(image), "")


def export(args: argparse.Namespace) -> int:
    """`lane plates export` (lane.plate_export), with the site file's store and time zone."""
    from lane import plate_export

    try:
        return plate_export.run(args, load(Path(getattr(args, "config", None) or DEFAULT_PATH)))
    except ConfigError as err:
        print(f"lane: configuration error\n{err}", file=sys.stderr)
        return 2


def site(args: argparse.Namespace) -> SiteConfig | None:
    """The site file `--config` names (None: no file at the default path, the defaults); ConfigError as elsewhere."""
    path = Path(getattr(args, "config", None) or DEFAULT_PATH)
    if path == DEFAULT_PATH and not path.exists():
        return None
    return load(path)


def run(args: argparse.Namespace) -> int:
    if args.plates_command == "export":
        return export(args)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from lane import plate_model
    from lane.plate_policy import DEFAULT_ACCEPT, accepted
    from plates import ppocr
    from plates.reader import PlateReader, ReaderSettings
    from plates.reading import NoPlate

    try:
        config = site(args)
        if config is not None:
            plate_model.check(config, getattr(args, "config", None) or DEFAULT_PATH)
    except ConfigError as err:
        print(f"lane: configuration error\n{err}", file=sys.stderr)
        return 2
    threshold = config.rules.plate_accept if config is not None else DEFAULT_ACCEPT
    settings = ReaderSettings()
    if args.candidates is not None:
        settings = ReaderSettings(candidates=args.candidates)
    reader = PlateReader(settings, model_path=plate_model.model_path(config) if config is not None else None)
    reader.warm_up()  # so the first file's time is a read's, not the models' loading
    if ppocr.model() is None:
        print(f"note: reading without the second recogniser: {ppocr.missing}", file=sys.stderr)
    failed = 0
    for path in args.images:
        t0 = time.perf_counter()
        image, why = load_image(path)
        result: PlateReading | NoPlate
        if image is None:
            failed += 1
            result = NoPlate(why)
        else:
            result = reader.read_crop(image) if args.crop else reader(image)
        ms = (time.perf_counter() - t0) * 1000.0
        row: dict[str, Any] = {
            "file": str(path),
            "plate": None,
            "confidence": None,
            "ms": round(ms, 1),
            "reason": "",
            "accepted": False,
        }
        if isinstance(result, NoPlate):
            row["reason"] = result.reason
        else:
            row.update(
                plate=result.text,
                confidence=result.confidence,
                accepted=accepted(result, threshold),
                region=result.region,
                expiry=result.expiry or None,
                box=list(result.box) if result.box else None,
            )
        if args.json:
            print(json_line(json.dumps(row, ensure_ascii=False)))
        elif row["plate"] is None:
            print(line(f"{path}: no plate ({row['reason']})  {ms:.0f} ms"))
        else:
            expiry = f", expires {row['expiry']}" if row.get("expiry") else ""
            print(
                line(
                    f"{path}: {row['plate']}  confidence {row['confidence']:.2f}  {ms:.0f} ms  "
                    f"({row['region']}{expiry})"
                )
            )
        sys.stdout.flush()
    return 1 if failed else 0
