"""`python -m benchmarks.plates --set DIR` reads any folder with a labels.csv in the shared sets' form (what
`lane plates export` writes): each way of reading it on its own line; a folder without labels is a one-line error."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import pytest

from benchmarks import plates as bench
from devices import render


def _export(folder: Path, plates: list[str], boxes: bool) -> None:
    (folder / "images").mkdir(parents=True)
    with (folder / "labels.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "plate_text", "format_ok", *(["x", "y", "w", "h"] if boxes else [])])
        for i, plate in enumerate(plates):
            name = f"images/{i:03d}.png"
            image = render.plate_frame(plate, seed=i) if boxes else render.plate_image(plate)
            cv2.imwrite(str(folder / name), image)
            w.writerow([name, plate, 1, *(render.plate_box() if boxes else [])])


def test_an_exported_set_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _export(tmp_path / "crops", ["G 1234 AB", "AD 8821 XY"], boxes=False)
    assert bench.main(["--set", str(tmp_path / "crops"), "--no-baselines"]) == 0
    out = capsys.readouterr().out.splitlines()
    crops = next(ln for ln in out if "as crop" in ln)
    assert "2 images: exact 100.0%" in crops
    assert any("as frame" in ln for ln in out) and not any("as tight" in ln for ln in out)


def test_a_set_with_boxes_is_also_read_as_tight_crops(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _export(tmp_path / "frames", ["H 1691 IL"], boxes=True)
    assert bench.main(["--set", str(tmp_path / "frames"), "--no-baselines"]) == 0
    out = capsys.readouterr().out
    assert "as frame: 1 images: exact 100.0%" in out and "as tight: 1 images" in out


def test_a_folder_without_labels_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--set", str(tmp_path), "--no-baselines"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: no labels.csv in {tmp_path}"]
