"""The committed split of the real plate sets (plates_training/split.csv): the script remakes it byte for byte, no
photo and no plate text is on both sides, and validation holds about a third of each set."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from plates_training import split

DATA = split.DATA

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"no real plate data: {DATA} is absent")


def test_the_script_remakes_the_committed_split() -> None:
    assert split.make_split(DATA) == [(s, f, side) for (s, f), side in split.read_split().items()]


def test_no_photo_or_plate_is_on_both_sides() -> None:
    sides = split.read_split()
    by_key: dict[str, set[str]] = {}
    for set_name in split.SETS:
        with (DATA / set_name / "labels.csv").open(newline="") as f:
            for r in csv.DictReader(f):
                side = sides[(set_name, r["file"])]
                by_key.setdefault("plate:" + r["plate_text"].replace(" ", ""), set()).add(side)
                by_key.setdefault(split._photo(set_name, r["file"]), set()).add(side)
    assert [k for k, v in by_key.items() if len(v) > 1] == []


def test_validation_is_a_third_of_each_set() -> None:
    sides = split.read_split()
    for set_name in split.SETS:
        mine = [v for (s, _), v in sides.items() if s == set_name]
        assert 0.3 <= mine.count("val") / len(mine) <= 0.4, set_name


def test_a_split_never_cuts_a_photo(tmp_path: Path) -> None:
    for set_name, rows in {
        "id-crops": [("images/test001_1.jpg", "B 1 A"), ("images/test001_2.jpg", "B 2 A")],
        "id-street": [("images/a.jpg", "B 1 A"), ("images/b.jpg", "H 3 C")],
    }.items():
        (tmp_path / set_name).mkdir()
        with (tmp_path / set_name / "labels.csv").open("w", newline="") as f:
            csv.writer(f).writerows([("file", "plate_text"), *rows])
    sides = {(s, f): side for s, f, side in split.make_split(tmp_path, share=0.5)}
    assert sides[("id-crops", "images/test001_1.jpg")] == sides[("id-crops", "images/test001_2.jpg")]
    assert sides[("id-crops", "images/test001_1.jpg")] == sides[("id-street", "images/a.jpg")]


def test_no_image_looked_at_before_is_in_validation() -> None:
    """The tune and validation images of the seed-16 split (settings chosen by them; validation misses looked at):
    none is in today's validation part (plates_training/seen.csv)."""
    seen = split.read_seen()
    sides = split.read_split()
    assert seen and all(key in sides for key in seen)
    assert [key for key in seen if sides[key] == "val"] == []


def test_label_fixes_correct_only_the_rows_they_name() -> None:
    from benchmarks import plate_sets

    fixes = split.label_fixes()
    assert fixes
    for set_name in split.SETS:
        with (DATA / set_name / "labels.csv").open(newline="") as f:
            shared = {r["file"]: r["plate_text"] for r in csv.DictReader(f) if r.get("format_ok", "1") != "0"}
        read = {r["file"]: r["plate_text"] for r in plate_sets.rows(DATA / set_name)}
        changed = {f for f in shared if shared[f] != read[f]}
        assert changed == {f for s, f in fixes if s == set_name}
        assert all(read[f] == fixes[(set_name, f)] for f in changed)
