"""`lane plates export --from DATE --to DATE OUT/`: the lane teaches its reader (issue 16). Every plate an operator
typed (or confirmed from the lane's suggestion) or corrected, on a closed cycle that started in those days (site
time, both inclusive), with the evidence crop the lane kept of it (`<var>/plates/<lane>-<cycle>.png`, var being the
database's folder; lane.evidence), is written to OUT as `images/<lane>-<cycle>.png` plus `labels.csv` in the form of
the shared sets (`file,plate_text,format_ok`, as ../shared/data/plates/id-crops/labels.csv), which
benchmarks/plates.py and plates_training read. The label is the plate in force (the corrected one).

Cycles without a crop (the camera never saw a plate, or lane.retention removed it after `plates_days`) are counted
and skipped with a message; so are those whose crop is likely not of the plate: the camera's reading of it
(`plate_read`) shares less than half its characters with the plate in force (`SAME_PLATE`, difflib's ratio), as when
the reader took the expiry line or a sticker for the plate ("A 29" for "G 1234 AB"). A crop misread by a character
or two, the example that teaches most, is kept.

Personal data: the plates and their crops only, no names, NIKs or times; OUT is made readable by its owner only
(lane.privacy). OUT must be new or empty, so that a set is never two exports mixed.
Exit codes: 0 done, 1 the database or OUT cannot be used, 2 a bad site file or bad dates.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import difflib
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lane.config import ConfigError, SiteConfig
from lane.privacy import private_dir, private_file
from plates.grammar import is_valid

#: The shared sets' columns (../shared/data/plates/*/labels.csv).
COLUMNS = ("file", "plate_text", "format_ok")
#: A crop is taken to show the plate when the camera's reading of it is at least this alike to the plate in force.
SAME_PLATE = 0.5


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def add_parser(sub: Any) -> None:
    """Add `export` to `lane plates`."""
    p = sub.add_parser("export", help="the plates operators typed or corrected, with their crops, as a labelled set")
    p.add_argument(
        "--from", dest="first", type=_date, required=True, metavar="DATE", help="first day, YYYY-MM-DD in site time"
    )
    p.add_argument("--to", dest="last", type=_date, required=True, metavar="DATE", help="last day, inclusive")
    p.add_argument("--db", type=Path, default=None, help="database (default: store.path); its folder holds plates/")
    p.add_argument("out", type=Path, metavar="OUT", help="a new (or empty) folder for images/ and labels.csv")


@dataclass
class Exported:
    typed: int = 0  # plates typed or confirmed at the plate stage
    corrected: int = 0  # plates corrected after it
    without_crop: list[str] = field(default_factory=list)  # cycle names skipped: no crop to go with the label
    not_the_plate: list[str] = field(default_factory=list)  # ... and those whose crop is likely of something else

    @property
    def written(self) -> int:
        return self.typed + self.corrected


def utc_bounds(first: date, last: date, zone: str) -> tuple[str, str]:
    """The ISO UTC instants of `first`'s start and the day after `last`'s start in site time."""
    tz = ZoneInfo(zone)
    begin = datetime.combine(first, time(), tz).astimezone(ZoneInfo("UTC"))
    end = datetime.combine(last + timedelta(days=1), time(), tz).astimezone(ZoneInfo("UTC"))
    return begin.isoformat(timespec="milliseconds"), end.isoformat(timespec="milliseconds")


def rows(db: sqlite3.Connection, begin: str, end: str) -> list[sqlite3.Row]:
    """The closed cycles in [begin, end) whose plate an operator typed or corrected, oldest first."""
    db.row_factory = sqlite3.Row
    return db.execute(
        "SELECT id, lane, plate, plate_read, plate_evidence, plate_corrected_by FROM cycles WHERE outcome != 'open' "
        "AND plate IS NOT NULL AND plate != '' AND (plate_source = 'operator' OR plate_corrected_by IS NOT NULL) "
        "AND started_at >= ? AND started_at < ? ORDER BY id",
        [begin, end],
    ).fetchall()


def shows_plate(read: str | None, plate: str) -> bool:
    """Whether a crop the camera read as `read` likely shows `plate` (no reading recorded: taken to)."""
    if not read:
        return True
    return difflib.SequenceMatcher(None, read.replace(" ", ""), plate.replace(" ", "")).ratio() >= SAME_PLATE


def export(found: list[sqlite3.Row], crops: Path, out: Path) -> Exported:
    """Write each row's crop and label to `out` (images/ and labels.csv)."""
    done = Exported()
    images = private_dir(out / "images")
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in found:
            name = str(row["plate_evidence"] or "")
            source = crops / name
            if not name or Path(name).name != name or not source.is_file():
                done.without_crop.append(f"{row['lane']}-{row['id']:06d}")
                continue
            if not shows_plate(row["plate_read"], row["plate"]):
                done.not_the_plate.append(f"{row['lane']}-{row['id']:06d}")
                continue
            shutil.copyfile(source, images / name)
            private_file(images / name)
            writer.writerow((f"images/{name}", row["plate"], int(is_valid(row["plate"]))))
            if row["plate_corrected_by"]:
                done.corrected += 1
            else:
                done.typed += 1
    private_file(out / "labels.csv")
    return done


def run(args: argparse.Namespace, config: SiteConfig) -> int:
    if args.first > args.last:
        raise ConfigError(f"--from {args.first} is after --to {args.last}")
    db_path = Path(args.db or config.store.path)
    out: Path = args.out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(f"lane plates export: {out} is not an empty folder: name a new one")
        return 1
    if not db_path.is_file():
        print(f"lane plates export: no database at {db_path}")
        return 1
    begin, end = utc_bounds(args.first, args.last, config.site.timezone)
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)) as db:
            found = rows(db, begin, end)
    except sqlite3.Error as err:
        print(f"lane plates export: {db_path}: cannot be read: {err}")
        return 1
    private_dir(out)
    done = export(found, db_path.parent / "plates", out)
    print(
        f"{done.written} plates ({done.typed} typed, {done.corrected} corrected) from {args.first} to {args.last} "
        f"written to {out / 'labels.csv'} with their crops in {out / 'images'}"
    )
    for names, why in (
        (done.without_crop, "without a plate crop (none seen, or removed by retention)"),
        (done.not_the_plate, "whose crop is likely not of the plate (its reading shares too little with the plate)"),
    ):
        if names:
            print(f"skipped {len(names)} {why}: " + ", ".join(names[:10]) + (" ..." if len(names) > 10 else ""))
    return 0
