"""A site: the store, one controller per configured lane with its devices, and the command router.

`Site.execute` is the single entry point for operator commands (console, simulated operator, tests); the lane
checks the officer's account and role for each (lane/officers.py). `Site.officers` holds the accounts and the
sessions of the command socket (lane/control.py), `Site.audit` writes the rows the socket adds to the audit table.
One lane's device or controller failing to start or stop is reported on that lane (`lane.isolation`); the others
go on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devices import registry as device_registry
from devices.base import Device
from flows.renewal import CLASSES_SERVED
from lane import plate_model
from lane.clock import Clock
from lane.commands import Command, Outcome
from lane.config import Lane, SiteConfig
from lane.controller import LaneController
from lane.holders import Registry
from lane.isolation import failed
from lane.officers import Officers
from lane.rules import RenewalRules
from lane.store import Stamp, Store
from plates.reading import Reader


def lanes_for(config: SiteConfig, count: int | None) -> list[Lane]:
    """The configured lanes, or `count` lanes made by repeating them (L1, L2, ... with the templates' classes)."""
    if count is None or count == len(config.lanes):
        return list(config.lanes)
    out = []
    for i in range(count):
        template = config.lanes[i % len(config.lanes)]
        out.append(template.model_copy(update={"id": f"L{i + 1}"}))
    return out


class Site:
    def __init__(
        self,
        config: SiteConfig,
        store: Store,
        clock: Clock,
        lanes: list[Lane] | None = None,
        plate_reader: str | None = None,
        var: Path = Path("var"),
        registry: Registry | None = None,
        device_options: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """`device_options` override a lane's device settings (lane id -> options, "backend" included): the
        demo points the lanes at the simulators it started."""
        self.config = config
        self.store = store
        self.clock = clock
        self.registry = registry
        self.officers = Officers(store, config.control)
        served = tuple((c, lane.id) for lane in config.lanes for c in CLASSES_SERVED[lane.lane_class])
        rules = RenewalRules(
            registry, dict(config.tariffs), config.site.name, config.documents.rules(served), config.photo.rules()
        )
        self.lanes: dict[str, LaneController] = {}
        self._running: list[LaneController] = []  # started, in order: `stop` undoes them
        self._started: list[tuple[str, Device]] = []  # (lane, device)
        for lane in lanes or config.lanes:
            override = dict((device_options or {}).get(lane.id, {}))
            backend = override.pop("backend", lane.devices.backend)
            options = lane.devices.options() if backend == lane.devices.backend else {}
            devices = device_registry.build(backend, lane.id, clock, **{**options, **override})
            mode = plate_reader or lane.devices.plate_reader
            reader: Reader | None = plate_model.lane_reader(config) if mode == "ocr" else None
            flow = config.flow(lane)
            self.lanes[lane.id] = LaneController(
                lane.id,
                flow,
                devices,
                store,
                clock,
                rules=rules,
                reader=reader,
                plate_wait=config.rules.plate_wait,
                agreement=config.rules.plate_agreement,
                plate_accept=config.rules.plate_accept,
                photo_retakes=config.photo.max_retakes,
                retake_delay=config.photo.retake_delay,
                photo_dir=var / "photos",
                prompts=config.prompt_texts,
                health_poll=config.rules.health_poll,
            )
            self.lanes[lane.id].sign = lane.sign.size()

    async def start(self) -> None:
        """Start every lane's devices, then the lane. Interrupted half-way (Ctrl-C), `stop` stops what started.
        A device that fails to start is reported to its lane's operator once the lane runs (the lane faults when
        it needs the device); a lane that fails to start is logged and left out; the other lanes start."""
        for lane_id, lane in self.lanes.items():
            broken: list[tuple[str, Exception]] = []
            for device in lane.devices.all():
                self._started.append((lane_id, device))  # stopped on the way out even if its start failed half-way
                try:
                    await device.start()
                except Exception as err:
                    broken.append((f"starting {device.name}", err))
            self._running.append(lane)  # stopped on the way out even if its start failed half-way
            try:
                lane.start()
            except Exception as err:
                failed(lane_id, "starting the lane", err)
                continue
            for what, error in broken:
                failed(lane_id, what, error, lane.alert)

    async def stop(self) -> None:
        """Stop the lanes that started, then the devices that started, last first; safe to call again. One that
        fails to stop is logged; the others are still stopped."""
        while self._running:
            lane = self._running.pop()
            try:
                await lane.stop()
            except Exception as err:
                failed(lane.lane_id, "stopping the lane", err)
        while self._started:
            lane_id, device = self._started.pop()
            try:
                await device.stop()
            except Exception as err:
                failed(lane_id, f"stopping {device.name}", err)

    async def execute(self, cmd: Command) -> Outcome:
        lane = self.lanes.get(cmd.lane)
        if lane is None:
            outcome = Outcome(False, f"no lane {cmd.lane!r}; lanes: {', '.join(self.lanes)}")
            self.audit(cmd.lane, cmd.operator, cmd.action.value, cmd.args(), "refused", outcome.message)
            return outcome
        return await lane.execute(cmd)

    def audit(self, lane: str, operator: str, action: str, args: dict[str, Any], result: str, message: str) -> None:
        """An audit row for what happened outside a lane (a login, a command without a session, a flood)."""
        stamp = Stamp(self.clock.wall(), self.clock.monotonic())
        self.store.operator_action(lane, None, stamp, operator, action, args, result, message)
