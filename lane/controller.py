"""A lane at work: `LaneController`, the class the site builds per lane. It starts and restarts the lane (restoring
it from the store and resuming the stage it was in, with its open cycle), starts each stage's runner when the lane
enters it (cancelled when it leaves), watches the stage's time budget, and turns any failure into a fault.

Built on `LaneCore` (lane.machine: machine, guards, persistence) and `LaneNotices` (lane.notices: prompts, alerts,
requests). The work lives in modules of its own: the stage runners in lane.stages, the operator's commands in
lane.operator_actions, the plate-reading thread in lane.plate_thread, evidence image files in lane.evidence.

Past a stage's soft budget the driver gets a prompt and the operator an alert; past the hard limit the lane goes
to fault. Device errors never escape a runner: they become a fault or an operator request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from devices.errors import DeviceError
from devices.registry import LaneDevices
from flows.renewal import Flow
from flows.states import RESUMABLE, Stage
from lane import evidence, health, operator_actions, plate_policy, stages
from lane.clock import Clock
from lane.commands import Command, Outcome
from lane.errors import Refused
from lane.notices import LaneNotices
from lane.plate_thread import PlateThread
from lane.privacy import restored_context
from lane.rules import RenewalRules
from lane.store import Store
from plates.reading import PlateReading, Reader

log = logging.getLogger(__name__)


class LaneController(LaneNotices):
    def __init__(
        self,
        lane_id: str,
        flow: Flow,
        devices: LaneDevices,
        store: Store,
        clock: Clock,
        *,
        rules: RenewalRules,
        reader: Reader | None,
        plate_wait: float = 8.0,
        agreement: int = 2,
        plate_accept: float = plate_policy.DEFAULT_ACCEPT,
        photo_retakes: int = 2,
        retake_delay: float = 6.0,
        photo_dir: Path | None = None,
        prompts: Mapping[str, tuple[str, str]] | None = None,
        health_poll: float | None = None,
    ) -> None:
        super().__init__(lane_id, flow, store, clock)
        self.devices = devices
        self.rules = rules
        self.photo_retakes = photo_retakes
        self.retake_delay = retake_delay
        self.prompts = prompts
        self.reader = reader
        self.plates = PlateThread(lane_id, reader) if reader is not None else None  # started with the lane
        self.plate_wait = plate_wait
        self.agreement = agreement
        self.plate_accept = plate_accept  # an agreed plate is taken unasked only this sure (lane.plate_policy)
        self.photo_dir = photo_dir
        self.health_poll = health_poll  # seconds between device health polls while idle (lane.health); None: none
        self.photo: Any = None  # the last driver photo taken (an image)
        self.face: tuple[int, int, int, int] | None = None  # where the gate found the face in it
        self.pending = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._on_enter = self._start_stage
        for device in devices.all():
            device.subscribe(self._device_event)

    # -- start, restart, stop ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Restore the lane from the store and resume the stage it was in with its open cycle (never open a second
        one); the stage's work reads the devices before acting."""
        snap = self.store.lane_snapshot(self.lane_id)
        self._close_strays(snap["cycle_id"] if snap else None)
        if snap is None:
            self.build_machine(Stage.IDLE)
            self.record(Stage.IDLE, Stage.IDLE, "start", "system", {})
        else:
            was = Stage(snap["state"])
            self.cycle_id = snap["cycle_id"]
            self.ctx = restored_context(
                snap["context"], self.store.cycle(self.cycle_id) if self.cycle_id else None, self.rules.registry
            )
            self.close_requested = bool(snap["close_requested"])
            self.faulted_from = Stage(snap["faulted_from"]) if snap["faulted_from"] else None
            if self.cycle_id is not None:
                row = self.store.cycle(self.cycle_id)
                self.durations = {k.removeprefix("dur_"): float(v or 0) for k, v in row.items() if k.startswith("dur_")}
            self.since = self.clock.monotonic()
            self.build_machine(was if was in RESUMABLE else Stage.FAULT)
            self.record(was, self.stage, "restart", "system", {})
        if self.plates is not None:
            self.plates.start()
        self._start_stage(self.stage)

    def _close_strays(self, held: int | None) -> None:
        """Cycles left open that the lane no longer holds (should not happen) are closed as abandoned."""
        for row in self.store.open_cycles(self.lane_id):
            if row["id"] != held:
                self.store.update_cycle(row["id"], {"outcome": "abandoned", "reason": "found open at restart"})

    async def stop(self) -> None:
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks = []
        if self.plates is not None:
            await self.plates.stop(self.clock)

    # -- each stage's work and its watchdog ------------------------------------------------------------------

    def _start_stage(self, stage: Stage) -> None:
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        self.pending = {}
        if stage in (Stage.IDLE, Stage.CLOSED):  # the last driver's photo goes with their cycle
            self.photo = self.face = None
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._guarded(stage, self._run), name=f"{self.lane_id}:{stage}")]
        if stage in self.flow.budgets:
            self._tasks.append(loop.create_task(self._guarded(stage, self._watch)))
        if stage is Stage.IDLE and self.health_poll:
            self._tasks.append(
                loop.create_task(health.poll_idle(self, self.health_poll), name=f"{self.lane_id}:health")
            )

    async def _run(self, stage: Stage) -> None:
        await stages.run(self, stage)

    async def _guarded(self, stage: Stage, work: Callable[[Stage], Awaitable[None]]) -> None:
        """Run a stage's work; turn any failure into a fault for the operator."""
        try:
            await work(stage)
        except asyncio.CancelledError:
            raise
        except Refused as err:
            self.alert("refused", str(err))
        except DeviceError as err:
            await self._fault(stage, err.cause, str(err))
        except Exception as err:  # a bug must not stop the lane: fault it for the operator
            log.exception("lane %s: %s failed", self.lane_id, stage)
            await self._fault(stage, "internal", f"{type(err).__name__}: {err}")

    async def _fault(self, stage: Stage, cause: str, message: str) -> None:
        self.alert(cause, message)
        if self.stage is stage and stage is not Stage.FAULT:
            try:
                await self.fire("fault", cause=cause, message=message)
            except Refused as err:
                self.alert("refused", str(err))

    async def _watch(self, stage: Stage) -> None:
        budget = self.flow.budgets[stage]
        await self.clock.sleep(budget.soft)
        await self.show("overrun")
        self.alert("overrun", f"{stage.value} over its budget of {budget.soft:g} s")
        await self.clock.sleep(budget.hard - budget.soft)
        await self._fault(stage, "hard_limit", f"{stage.value} over its hard limit of {budget.hard:g} s")

    def _save_evidence(self, reading: PlateReading) -> str:
        """The best frame's plate crop, kept with the cycle (lane.evidence); its file name."""
        name = evidence.plate_name(self.lane_id, self.cycle_id)
        evidence.save_plate_crop(self.photo_dir, name, reading.crop)
        return name

    # -- operator commands ------------------------------------------------------------------------------------

    async def execute(self, cmd: Command) -> Outcome:
        """Carry out an operator command (lane.operator_actions); every command lands in the audit table."""
        return await operator_actions.execute(self, cmd)
