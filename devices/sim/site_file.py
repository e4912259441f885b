"""The site file that points a site's lanes at running simulators: `lane sim-devices --site-file PATH` writes a
copy of the site file (its comments kept, by tomlkit) whose lanes' `[lanes.devices]` are the serial backend at the
simulators' addresses, ready for `lane --config PATH check-config` and `lane --config PATH run`. Only the keys the
serial backend reads are written: a snippet with a key the site file does not know would be refused."""

from __future__ import annotations

from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

#: Of a lane's old `[lanes.devices]`, the keys every backend reads (lane/config.py DeviceSettings).
KEPT = ("plate_reader", "gate_timeout")


def serial_devices(options: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    """A lane's `[lanes.devices]` for the serial backend, from a simulator's backend options (LaneSims's): the
    URLs, the I/O map when it is not the default one; the demo's `sim_control` (the simulated world's side doors)
    is not a device setting and is left out."""
    devices: dict[str, Any] = {"backend": "serial"}
    for key in KEPT:
        if old is not None and key in old:
            devices[key] = old[key]
    for key, value in options.items():
        if key == "sim_control" or (key == "io_map" and not value):
            continue
        devices[key] = value
    return devices


def _table(devices: dict[str, Any]) -> Table:
    """`devices` as a TOML table, its dictionaries (sim addresses, the I/O map) as inline tables."""
    table = tomlkit.table()
    for key, value in devices.items():
        if isinstance(value, dict):
            inline = tomlkit.inline_table()
            inline.update(value)
            table[key] = inline
        else:
            table[key] = value
    return table


def toml_snippet(lane: str, options: dict[str, Any]) -> str:
    """The `[lanes.devices]` table that points lane `lane` at its simulators, as TOML text to paste under that
    lane's `[[lanes]]` (`--site-file` writes a whole site file instead)."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"lane {lane}: under its [[lanes]]"))
    doc.add("lanes", tomlkit.table(is_super_table=True))
    doc["lanes"].add("devices", _table(serial_devices(options)))
    return tomlkit.dumps(doc).strip()


def point_at(site_text: str, sims: dict[str, dict[str, Any]]) -> str:
    """The site file `site_text` with each lane in `sims` (lane id -> backend options) pointed at its simulators.
    Raises ValueError when the text is not TOML or a lane in `sims` is not in it."""
    try:
        doc = tomlkit.parse(site_text)
    except tomlkit.exceptions.TOMLKitError as err:
        raise ValueError(f"not a TOML site file: {err}") from None
    lanes = doc.get("lanes")
    if not isinstance(lanes, AoT | list):
        raise ValueError("the site file has no [[lanes]]")
    found = set()
    for lane in lanes:
        if not isinstance(lane, Table | dict) or str(lane.get("id")) not in sims:
            continue
        lane_id = str(lane["id"])
        found.add(lane_id)
        old = lane.get("devices")
        lane["devices"] = _table(serial_devices(sims[lane_id], dict(old) if old is not None else None))
    missing = sorted(set(sims) - found)
    if missing:
        raise ValueError(f"the site file has no lane {', '.join(missing)}")
    return tomlkit.dumps(doc)
