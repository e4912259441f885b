"""`lane plates export` (issue 16: the lane teaches its reader): the plates operators typed, confirmed or corrected on
a lane, with the crops the lane kept, make a labelled set in the shared sets' form that the plate reader reads;
camera plates taken unasked are not in it, cycles without a crop are counted and skipped."""

from __future__ import annotations

import argparse
import asyncio
import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import cv2
import pytest

from devices import render
from devices.virtual import Vehicle
from flows.states import Stage
from lane import plates_cli
from lane.commands import Action
from plates.reader import PlateReader
from plates.reading import Image, NoPlate, PlateReading, u8
from tests.conftest import Rig

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "site.toml"


class Camera:
    """A reader double: what it reads is set per vehicle; its crop is the plate as the frame shows it."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.confidence = 0.0

    def __call__(self, image: Image) -> PlateReading | NoPlate:
        if self.text is None:
            return NoPlate("no plate-like row of characters")
        x, y, w, h = render.plate_box()
        chars = (self.confidence,) * len(self.text.replace(" ", ""))
        return PlateReading(self.text, self.confidence, char_confidences=chars, crop=image[y : y + h, x : x + w].copy())


async def _cycle(rig: Rig, camera: Camera, plate: str, reads: str | None, sure: float, operator: str | None) -> None:
    """One vehicle with `plate`: the camera reads `reads` `sure`ly; the operator types `operator` when asked, or
    corrects the plate to it at the documents stage; then the documents are refused and the vehicle leaves."""
    camera.text, camera.confidence = reads, sure
    rig.vehicle = Vehicle(plate, face_seed=3)
    await rig.drive_to(Stage.ARRIVED)
    rig.world.vehicle = None
    rig.driving = asyncio.ensure_future(rig.world.drive_in(rig.vehicle))
    await rig.until(lambda: rig.lane.stage is Stage.DOCUMENTS or rig.lane.pending.get("what") == "plate")
    if rig.lane.stage is Stage.PLATE:
        assert operator is not None
        assert (await rig.cmd(Action.ENTER_PLATE, plate=operator)).ok
        await rig.at(Stage.DOCUMENTS)
    elif operator is not None:
        assert (await rig.cmd(Action.ENTER_PLATE, plate=operator)).ok
    assert (await rig.cmd(Action.REJECT, reason="test vehicle")).ok
    await rig.at(Stage.REJECTED)
    await rig.world.drive_out()
    await rig.at(Stage.IDLE)


def export(db: Path, first: str, last: str, out: Path) -> int:
    parser = argparse.ArgumentParser(prog="lane")
    parser.add_argument("--config", type=Path)
    plates_cli.add_parser(parser.add_subparsers(dest="command"))
    argv = ["--config", str(SHIPPED), "plates", "export", "--from", first, "--to", last, "--db", str(db), str(out)]
    return plates_cli.run(parser.parse_args(argv))


@pytest.fixture
def lane_db(rig_factory: Any, tmp_path: Path) -> tuple[Path, str]:
    """A lane's database after five vehicles; the day they came, as YYYY-MM-DD."""
    camera = Camera()

    async def scenario(rig: Rig) -> str:
        await _cycle(rig, camera, "G 1234 AB", "G 1284 AB", 0.4, "G 1234 AB")  # unsure: asked, typed
        await _cycle(rig, camera, "H 77 XY", "H 71 XY", 1.0, "H 77 XY")  # sure but wrong: corrected
        await _cycle(rig, camera, "K 5521 QK", "K 5521 QK", 1.0, None)  # sure and right: not exported
        await _cycle(rig, camera, "B 1 RS", None, 0.0, "B 1 RS")  # nothing read: typed, no crop
        await _cycle(rig, camera, "D 4455 XY", "A 29", 0.3, "D 4455 XY")  # the expiry line read: not the plate
        return rig.clock.wall().astimezone(ZoneInfo("Asia/Jakarta")).date().isoformat()  # the shipped site's day

    day = rig_factory(scenario, reader=camera)
    return tmp_path / "lane.db", day


def test_export_writes_a_set_the_plate_reader_reads(
    lane_db: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, day = lane_db
    out = tmp_path / "set"
    assert export(db, day, day, out) == 0
    said = capsys.readouterr().out
    assert "2 plates (1 typed, 1 corrected)" in said
    assert "skipped 1 without a plate crop" in said and "L1-000004" in said
    assert "skipped 1 whose crop is likely not of the plate" in said and "L1-000005" in said
    assert (out / "labels.csv").read_text(encoding="utf-8").splitlines()[0] == "file,plate_text,format_ok"
    with (out / "labels.csv").open(newline="") as f:  # read as benchmarks/plates.py reads a set
        rows = [r for r in csv.DictReader(f) if r["format_ok"] == "1"]
    assert [(r["file"], r["plate_text"]) for r in rows] == [
        ("images/L1-000001.png", "G 1234 AB"),
        ("images/L1-000002.png", "H 77 XY"),
    ]
    reader = PlateReader()
    _, _, w, h = render.plate_box()
    for r in rows:
        image = cv2.imread(str(out / r["file"]))
        assert image is not None and image.shape[:2] == (h, w)  # the plate as the camera showed it
        got = reader.read_crop(u8(image))
        assert isinstance(got, PlateReading) and got.text == r["plate_text"], (r, got)


def test_export_of_other_days_is_empty_and_refuses_a_folder_in_use(
    lane_db: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, day = lane_db
    before = (date.fromisoformat(day) - timedelta(days=30)).isoformat()
    out = tmp_path / "old"
    assert export(db, before, before, out) == 0
    assert "0 plates (0 typed, 0 corrected)" in capsys.readouterr().out
    assert (out / "labels.csv").read_text(encoding="utf-8").splitlines() == ["file,plate_text,format_ok"]
    assert export(db, day, day, out) == 1
    assert capsys.readouterr().out == f"lane plates export: {out} is not an empty folder: name a new one\n"
    assert export(db, day, before, tmp_path / "other") == 2
    assert f"--from {day} is after --to {before}" in capsys.readouterr().err
