"""The holder registry: the site's local SQLite copy of licence holders, and the pre-registrations booked for
the site. Filled by `lane registry seed` (a reproducible synthetic population) or `lane registry import FILE.csv`;
read by the documents stage through `lookup`, and by the arrival of a vehicle through `preregistration`."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable
from dataclasses import asdict, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from flows import nik as niks
from flows import population
from flows.documents import Holder, normalise_sim
from lane.privacy import private_db

COLUMNS = [f.name for f in fields(Holder)]


class RegistryError(Exception):
    pass


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
        rows = list(self.db.query("select * from holders where sim_number = ?", [normalise_sim(sim_number)]))
        return _holder(rows[0]) if rows else None

    def add(self, holders: Iterable[Holder]) -> int:
        rows = [_row(h) for h in holders]
        with self.db.atomic():
            self.db.table("holders").upsert_all(rows, pk="sim_number")
        return len(rows)

    def seed(self, count: int, seed: int, today: date) -> int:
        """Replace the holders with a reproducible synthetic population of `count`."""
        with self.db.atomic():
            self.db.execute("delete from holders")
            self.db.execute("delete from preregistrations")
        return self.add(population.holders(count, seed, today))

    def import_csv(self, path: Path, today: date) -> tuple[int, list[str]]:
        """Add the rows of a CSV with the Holder columns; rows that break a rule are listed, not imported."""
        good: list[Holder] = []
        errors: list[str] = []
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise RegistryError(f"{path}: missing columns: {', '.join(missing)}")
            for line, row in enumerate(reader, start=2):
                try:
                    if any(row.get(c) is None for c in COLUMNS):
                        raise ValueError("the row has fewer fields than the header")
                    values = {
                        **row,
                        "sim_number": normalise_sim(row["sim_number"]),
                        "bpjs_active": row["bpjs_active"].strip().lower() in ("1", "true", "yes"),
                    }
                    holder = _holder(values)
                    niks.parse(holder.nik, today)
                    if not holder.sim_number.isascii() or not holder.sim_number.isdigit():
                        raise ValueError("sim_number is not digits")
                    good.append(holder)
                except (ValueError, KeyError, TypeError, AttributeError) as err:
                    errors.append(f"{path}:{line}: {err}")
        return self.add(good), errors

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
