"""Checking one row of a holder CSV (`lane registry import`): every problem of the row, each naming its column,
rather than the first one found. Pure: a row of text in, a Holder or the list of problems out; the CSV reading with
bounds and the writing stay in lane/holders.py."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from flows import nik as niks
from flows.documents import Holder, normalise_sim
from lane.sanitize import CONTROL

COLUMNS = [f.name for f in fields(Holder)]
DATES = ("birth_date", "issued", "expires")
TRUE, FALSE = ("1", "true", "yes", "ya"), ("0", "false", "no", "tidak", "")

#: The longest text each column may hold (others: 32 characters).
FIELD_CHARS = {"name": 100, "birth_place": 60, "address": 200, "occupation": 60}


def check(row: dict[str, str | None], today: date) -> Holder | list[str]:
    """The holder of a CSV row, or every problem it has as "column X: why"."""
    problems: list[str] = []
    missing = [c for c in COLUMNS if row.get(c) is None]
    if missing:
        return [f"column {', '.join(missing)}: missing (the row has fewer fields than the header)"]
    text = {c: str(row[c]) for c in COLUMNS}
    for column in COLUMNS:
        if len(text[column]) > (limit := FIELD_CHARS.get(column, 32)):
            problems.append(f"column {column}: {len(text[column])} characters (at most {limit})")
        elif bad := CONTROL.search(text[column]):
            problems.append(f"column {column}: holds the control character U+{ord(bad.group()):04X}")
    bad_columns = {p.split(":")[0].removeprefix("column ") for p in problems}
    values: dict[str, object] = dict(text)
    sim = normalise_sim(text["sim_number"])
    values["sim_number"] = sim
    if "sim_number" not in bad_columns and not (sim.isascii() and sim.isdigit() and 12 <= len(sim) <= 16):
        problems.append(
            f"column sim_number: {text['sim_number']!r} is not a SIM number (12 to 14 digits, or the 16 of a NIK)"
        )
    if "sim_number" not in bad_columns and len(sim) == 16 and sim != text["nik"].strip():
        problems.append(
            "column sim_number: 16 digits but not the holder's NIK (cards numbered since July 2024 carry it)"
        )
    if "nik" not in bad_columns:
        try:
            niks.parse(text["nik"], today)
        except niks.NikError as err:
            problems.append(f"column nik: {err}")
    for column in DATES:
        if column in bad_columns:
            continue
        try:
            values[column] = date.fromisoformat(text[column].strip())
        except ValueError:
            problems.append(f"column {column}: {text[column]!r} is not a date (YYYY-MM-DD)")
    flag = text["bpjs_active"].strip().lower()
    if flag not in TRUE + FALSE:
        problems.append(f"column bpjs_active: {text['bpjs_active']!r} is not yes/no (1/0)")
    values["bpjs_active"] = flag in TRUE
    for column in ("name", "sim_class"):
        if column not in bad_columns and not text[column].strip():
            problems.append(f"column {column}: empty")
    if problems:
        return problems
    return Holder(**values)  # type: ignore[arg-type]
