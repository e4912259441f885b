"""The plate stage with a camera reader: readings agreed across frames go into the cycle record, and the lane reads
on its own thread, whose models the reader loaded when the lane started (not in the first car's reads)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from flows.states import Stage
from plates.reading import Image, NoPlate, PlateReading
from tests.conftest import Rig


class SpyReader:
    """Reads every frame as the rig's vehicle plate and notes on which thread it warmed up and read."""

    def __init__(self, warm_up_fails: bool = False) -> None:
        self.calls: list[tuple[str, str]] = []
        self.warm_up_fails = warm_up_fails

    def warm_up(self) -> None:
        self.calls.append(("warm_up", threading.current_thread().name))
        if self.warm_up_fails:
            raise OSError("model file unreadable")

    def __call__(self, image: Image) -> PlateReading | NoPlate:
        self.calls.append(("read", threading.current_thread().name))
        return PlateReading("G 1234 AB", 1.0, region="Pekalongan", char_confidences=(1.0,) * 7, crop=image[:8, :8])


async def _plate_read(rig: Rig) -> dict[str, Any]:
    await rig.drive_to(Stage.ARRIVED)
    rig.world.vehicle = None
    rig.driving = asyncio.ensure_future(rig.world.drive_in(rig.vehicle))
    await rig.until(lambda: rig.lane.stage is Stage.DOCUMENTS)
    return rig.rows("select plate, plate_source, plate_confidence, plate_evidence from cycles")[0]


def test_the_lane_warms_its_reader_on_its_own_thread_and_reads_there(rig_factory: Any) -> None:
    spy = SpyReader()
    cycle = rig_factory(_plate_read, reader=spy)
    assert cycle["plate"] == "G 1234 AB" and cycle["plate_source"] == "camera"
    assert cycle["plate_confidence"] == 1.0 and cycle["plate_evidence"].startswith("L1-")
    kinds = [kind for kind, _ in spy.calls]
    assert kinds[0] == "warm_up" and kinds.count("warm_up") == 1 and kinds.count("read") >= 2
    assert {thread for _, thread in spy.calls} == {"plates-L1_0"}  # one thread, the lane's own


def test_a_reader_that_cannot_warm_up_still_reads(rig_factory: Any, caplog: Any) -> None:
    spy = SpyReader(warm_up_fails=True)
    cycle = rig_factory(_plate_read, reader=spy)
    assert cycle["plate"] == "G 1234 AB"
    assert "did not warm up (model file unreadable)" in caplog.text


def test_a_plain_reader_function_needs_no_warm_up(rig_factory: Any) -> None:
    names: list[str] = []

    def read(image: Image) -> PlateReading | NoPlate:
        names.append(threading.current_thread().name)
        return PlateReading("G 1234 AB", 1.0, char_confidences=(1.0,) * 7)

    cycle = rig_factory(_plate_read, reader=read)
    assert cycle["plate"] == "G 1234 AB" and set(names) == {"plates-L1_0"}
