"""The holder registry: the site's local SQLite copy of licence holders, and the pre-registrations booked for
the site. Filled by `lane registry seed` (a reproducible synthetic population) or `lane registry import FILE.csv`;
read by the documents stage through `lookup` (by either number a holder's card may carry: an older card's, or
the NIK that numbers every card issued since July 2024), and by the arrival of a vehicle through `preregistration`.

An import reads its file with bounds (a record of at most RECORD_CHARS, each column at most FIELD_CHARS, UTF-8):
a file past them is refused naming the line and the column. It never changes a holder already here silently:
such an import is refused as a whole (`WouldChange`, listing the changes) unless asked to update."""

from __future__ import annotations

import contextlib
import csv
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import sqlite_utils

from flows import population
from flows.documents import Holder, normalise_sim
from lane import holder_rows
from lane.holder_rows import FIELD_CHARS as FIELD_CHARS
from lane.privacy import private_db

COLUMNS = [f.name for f in fields(Holder)]


class RegistryError(Exception):
    pass


#: The longest record of a CSV file (each column's bound is holder_rows.FIELD_CHARS): a holder row is some 200
#: characters; the csv module alone would take a 128 KiB field and then fail with a traceback.
RECORD_CHARS = 4096


@dataclass(frozen=True)
class Change:
    """An import's change to a holder already in the registry: the fields it changes, the NIK before and after."""

    sim_number: str
    fields: list[str]
    old_nik: str
    new_nik: str


@dataclass(frozen=True)
class Imported:
    holders: int  # written: new, changed and unchanged
    changes: list[Change]
    unchanged: int
    errors: list[str]  # the rows refused, "<file>:<line>: <why>"


class WouldChange(RegistryError):
    """An import that would change holders already here, refused as a whole (`--update` allows it)."""

    def __init__(self, path: Path, changes: list[Change], errors: list[str]) -> None:
        super().__init__(f"{path}: would change {len(changes)} holders already in the registry (--update to allow)")
        self.changes = changes
        self.errors = errors  # the rows refused besides


class Imports(RegistryError):
    """A seed refused: the registry holds holders imported from files (`--force` replaces them all the same)."""

    def __init__(self, files: list[dict[str, Any]]) -> None:
        last = files[-1]
        super().__init__(
            f"holds holders imported from {len(files)} file(s) (the last: {last['file']}, {last['holders']} holders, "
            f"{last['at'][:16]}): seeding would delete them; --force to replace them all the same"
        )


#: Wraps the holders a seed makes (a progress bar); `iter` by default.
Wrap = Callable[[Iterable[Holder]], Iterable[Holder]]


def _decode(raw: bytes, path: Path, line: int) -> str:
    try:
        return raw.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as err:
        raise RegistryError(f"{path}:{line}: not UTF-8 text ({err.reason} at byte {err.start + 1})") from err


def _column(header: Sequence[str] | None, text: str) -> str:
    """The column a record cut short ends in: the cells before it, counted by the csv module itself."""
    for tail in ("", '"'):
        with contextlib.suppress(csv.Error):
            cells = next(csv.reader([text + tail]), [""])
            if header is None:  # the header line itself
                return str(len(cells))
            return header[len(cells) - 1] if len(cells) <= len(header) else f"{len(cells)} (beyond the header)"
    return "(unknown)"


@dataclass
class _Cursor:
    """Where the reading of a CSV file is: the record being read starts on `start`; `text` holds its first
    RECORD_CHARS characters."""

    start: int = 1
    lines: int = 0
    chars: int = 0
    text: str = ""

    def next_record(self) -> None:
        self.start, self.chars, self.text = self.lines + 1, 0, ""


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """The records of a holder CSV with the line each starts on, read line by line with bounds: a record longer
    than RECORD_CHARS, text that is not UTF-8 or a malformed line is a RegistryError naming line and column."""
    at = _Cursor()

    def lines(f: BinaryIO) -> Iterator[str]:
        while raw := f.readline(RECORD_CHARS + 1):
            at.lines += 1
            text = _decode(raw, path, at.lines)
            if text not in ("\n", "\r\n"):  # the csv module skips blank lines
                at.chars += len(text)
                at.text += text[: RECORD_CHARS + 1 - len(at.text)]
            if at.chars > RECORD_CHARS:
                column = _column(reader.fieldnames if at.start > 1 else None, at.text)
                raise RegistryError(
                    f"{path}:{at.start}: column {column}: a record of more than {RECORD_CHARS} "
                    "characters (a holder row is some 200)"
                )
            yield text

    with path.open("rb") as f:
        reader = csv.DictReader(lines(f))
        try:
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise RegistryError(f"{path}: missing columns: {', '.join(missing)}")
            at.next_record()
            for row in reader:
                yield at.start, row
                at.next_record()
        except csv.Error as err:
            raise RegistryError(f"{path}:{at.start}: not a CSV record: {err}") from err


def _row(holder: Holder) -> dict[str, Any]:
    row = asdict(holder)
    for key in ("birth_date", "issued", "expires"):
        row[key] = row[key].isoformat()
    row["bpjs_active"] = int(holder.bpjs_active)
    return row


def _holder(row: dict[str, Any]) -> Holder:
    values = {k: row[k] for k in COLUMNS}
    for key in ("birth_date", "issued", "expires"):
        values[key] = date.fromisoformat(values[key])
    values["bpjs_active"] = bool(values["bpjs_active"])
    return Holder(**values)


class Registry:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        private_db(self.path)  # owner-only: holders' NIKs, names and addresses
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        holders = self.db.table("holders")
        if not holders.exists():
            holders.create({c: (int if c == "bpjs_active" else str) for c in COLUMNS}, pk="sim_number")
            holders.create_index(["nik"])
        holders.create_index(["sim_class", "expires", "sim_number"], if_not_exists=True)  # sample()
        if not self.db.table("imports").exists():  # what `lane registry import` brought: seed keeps it unless forced
            self.db.table("imports").create({"at": str, "file": str, "holders": int})
        prereg = self.db.table("preregistrations")
        if not prereg.exists():
            prereg.create(
                {
                    "id": int,
                    "plate": str,
                    "nik": str,
                    "sim_number": str,
                    "slot_start": str,
                    "slot_end": str,
                    "cycle_id": int,
                },
                pk="id",
            )
            prereg.create_index(["plate"])

    def close(self) -> None:
        self.db.close()

    def count(self) -> int:
        return self.db.table("holders").count

    def lookup(self, sim_number: str) -> Holder | None:
        """The holder of a SIM number: an older card's 12-14 digit number, or a 16-digit one, which since July
        2024 is the holder's NIK: found as a card number, else as the NIK of a holder whose copy here still has
        the older number (renewed elsewhere, or here, since the copy was made: their latest card)."""
        number = normalise_sim(sim_number)
        rows = list(self.db.query("select * from holders where sim_number = ?", [number]))
        if not rows and len(number) == 16:
            rows = list(self.db.query("select * from holders where nik = ? order by issued desc limit 1", [number]))
        return _holder(rows[0]) if rows else None

    def add(self, holders: Iterable[Holder]) -> int:
        rows = [_row(h) for h in holders]
        with self.db.atomic():
            self.db.table("holders").upsert_all(rows, pk="sim_number")
        return len(rows)

    def seed(self, count: int, seed: int, today: date, each: Wrap = iter, force: bool = False) -> int:
        """Replace the holders with a reproducible synthetic population of `count` (`each` wraps the holders as they
        are made: a progress bar). A registry that holds imported holders is not replaced unless `force`: raises
        Imports naming the files."""
        files = list(self.db.query("select file, at, holders from imports order by rowid"))
        if files and not force:
            raise Imports(files)
        with self.db.atomic():
            self.db.execute("delete from holders")
            self.db.execute("delete from preregistrations")
            self.db.execute("delete from imports")
        return self.add(each(population.holders(count, seed, today)))

    def import_csv(self, path: Path, today: date, update: bool = False) -> Imported:
        """Add the rows of a CSV with the Holder columns; rows that break a rule are listed, not imported. A file
        that would change a holder already here raises `WouldChange` (nothing written) unless `update`."""
        good: dict[str, tuple[int, Holder]] = {}
        errors: list[str] = []
        for line, row in _records(path):
            checked = holder_rows.check(dict(row), today)
            if isinstance(checked, list):
                errors.append(f"{path}:{line}: " + "; ".join(checked))
            elif checked.sim_number in good:
                first = good[checked.sim_number][0]
                errors.append(f"{path}:{line}: column sim_number: {checked.sim_number} is on line {first} too")
            else:
                good[checked.sim_number] = (line, checked)
        holders = [h for _, h in good.values()]
        changes, unchanged = self._changes(holders)
        if changes and not update:
            raise WouldChange(path, changes, errors)
        self.add(holders)
        self.db.table("imports").insert(
            {"at": datetime.now().astimezone().isoformat(), "file": str(path), "holders": len(holders)}
        )
        return Imported(len(holders), changes, unchanged, errors)

    def _changes(self, holders: list[Holder]) -> tuple[list[Change], int]:
        """What `holders` would change of the holders already here, and how many of them are here unchanged."""
        out: list[Change] = []
        same = 0
        for start in range(0, len(holders), 500):
            batch = {h.sim_number: h for h in holders[start : start + 500]}
            marks = ",".join("?" for _ in batch)
            for row in self.db.query(f"select * from holders where sim_number in ({marks})", list(batch)):
                old = _holder(row)
                new = batch[old.sim_number]
                fields = [c for c in COLUMNS if getattr(old, c) != getattr(new, c)]
                if fields:
                    out.append(Change(old.sim_number, fields, old.nik, new.nik))
                else:
                    same += 1
        return out, same

    def sample(self, rng: random.Random, classes: tuple[str, ...], today: date, valid: bool = True) -> Holder:
        """A holder of one of `classes` whose SIM is (valid) or is not (not valid) still in force."""
        op = ">=" if valid else "<"
        marks = ",".join("?" for _ in classes)
        where = f"from holders where sim_class in ({marks}) and expires {op} ?"
        params = [*classes, today.isoformat()]
        count = self.db.execute(f"select count(*) {where}", params).fetchone()[0]
        if not count:
            raise RegistryError(f"no {'valid' if valid else 'expired'} holder of class {'/'.join(classes)}")
        rows = list(
            self.db.query(
                f"select * {where} order by sim_class, expires, sim_number limit 1 offset ?",  # the index order
                [*params, rng.randrange(count)],
            )
        )
        return _holder(rows[0])

    def book(self, plate: str, holder: Holder, start: datetime, end: datetime) -> int:
        table = self.db.table("preregistrations")
        table.insert(
            {
                "plate": plate,
                "nik": holder.nik,
                "sim_number": holder.sim_number,
                "slot_start": start.isoformat(),
                "slot_end": end.isoformat(),
            }
        )
        return int(table.last_pk or 0)

    def preregistration(self, plate: str, at: datetime) -> dict[str, Any] | None:
        """The booking for this plate whose slot covers `at` (UTC), not yet used."""
        rows = list(
            self.db.query(
                "select * from preregistrations where plate = ? and cycle_id is null"
                " and slot_start <= ? and slot_end >= ? order by slot_start limit 1",
                [plate, at.isoformat(), at.isoformat()],
            )
        )
        return rows[0] if rows else None

    def use_preregistration(self, prereg_id: int, cycle_id: int) -> None:
        self.db.table("preregistrations").update(prereg_id, {"cycle_id": cycle_id})
