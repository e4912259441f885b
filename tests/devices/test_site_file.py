"""`lane sim-devices --site-file`: the site file pointed at running simulators is one `lane check-config` accepts,
with the shipped file's comments kept; the printed snippet is TOML that holds only the serial backend's keys."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from devices.sim.launcher import LaneSims
from devices.sim.site_file import point_at, toml_snippet
from lane.config import load
from tests.conftest import ROOT

SITE = ROOT / "config" / "site.toml"


def _sims(lane: str, port: int) -> LaneSims:
    return LaneSims(
        lane,
        urls={
            "io": f"socket://127.0.0.1:{port}",
            "printer": f"socket://127.0.0.1:{port + 1}",
            "sign": f"socket://127.0.0.1:{port + 2}",
            "plate_camera": f"http://127.0.0.1:{port + 3}/stream.mjpg",
            "driver_camera": f"http://127.0.0.1:{port + 4}/stream.mjpg",
        },
        control={"io": f"127.0.0.1:{port + 5}"},
    )


def test_the_written_site_file_passes_the_config_check_and_keeps_comments(tmp_path: Path) -> None:
    options = {lane: _sims(lane, port).backend_options() for lane, port in (("L1", 41000), ("L2", 42000))}
    text = point_at(SITE.read_text(), options)
    path = tmp_path / "sim-site.toml"
    path.write_text(text)
    config = load(path)
    assert [lane.devices.backend for lane in config.lanes] == ["serial", "serial"]
    assert config.lanes[1].devices.model_dump()["io_url"] == "socket://127.0.0.1:42000"
    first_comment = next(line for line in SITE.read_text().splitlines() if line.lstrip().startswith("#"))
    assert first_comment in text
    assert "sim_control" not in text


def test_the_snippet_is_toml_without_the_demo_s_side_doors() -> None:
    snippet = toml_snippet("L1", _sims("L1", 41000).backend_options())
    devices = tomllib.loads(snippet)["lanes"]["devices"]
    assert devices["backend"] == "serial" and devices["sign_url"] == "socket://127.0.0.1:41002"
    assert "sim_control" not in devices


def test_a_lane_not_in_the_site_file_is_refused() -> None:
    with pytest.raises(ValueError, match="no lane L9"):
        point_at(SITE.read_text(), {"L9": _sims("L9", 41000).backend_options()})
