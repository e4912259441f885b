"""The plate reading's configuration (issue 16): `rules.plate_accept` checked like every key and used by
`lane plates read --json` (`accepted`); `[plates] model`, the site's own model file, which a missing or
corrupt file turns into a configuration error before anything starts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import pytest

from devices import render
from lane import plate_model, plates_cli
from lane.cli import main
from lane.config import ConfigError, load
from lane.plate_policy import DEFAULT_ACCEPT
from plates import plate_net
from plates.reader import PlateReader
from plates.reading import PlateReading

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "site.toml"


@pytest.fixture(autouse=True)
def _keep_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` sets OMP_THREAD_LIMIT with setdefault; keep it from leaking into other tests."""
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")


def site(tmp_path: Path, rules: str = "", plates: str = "") -> Path:
    """The shipped site file with `rules` added to [rules] and a [plates] table of `plates`."""
    text = SHIPPED.read_text(encoding="utf-8").replace("plate_accept = 0.977 ", "# plate_accept = 0.977 ")
    text = text.replace("[rules]\n", f"[rules]\n{rules}\n") + (f"\n[plates]\n{plates}\n" if plates else "")
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def read_json(config: Path, image: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]]]:
    parser = argparse.ArgumentParser(prog="lane")
    parser.add_argument("--config", type=Path)
    plates_cli.add_parser(parser.add_subparsers(dest="command"))
    code = plates_cli.run(parser.parse_args(["--config", str(config), "plates", "read", "--json", str(image)]))
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_the_shipped_site_takes_plates_at_the_calibrated_threshold() -> None:
    from plates.confidence import PLATE_ACCEPT

    assert load(SHIPPED).rules.plate_accept == PLATE_ACCEPT == DEFAULT_ACCEPT


@pytest.mark.parametrize("value", ["1.5", "-0.1", '"high"'])
def test_plate_accept_out_of_range_is_a_config_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"site.toml: rules.plate_accept: "):
        load(site(tmp_path, rules=f"plate_accept = {value}"))


def test_a_missing_model_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"plates.model: no model file .*nowhere.onnx"):
        load(site(tmp_path, plates='model = "nowhere.onnx"'))


def test_a_corrupt_model_file_stops_the_commands_that_read_plates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07 this is not an onnx graph" * 20)
    config = site(tmp_path, plates=f'model = "{bad}"')
    db = tmp_path / "sim.db"
    assert main(["--config", str(config), "simulate", "--hours", "0.1", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lane: configuration error\n")
    assert f"plates.model: {bad} is not a plate recogniser model" in err and "Traceback" not in err
    assert not db.exists()  # nothing started
    frame = tmp_path / "frame.png"
    cv2.imwrite(str(frame), render.plate_frame("G 1234 AB", seed=1))
    code, rows = read_json(config, frame, capsys)
    assert code == 2 and rows == []


def test_the_reader_runs_the_model_the_site_names(tmp_path: Path) -> None:
    own = tmp_path / "own.onnx"
    own.write_bytes(plate_net.MODEL_PATH.read_bytes())
    config = load(site(tmp_path, plates=f'model = "{own}"'))
    plate_model.check(config, "site.toml")
    reader = plate_model.lane_reader(config)
    assert isinstance(reader, PlateReader) and reader is not plate_model.lane_reader(load(SHIPPED))
    got = reader(render.plate_frame("G 1234 AB", seed=2))
    assert isinstance(got, PlateReading) and got.text == "G 1234 AB"


@pytest.mark.parametrize("threshold", [0.0, 1.0])
def test_plates_read_json_says_whether_a_lane_would_take_the_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], threshold: float
) -> None:
    frame = tmp_path / "frame.png"
    cv2.imwrite(str(frame), render.plate_frame("G 1234 AB", seed=1))
    code, [row] = read_json(site(tmp_path, rules=f"plate_accept = {threshold}"), frame, capsys)
    assert code == 0 and row["plate"] == "G 1234 AB"
    assert isinstance(row["confidence"], float)
    assert row["accepted"] is (row["confidence"] >= threshold)
    if threshold == 0.0:
        assert row["accepted"] is True


def test_no_plate_is_never_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    black = tmp_path / "black.png"
    cv2.imwrite(str(black), render.plate_frame(None) * 0)
    code, [row] = read_json(site(tmp_path, rules="plate_accept = 0.0"), black, capsys)
    assert code == 0 and row["plate"] is None and row["accepted"] is False


def test_check_config_loads_the_site_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model at all")
    assert main(["--config", str(site(tmp_path, plates=f'model = "{bad}"')), "check-config"]) == 2
    assert "plates.model" in capsys.readouterr().err
