"""How a simulated vehicle moves through a lane, loop by loop: one description for the in-process lane
(`devices.virtual.VirtualLane`) and for the lane made of simulator processes (`devices.sim.world_client`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from devices.base import Timebase

if TYPE_CHECKING:
    from devices.virtual import Vehicle


class _Loop(Protocol):
    def set(self, occupied: bool) -> None: ...


class Drivable(Protocol):
    vehicle: Vehicle | None

    @property
    def timebase(self) -> Timebase: ...

    @property
    def entry_loop(self) -> _Loop: ...

    @property
    def entry_safety(self) -> _Loop: ...

    @property
    def exit_safety(self) -> _Loop: ...

    @property
    def exit_loop(self) -> _Loop: ...

    async def wait_gate_up(self, gate: str, give_up_after: float) -> None:
        """Return once the "entry" or "exit" boom is up."""


async def drive_in(lane: Drivable, vehicle: Vehicle, pass_seconds: float, give_up_after: float) -> None:
    """The vehicle rolls onto the entry loop, waits for the entry boom, and drives to the service window."""
    lane.vehicle = vehicle
    lane.entry_loop.set(True)
    await lane.wait_gate_up("entry", give_up_after)
    lane.entry_safety.set(True)
    await lane.timebase.sleep(pass_seconds)
    lane.entry_safety.set(False)
    lane.entry_loop.set(False)


async def drive_out(lane: Drivable, pass_seconds: float, give_up_after: float) -> None:
    """Once the exit boom is up the vehicle passes under it, over the exit loop, and is gone."""
    await lane.wait_gate_up("exit", give_up_after)
    lane.exit_safety.set(True)
    lane.exit_loop.set(True)
    await lane.timebase.sleep(pass_seconds)
    lane.exit_safety.set(False)
    await lane.timebase.sleep(pass_seconds / 2)
    lane.exit_loop.set(False)
    lane.vehicle = None
