"""lane.holders: seeding is reproducible and consistent, lookup, sample, CSV import, pre-registration bookings."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import asdict, astuple
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flows import nik as niks
from flows.card import five_years_on
from flows.documents import Holder
from flows.population import NIK_BASED_SINCE
from lane.holders import COLUMNS, Imported, Registry, RegistryError

TODAY = date(2026, 11, 28)
COUNT = 500


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(tmp_path / "registry.db")
    reg.seed(COUNT, 1, TODAY)
    yield reg
    reg.close()


def rows(reg: Registry) -> list[dict[str, Any]]:
    return list(reg.db.query("select * from holders order by sim_number"))


def holders(reg: Registry) -> list[Holder]:
    return [h for h in (reg.lookup(r["sim_number"]) for r in rows(reg)) if h is not None]


# --- seed -------------------------------------------------------------------------------------------------------


def test_seed_is_reproducible(tmp_path: Path, registry: Registry) -> None:
    same, other = Registry(tmp_path / "same.db"), Registry(tmp_path / "other.db")
    try:
        assert same.seed(COUNT, 1, TODAY) == COUNT and other.seed(COUNT, 2, TODAY) == COUNT
        assert registry.count() == same.count() == other.count() == COUNT
        assert rows(same) == rows(registry)
        assert rows(other) != rows(registry)
        assert len({r["nik"] for r in rows(other)} & {r["nik"] for r in rows(registry)}) < COUNT // 10
    finally:
        same.close()
        other.close()


def test_seeding_again_replaces_the_holders_and_the_bookings(registry: Registry) -> None:
    holder = registry.sample(random.Random(0), ("A",), TODAY)
    registry.book("G 1 AB", holder, datetime(2026, 11, 28, 8), datetime(2026, 11, 28, 9))
    assert registry.seed(COUNT, 1, TODAY) == COUNT
    assert registry.count() == COUNT
    assert registry.db.table("preregistrations").count == 0


def test_about_a_tenth_expired_and_some_expiring_within_30_days(registry: Registry) -> None:
    everyone = holders(registry)
    assert len(everyone) == COUNT
    expired = [h for h in everyone if h.expires < TODAY]
    soon = [h for h in everyone if TODAY <= h.expires <= TODAY + timedelta(days=30)]
    assert 0.06 * COUNT <= len(expired) <= 0.14 * COUNT
    assert 0.05 * COUNT <= len(soon) <= 0.15 * COUNT
    for h in everyone:
        assert h.expires == five_years_on(h.issued)
        assert h.issued <= TODAY
    assert {h.sim_class for h in everyone} == {"A", "C", "C I", "C II"}
    assert {h.sex for h in everyone} == {"L", "P"}


def test_niks_parse_and_agree_with_birth_date_and_sex(registry: Registry) -> None:
    niks_seen = set()
    for h in holders(registry):
        decoded = niks.parse(h.nik, TODAY)
        assert decoded.birth == h.birth_date, h
        assert decoded.sex == h.sex, h
        assert decoded.age_on(TODAY) >= niks.MIN_AGE
        niks_seen.add(h.nik)
    assert len(niks_seen) == COUNT


def test_sim_numbers_are_12_to_14_digits_or_the_nik_since_mid_2024(registry: Registry) -> None:
    assert date(2024, 7, 1) == NIK_BASED_SINCE
    kinds = {"old": 0, "nik": 0}
    for h in holders(registry):
        assert h.sim_number.isascii() and h.sim_number.isdigit()
        if h.issued >= date(2024, 7, 1):
            assert h.sim_number == h.nik
            kinds["nik"] += 1
        else:
            assert 12 <= len(h.sim_number) <= 14, h
            kinds["old"] += 1
    assert kinds["nik"] > 0 and kinds["old"] > 0


# --- lookup and sample ------------------------------------------------------------------------------------------


def test_lookup_by_number_as_printed(registry: Registry) -> None:
    holder = next(h for h in holders(registry) if len(h.sim_number) == 13)
    n = holder.sim_number
    for printed in (n, f"{n[:4]}-{n[4:8]}-{n[8:]}", f"{n[:4]} {n[4:8]} {n[8:]}", f" {n} ", f"{n[:4]}.{n[4:8]}.{n[8:]}"):
        assert registry.lookup(printed) == holder, printed
    assert registry.lookup("000000000000") is None
    assert registry.lookup("") is None
    assert registry.lookup("' OR '1'='1") is None
    assert registry.count() == COUNT


@pytest.mark.parametrize("classes", [("A",), ("C", "C I", "C II"), ("C I", "C II")])
@pytest.mark.parametrize("valid", [True, False])
def test_sample_respects_class_and_expiry(registry: Registry, classes: tuple[str, ...], valid: bool) -> None:
    rng = random.Random(5)
    for _ in range(25):
        h = registry.sample(rng, classes, TODAY, valid=valid)
        assert h.sim_class in classes
        assert (h.expires >= TODAY) is valid


def test_sample_is_reproducible_and_varied(registry: Registry) -> None:
    first = [registry.sample(random.Random(9), ("A",), TODAY).sim_number for _ in range(3)]
    assert len(set(first)) == 1
    rng = random.Random(9)
    assert len({registry.sample(rng, ("A",), TODAY).sim_number for _ in range(30)}) > 10


def test_sample_without_a_match_raises(registry: Registry) -> None:
    with pytest.raises(RegistryError):
        registry.sample(random.Random(0), ("B I",), TODAY)
    empty = Registry(registry.path.parent / "empty.db")
    try:
        with pytest.raises(RegistryError):
            empty.sample(random.Random(0), ("A",), TODAY, valid=False)
    finally:
        empty.close()


# --- import_csv -------------------------------------------------------------------------------------------------


def make_holder(serial: int, sim_number: str | None, sim_class: str = "A") -> Holder:
    """A holder from Karanganyar; `sim_number` None: a card numbered with the NIK."""
    birth = date(1979, 8, 17)
    issued = date(2023, 5, 2)
    nik = niks.make("33", "13", "05", birth, True, serial)
    return Holder(
        sim_number=sim_number or nik,
        nik=nik,
        name="SITI HANDAYANI",
        birth_place="KARANGANYAR",
        birth_date=birth,
        sex="P",
        blood="AB",
        address="Jl. Kartini No. 5, Karanganyar",
        occupation="Guru",
        sim_class=sim_class,
        issued=issued,
        expires=five_years_on(issued),
        bpjs_active=True,
    )


def csv_row(holder: Holder, **changes: str) -> dict[str, str]:
    row = {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in asdict(holder).items()}
    row["bpjs_active"] = "1" if holder.bpjs_active else "0"
    return {**row, **changes}


def write_csv(path: Path, records: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    return path


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(tmp_path / "import.db")
    yield reg
    reg.close()


def test_a_good_file_imports(empty: Registry, tmp_path: Path) -> None:
    good = [make_holder(1, "123456789012"), make_holder(2, "1234567890123", "C"), make_holder(3, None)]
    path = write_csv(tmp_path / "good.csv", [csv_row(h) for h in good])
    assert empty.import_csv(path, TODAY) == Imported(3, [], 0, [])
    assert empty.count() == 3
    for h in good:
        assert empty.lookup(h.sim_number) == h
    assert empty.import_csv(path, TODAY) == Imported(3, [], 3, [])  # importing again changes nothing
    assert empty.count() == 3


def test_bad_rows_are_listed_with_their_line_and_not_imported(empty: Registry, tmp_path: Path) -> None:
    ok = make_holder(1, "123456789012")
    bad_nik = make_holder(2, "223456789012")
    bad_date = make_holder(3, "323456789012")
    bad_number = make_holder(4, "4234X6789012")
    path = write_csv(
        tmp_path / "mixed.csv",
        [
            csv_row(ok),
            csv_row(bad_nik, nik="9913054508790002"),  # no province 99
            csv_row(bad_date, issued="02-05-2023"),
            csv_row(bad_number),
            csv_row(make_holder(5, "523456789012"), birth_date="1979-02-30"),
        ],
    )
    imported, _, _, errors = astuple(empty.import_csv(path, TODAY))
    assert imported == 1 and empty.count() == 1
    assert [e.split(": ", 1)[0] for e in errors] == [f"{path}:{n}" for n in (3, 4, 5, 6)]
    assert "province" in errors[0]
    assert empty.lookup(ok.sim_number) == ok
    for h in (bad_nik, bad_date):
        assert empty.lookup(h.sim_number) is None


def test_a_file_missing_columns_raises(empty: Registry, tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c not in ("nik", "expires")]
    path = write_csv(tmp_path / "short.csv", [csv_row(make_holder(1, "123456789012"))], columns)
    with pytest.raises(RegistryError, match="nik, expires"):
        empty.import_csv(path, TODAY)
    assert empty.count() == 0


def test_a_short_row_is_listed_not_fatal(empty: Registry, tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    write_csv(path, [csv_row(make_holder(1, "123456789012"))])
    with path.open("a", encoding="utf-8") as f:
        f.write("223456789012,3313054508790002\n")
    imported, _, _, errors = astuple(empty.import_csv(path, TODAY))
    assert imported == 1 and len(errors) == 1 and errors[0].startswith(f"{path}:3:")


def test_a_number_written_with_dashes_can_be_found_after_import(empty: Registry, tmp_path: Path) -> None:
    holder = make_holder(1, "123456789012")
    path = write_csv(tmp_path / "dashes.csv", [csv_row(holder, sim_number="1234-5678-9012")])
    assert empty.import_csv(path, TODAY) == Imported(1, [], 0, [])
    assert empty.lookup("123456789012") == holder


# --- pre-registration -------------------------------------------------------------------------------------------


def test_a_booking_is_found_only_inside_its_slot_and_until_used(registry: Registry) -> None:
    holder = registry.sample(random.Random(3), ("C",), TODAY)
    start, end = datetime(2026, 11, 28, 9, 0, tzinfo=UTC), datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    booking = registry.book("G 1234 AB", holder, start, end)
    assert booking > 0
    for inside in (start, start + timedelta(minutes=15), end):
        found = registry.preregistration("G 1234 AB", inside)
        assert found is not None, inside
        assert (found["id"], found["nik"], found["sim_number"]) == (booking, holder.nik, holder.sim_number)
    for outside in (start - timedelta(seconds=1), end + timedelta(seconds=1), start + timedelta(days=1)):
        assert registry.preregistration("G 1234 AB", outside) is None, outside
    assert registry.preregistration("G 1234 AC", start) is None
    registry.use_preregistration(booking, 42)
    assert registry.preregistration("G 1234 AB", start + timedelta(minutes=15)) is None
    assert registry.db.table("preregistrations").get(booking)["cycle_id"] == 42


def test_the_earliest_open_slot_wins(registry: Registry) -> None:
    holder = registry.sample(random.Random(4), ("A",), TODAY)
    at = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    late = registry.book("H 77 XY", holder, at - timedelta(minutes=10), at + timedelta(minutes=50))
    early = registry.book("H 77 XY", holder, at - timedelta(minutes=40), at + timedelta(minutes=20))
    found = registry.preregistration("H 77 XY", at)
    assert found is not None and found["id"] == early
    registry.use_preregistration(early, 1)
    found = registry.preregistration("H 77 XY", at)
    assert found is not None and found["id"] == late


def test_the_registry_survives_a_reopen(registry: Registry) -> None:
    holder = registry.sample(random.Random(6), ("A",), TODAY)
    registry.close()
    again = Registry(registry.path)
    try:
        assert again.count() == COUNT
        assert again.lookup(holder.sim_number) == holder
    finally:
        again.close()
