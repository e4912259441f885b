"""lane.config: a lane's devices are one model per backend (a union on `backend`), each taking only its own keys."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from lane.config import ConfigError, SerialDevices, VirtualDevices, parse

ROOT = Path(__file__).resolve().parents[2]
SERIAL = {
    "backend": "serial",
    "io_url": "/dev/ttyUSB0",
    "printer_url": "socket://p:1",
    "sign_url": "socket://s:2",
    "plate_camera": "0",
    "driver_camera": "1",
}


def with_devices(devices: Any) -> dict[str, Any]:
    data = tomllib.loads((ROOT / "config" / "site.toml").read_text())
    data["lanes"] = [{**data["lanes"][0], "devices": devices}]
    return data


def test_each_backend_has_its_model_and_options() -> None:
    virtual = parse(with_devices({})).lanes[0].devices
    assert isinstance(virtual, VirtualDevices) and virtual.backend == "virtual"
    assert virtual.options() == {"gate_timeout": 8.0, "gate_travel": 2.0, "card_stock": 100, "print_seconds": 25.0}
    serial = parse(with_devices(SERIAL)).lanes[0].devices
    assert isinstance(serial, SerialDevices)
    options = serial.options()
    assert options["io_url"] == "/dev/ttyUSB0" and options["sign_id"] == 1 and "card_stock" not in options
    assert "backend" not in options and "plate_reader" not in options


@pytest.mark.parametrize(
    ("devices", "expected"),
    [
        ({"backend": "usb"}, "lanes[0].devices.backend: Input should be 'virtual' or 'serial' (got 'usb')"),
        ({"io_url": "/dev/ttyUSB0"}, "lanes[0].devices.io_url: unknown key"),
        ({**SERIAL, "card_stock": 5}, "lanes[0].devices.card_stock: unknown key"),
        ({"backend": "serial", "io_url": "/dev/x"}, "lanes[0].devices.printer_url: required key is missing"),
        ({**SERIAL, "sign_id": 0}, "lanes[0].devices.sign_id: Input should be greater than or equal to 1 (got 0)"),
        ("x", "lanes[0].devices: Input should be a valid dictionary"),
    ],
)
def test_a_key_of_the_other_backend_or_a_bad_backend_is_named(devices: Any, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(with_devices(devices), "site.toml")
    assert f"site.toml: {expected}" in str(err.value)
