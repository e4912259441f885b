"""An idle lane asks its devices how they are (lane/health.py): a printer emptied while no driver is in the lane
is a device event and an alert within one poll, before the next driver pays; a refilled one is ok again."""

from __future__ import annotations

import json
from typing import Any

from flows.states import Stage
from tests.conftest import Rig


def _printer_health(rig: Rig) -> list[tuple[str, str]]:
    rows = rig.rows("select detail from device_events where device = 'L1.printer' and kind = 'health' order by id")
    return [(json.loads(r["detail"])["health"], json.loads(r["detail"])["why"]) for r in rows]


def test_a_printer_emptied_while_the_lane_is_idle_is_an_alert_within_one_poll(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> tuple[list[tuple[str, str]], list[dict[str, Any]], str]:
        await rig.clock.sleep(5)
        assert _printer_health(rig) == []  # a full printer: nothing to say
        rig.world.printer.stock = 0
        await rig.clock.sleep(31)  # one poll later
        down = _printer_health(rig)
        alerts = rig.rows("select code, text, stage from notices where kind = 'alert'")
        rig.world.printer.stock = 50
        await rig.clock.sleep(31)
        return down + _printer_health(rig)[len(down) :], alerts, rig.lane.stage.value

    health, alerts, stage = rig_factory(scenario, health_poll=30.0)
    assert health == [("down", "card feeder empty"), ("ok", "ready")]
    assert alerts == [{"code": "device", "text": "L1.printer: card feeder empty", "stage": "idle"}]
    assert stage == Stage.IDLE.value  # the lane waits for the next driver as before


def test_no_polling_while_the_lane_is_at_work(rig_factory: Any) -> None:
    async def scenario(rig: Rig) -> list[tuple[str, str]]:
        await rig.drive_to(Stage.DOCUMENTS)
        rig.world.printer.stock = 0
        await rig.clock.sleep(65)
        return _printer_health(rig)

    assert rig_factory(scenario, health_poll=30.0) == []
