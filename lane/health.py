"""Device health while a lane is idle: every `rules.health_poll` seconds the lane asks each of its devices how it
is (`Device.poll_health`: the printer's status, which a virtual printer answers from its stock, ribbon, cover and
jam; the serial sign is sent its text again; the I/O module's gates and loops are polled all the time already).
A change of health is a device event in the store (`device_events`, kind `health`, through the lane's device
listener) and, when a device goes down, an alert, so the console shows an empty printer before the next driver
pays rather than when the card is due. Started by the controller when the lane enters idle; cancelled when it
leaves (a lane at work learns its devices' health from using them).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from devices.base import Device, Health
from devices.errors import DeviceError

if TYPE_CHECKING:
    from lane.controller import LaneController

#: Seconds one device may take to answer a health poll before it is counted down.
POLL_TIMEOUT = 10.0


async def poll_idle(lane: LaneController, every: float) -> None:
    """Poll the lane's devices now and then every `every` seconds, until cancelled (the lane left idle)."""
    while True:
        await poll_once(lane)
        await lane.clock.sleep(every)


async def poll_once(lane: LaneController) -> None:
    """Ask each device of the lane how it is; alert the operator of each one that has just gone down."""
    for device in lane.devices.all():
        was = device.health
        await _poll(device)
        if device.health is Health.DOWN and was is not Health.DOWN:
            lane.alert("device", f"{device.name}: {_why(device)}")


async def _poll(device: Device) -> None:
    try:
        async with asyncio.timeout(POLL_TIMEOUT):
            await device.poll_health()
    except TimeoutError:
        device.set_health(Health.DOWN, f"no answer to a health poll in {POLL_TIMEOUT:g} s")
    except DeviceError as err:
        device.set_health(Health.DOWN, err.message)


def _why(device: Device) -> str:
    return device.last_why or "down"
