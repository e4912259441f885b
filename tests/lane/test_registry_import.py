"""`lane registry import` against hostile files: a field over 128 KiB, a file that is not UTF-8 or not CSV, an
over-long column, a SIM number twice; and an import that would change a holder already there (refused unless
--update, and then listed with the NIK masked)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from flows.nik import mask
from lane.cli import main
from lane.holders import COLUMNS, Registry, RegistryError, WouldChange
from tests.conftest import ROOT
from tests.lane.test_registry import TODAY, csv_row, make_holder, write_csv

SITE = str(ROOT / "config" / "site.toml")
HEADER = (",".join(COLUMNS) + "\n").encode()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(tmp_path / "import.db")
    yield reg
    reg.close()


def _cli(tmp_path: Path, *args: str) -> int:
    return main(["--config", SITE, "registry", "--path", str(tmp_path / "import.db"), *args])


def test_a_field_over_128_kib_is_refused_naming_line_and_column(registry: Registry, tmp_path: Path) -> None:
    rows = [csv_row(make_holder(1, "123456789012")), csv_row(make_holder(2, "223456789012"), name="A" * 140_000)]
    path = write_csv(tmp_path / "huge.csv", rows)
    with pytest.raises(RegistryError, match=r"huge.csv:3: column name: a record of more than 4096 characters"):
        registry.import_csv(path, TODAY)
    assert registry.count() == 0


def test_a_header_line_over_the_bound_is_refused(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_bytes(b"sim_number,nik," + b"n" * 5000 + b"\n")
    with pytest.raises(RegistryError, match=r"header.csv:1: column 3: a record of more than 4096"):
        registry.import_csv(path, TODAY)


def test_a_quoted_field_over_many_lines_is_bounded_too(registry: Registry, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lines.csv", [csv_row(make_holder(1, "123456789012"), address="x\n" * 70_000)])
    with pytest.raises(RegistryError, match=r"lines.csv:2: column address: a record of more than"):
        registry.import_csv(path, TODAY)


def test_a_column_longer_than_its_bound_refuses_the_row(registry: Registry, tmp_path: Path) -> None:
    rows = [csv_row(make_holder(1, "123456789012"), name="N" * 101), csv_row(make_holder(2, "223456789012"))]
    done = registry.import_csv(write_csv(tmp_path / "long.csv", rows), TODAY)
    assert done.holders == 1 and len(done.errors) == 1
    assert done.errors[0].endswith("long.csv:2: column name: 101 characters (at most 100)")


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (HEADER + b"1,\xff\xfe\n", "huge.csv:2: not UTF-8 text"),
        (HEADER.decode().encode("utf-16"), "huge.csv:1: not UTF-8 text"),
    ],
    ids=["not-utf8", "utf-16"],
)
def test_a_file_that_is_not_utf8_csv_is_one_error(
    registry: Registry, tmp_path: Path, content: bytes, phrase: str
) -> None:
    path = tmp_path / "huge.csv"
    path.write_bytes(content)
    with pytest.raises(RegistryError, match=phrase):
        registry.import_csv(path, TODAY)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x9b", "\n"], ids=["nul", "esc", "csi", "newline"])
def test_a_control_character_refuses_the_row(registry: Registry, tmp_path: Path, char: str) -> None:
    rows = [csv_row(make_holder(1, "123456789012"), name=f"SITI{char}[2J")]
    done = registry.import_csv(write_csv(tmp_path / "ctl.csv", rows), TODAY)
    assert done.holders == 0 and done.errors[0].endswith(f"column name: holds the control character U+{ord(char):04X}")


def test_a_sim_number_twice_in_one_file_is_refused(registry: Registry, tmp_path: Path) -> None:
    first = make_holder(1, "123456789012")
    rows = [csv_row(first), csv_row(make_holder(2, "123456789012"))]
    done = registry.import_csv(write_csv(tmp_path / "twice.csv", rows), TODAY)
    assert done.errors == [f"{tmp_path / 'twice.csv'}:3: column sim_number: 123456789012 is on line 2 too"]
    assert registry.lookup("123456789012") == first


def test_changing_a_holder_needs_update(registry: Registry, tmp_path: Path) -> None:
    holder = make_holder(1, "123456789012")
    registry.add([holder])
    other = make_holder(7, None)
    forged = replace(holder, name="SOMEONE ELSE", nik=other.nik)
    path = write_csv(tmp_path / "forged.csv", [csv_row(forged), csv_row(other)])
    with pytest.raises(WouldChange) as refused:
        registry.import_csv(path, TODAY)
    assert [(c.sim_number, c.fields) for c in refused.value.changes] == [("123456789012", ["nik", "name"])]
    assert refused.value.errors == []
    assert registry.lookup(holder.sim_number) == holder and registry.count() == 1  # nothing written
    done = registry.import_csv(path, TODAY, update=True)
    assert (done.holders, done.unchanged, len(done.changes)) == (2, 0, 1)
    assert registry.lookup(holder.sim_number) == forged


def test_the_cli_refuses_then_lists_the_changes_with_the_nik_masked(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = make_holder(1, "123456789012")
    registry.add([holder])
    registry.close()
    forged = replace(holder, nik=make_holder(9, None).nik, address="Jl. Lain 1")
    path = write_csv(tmp_path / "forged.csv", [csv_row(forged)])
    assert _cli(tmp_path, "import", str(path)) == 2
    out = capsys.readouterr().out
    assert "would change 1 holders" in out and "nothing imported" in out
    assert f"changed 123456789012 (NIK {mask(holder.nik)} -> {mask(forged.nik)}): nik, address" in out
    assert holder.nik not in out and forged.nik not in out
    assert _cli(tmp_path, "import", "--update", str(path)) == 0
    out = capsys.readouterr().out
    assert "changed 123456789012" in out and "(0 new, 1 changed, 0 unchanged)" in out


def test_lookup_prints_no_escape_codes(registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry.add([replace(make_holder(1, "123456789012"), name="SITI\x1b[2J\x1b]0;pwned\x07 HANDAYANI")])
    registry.close()
    assert _cli(tmp_path, "lookup", "123456789012") == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "SITI HANDAYANI" in out


def test_a_registry_file_that_is_not_a_database_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "import.db").write_text("not a database")
    assert _cli(tmp_path, "lookup", "123456789012") == 2
    assert (
        capsys.readouterr().out
        == f"lane registry: {tmp_path / 'import.db'}: cannot open the registry: file is not a database\n"
    )


def test_a_row_with_several_problems_names_each_column(registry: Registry, tmp_path: Path) -> None:
    bad = csv_row(make_holder(1, "123456789012"), nik="3313", expires="next year", bpjs_active="maybe", name="")
    done = registry.import_csv(write_csv(tmp_path / "bad.csv", [bad]), TODAY)
    assert len(done.errors) == 1
    error = done.errors[0]
    assert error.startswith(f"{tmp_path / 'bad.csv'}:2: ")
    for column in ("nik", "expires", "bpjs_active", "name"):
        assert f"column {column}: " in error, (column, error)
    assert "column sim_number" not in error and "column issued" not in error
    assert registry.count() == 0


def test_seed_refuses_to_wipe_imported_holders_without_force(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry.import_csv(write_csv(tmp_path / "real.csv", [csv_row(make_holder(1, "123456789012"))]), TODAY)
    registry.close()
    assert _cli(tmp_path, "seed", "--count", "20") == 2
    err = capsys.readouterr().err
    assert "imported from 1 file(s)" in err and "real.csv" in err and "--force" in err
    kept = Registry(tmp_path / "import.db")
    assert kept.lookup("123456789012") is not None
    kept.close()
    assert _cli(tmp_path, "seed", "--count", "20", "--force") == 0
    replaced = Registry(tmp_path / "import.db")
    try:
        assert replaced.lookup("123456789012") is None
        assert replaced.count() == 20
    finally:
        replaced.close()
    assert _cli(tmp_path, "seed", "--count", "20") == 0  # a seeded registry is seeded again without --force
