"""`[queues]` and the simulation's queue keys (lane/queue_config.py, lane/config.py): each problem is one line
naming the file and the key; `lane check-config` says which lanes each queue feeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lane.cli import main
from lane.config import ConfigError, parse

BASE = {"site": {"name": "x", "office_code": "AB"}, "lanes": [{"id": "L1", "class": "A"}, {"id": "L2", "class": "C"}]}


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        ({"queues": {"layout": "shared", "hosts": {"A": "L2"}}}, "queues.hosts.A: names lane 'L2', not a SIM A lane"),
        ({"queues": {"layout": "shared", "hosts": {"C": "L9"}}}, "queues.hosts.C: names no lane of this site ('L9')"),
        ({"queues": {"layout": "lane"}}, "queues.layout: Input should be 'per_lane' or 'shared' (got 'lane')"),
        ({"queues": {"capacity": 0}}, "queues.capacity: Input should be greater than or equal to 1 (got 0)"),
        ({"queues": {"detector": "radar"}}, "queues.detector: Input should be 'loop', 'camera' or 'both'"),
        ({"simulation": {"arrival_profile": {"24": 3.0}}}, "simulation.arrival_profile.24: unknown key"),
        ({"simulation": {"class_mix": {"B": 1.0}}}, "simulation.class_mix.B: unknown key"),
        ({"simulation": {"arrivals": "burst"}}, "simulation.arrivals: Input should be 'poisson' or 'fixed'"),
        ({"simulation": {"patience": {"kind": "fixed"}}}, "simulation.patience: a fixed distribution needs value"),
    ],
)
def test_a_bad_queue_setting_is_one_line_naming_the_key(extra: dict[str, Any], line: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse({**BASE, **extra}, "site.toml")
    assert str(err.value).startswith(f"site.toml: {line}"), str(err.value)
    assert "\n" not in str(err.value)


def test_check_config_names_each_queues_lanes(tmp_path: Path, capsys: Any) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        '[site]\nname = "T"\noffice_code = "T-1"\n'
        + "".join(f'[[lanes]]\nid = "L{i}"\nclass = "{c}"\n' for i, c in enumerate("ACAC", 1))
        + '[queues]\nlayout = "shared"\nhosts = { A = "L3" }\n'
    )
    assert main(["--config", str(site), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "queues: shared, detector loop, capacity 12: A -> L1, L3 (on L3); C -> L2, L4 (on L2)" in out
