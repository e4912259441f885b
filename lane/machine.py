"""One lane's state machine: a `transitions` AsyncMachine built from the flow, the guards it names, and the
bookkeeping every transition does (stage durations, the cycle row, the lane snapshot), committed to the store
before the lane acts on the new state. Triggers are serialised: one at a time per lane.

`LaneCore` knows nothing of devices; `lane.controller.LaneController` adds the work each stage does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from transitions import EventData, MachineError
from transitions.extensions.asyncio import AsyncMachine

from flows.bookkeeping import bookkeep
from flows.renewal import GUARDS, Flow
from flows.states import TIMED, Stage
from lane.clock import Clock
from lane.errors import Refused
from lane.events import EventKind, LaneEvent, LaneListener
from lane.privacy import masked, names_in, scrub, snapshot_context
from lane.store import Stamp, Store, TransitionRecord
from plates.grammar import is_valid


class LaneMachine(AsyncMachine):
    """AsyncMachine without its own cancellation of "running transitions".

    The controller fires one trigger at a time per lane (a lock) and cancels a stage's work itself when the
    lane leaves the stage. AsyncMachine's cancellation finds "running" tasks through a context variable that
    tasks spawned by listeners inherit, so it would cancel unrelated work (and make a done transition report
    failure); here it has nothing to do.
    """

    async def cancel_running_transitions(self, model: Any, msg: str | None = None) -> None:
        return None


def _faulted_in(stage: Stage) -> Callable[[LaneCore, EventData | None], bool]:
    """The guard `faulted_in_<stage>`: the lane's fault happened in `stage` (the guard reads no event data)."""

    def guard(lane: LaneCore, ev: EventData | None = None) -> bool:
        return lane.faulted_from is stage

    guard.__name__ = f"faulted_in_{stage.value}"
    return guard


class LaneCore:
    state: str  # set by the machine
    trigger: Callable[..., Awaitable[bool]]  # set by the machine

    def __init__(self, lane_id: str, flow: Flow, store: Store, clock: Clock) -> None:
        self.lane_id = lane_id
        self.flow = flow
        self.store = store
        self.clock = clock
        self.listeners: list[LaneListener] = []
        self.cycle_id: int | None = None
        self.faulted_from: Stage | None = None
        self.close_requested = False
        self.ctx: dict[str, Any] = {}  # per-cycle facts: plate, receipt, retries, outcome, ...
        self.durations: dict[str, float] = {}
        self.since = clock.monotonic()
        self._lock = asyncio.Lock()
        self._on_enter: Callable[[Stage], None] = lambda stage: None

    def build_machine(self, initial: Stage) -> None:
        self.machine = LaneMachine(
            model=self,
            states=[s.value for s in Stage],
            transitions=[t.as_dict() for t in self.flow.transitions],
            initial=initial.value,
            auto_transitions=False,
            send_event=True,
            before_state_change="_persist",
        )

    @property
    def stage(self) -> Stage:
        return Stage(self.state)

    # -- firing triggers -----------------------------------------------------------------------------------

    async def fire(self, trigger: str, actor: str = "system", **data: Any) -> None:
        """Fire `trigger`; raise Refused (lane unchanged) when it is unknown, not allowed here, or a guard fails."""
        async with self._lock:
            if trigger not in self.flow.triggers():
                raise Refused(f"unknown trigger {trigger!r}")
            before = self.state
            try:
                ok = await self.trigger(trigger, actor=actor, **data)
            except MachineError as err:
                raise Refused(f"{trigger} is not possible while the lane is {before}") from err
            if not ok:
                raise Refused(f"{trigger} refused in {before}: {self._why_not(trigger, data)}")
            # Started here, in the firing task, not in a machine callback: transitions runs callbacks in tasks
            # of their own, and the stage change cancels every task of the lane but the one that fired.
            self._on_enter(self.stage)

    def allows(self, trigger: str, **data: Any) -> bool:
        """Whether `trigger` with `data` would move the lane now (a row out of this stage whose guards hold);
        fires nothing."""
        event = EventData(None, None, self.machine, self, (), data)
        return any(
            all(self._check(g, event) for g in row.conditions) and not any(self._check(g, event) for g in row.unless)
            for row in self.flow.exits(self.stage)
            if row.trigger == trigger
        )

    def _why_not(self, trigger: str, data: dict[str, Any]) -> str:
        event = EventData(None, None, self.machine, self, (), data)
        failed = []
        for row in self.flow.exits(self.stage):
            if row.trigger != trigger:
                continue
            failed += [GUARDS.get(g, g) for g in row.conditions if not self._check(g, event)]
            failed += [f"not: {GUARDS.get(g, g)}" for g in row.unless if self._check(g, event)]
        return "; ".join(dict.fromkeys(failed)) or "no transition applies"

    def _check(self, guard: str, event: EventData) -> bool:
        value = getattr(self, guard)  # a method, or a plain attribute such as close_requested
        return bool(value(event) if callable(value) else value)

    # -- guards (named in flows.renewal.GUARDS) ------------------------------------------------------------

    def plate_valid(self, ev: EventData) -> bool:
        return is_valid(str(ev.kwargs.get("plate", "")))

    def documents_checked(self, ev: EventData) -> bool:
        return bool(ev.kwargs.get("checked"))

    def receipt_recorded(self, ev: EventData) -> bool:
        return bool(str(ev.kwargs.get("receipt", "")).strip())

    def photo_taken(self, ev: EventData) -> bool:
        return bool(self.ctx.get("photo"))

    def card_printed(self, ev: EventData) -> bool:
        return bool(self.ctx.get("card_job")) and ev.kwargs.get("job") == self.ctx.get("card_job")

    def reason_given(self, ev: EventData) -> bool:
        return bool(str(ev.kwargs.get("reason", "")).strip())

    def vehicle_present(self, ev: EventData) -> bool:
        return self.cycle_id is not None

    def retry_allowed(self, ev: EventData) -> bool:
        return int(self.ctx.get("retries", {}).get(self.state, 0)) < self.flow.max_retries

    faulted_in_idle = _faulted_in(Stage.IDLE)
    faulted_in_arrived = _faulted_in(Stage.ARRIVED)
    faulted_in_plate = _faulted_in(Stage.PLATE)
    faulted_in_documents = _faulted_in(Stage.DOCUMENTS)
    faulted_in_payment = _faulted_in(Stage.PAYMENT)
    faulted_in_photo = _faulted_in(Stage.PHOTO)
    faulted_in_printing = _faulted_in(Stage.PRINTING)
    faulted_in_handover = _faulted_in(Stage.HANDOVER)
    faulted_in_exiting = _faulted_in(Stage.EXITING)
    faulted_in_rejected = _faulted_in(Stage.REJECTED)

    # -- bookkeeping, inside the machine's callbacks ----------------------------------------------------------

    def stamp(self) -> Stamp:
        return Stamp(self.clock.wall(), self.clock.monotonic())

    def _persist(self, ev: EventData) -> None:
        """before_state_change: commit the transition; an exception here cancels it."""
        assert ev.transition is not None  # before_state_change runs inside a transition
        src = Stage(ev.transition.source)
        dst = Stage(ev.transition.dest or ev.transition.source)  # an internal transition (none in the table) stays
        data = {k: v for k, v in ev.kwargs.items() if k != "actor"}
        self.record(src, dst, ev.event.name, str(ev.kwargs.get("actor", "system")), data)

    def record(self, src: Stage, dst: Stage, trigger: str, actor: str, data: dict[str, Any]) -> None:
        """Write one transition (also used for restarts, which are not machine transitions)."""
        now = self.stamp()
        done = bookkeep(
            src, dst, trigger, data, self.ctx, lane=self.lane_id, cycle=self.cycle_id, faulted_from=self.faulted_from
        )
        ctx, closing, faulted_from = done.ctx, done.closing, done.faulted_from
        update: dict[str, Any] = {}
        if self.cycle_id is not None and (src in TIMED or src is Stage.FAULT):
            column = "fault" if src is Stage.FAULT else src.value
            self.durations[column] = self.durations.get(column, 0.0) + max(0.0, now.mono - self.since)
            update[f"dur_{column}"] = round(self.durations[column], 3)
        update.update(done.update)
        if "reason" in done.update:  # free text: the holder's names masked before it is stored
            update["reason"] = ctx["reason"] = scrub(str(done.update["reason"]), names_in(ctx))
        if closing and self.cycle_id is not None:
            started = self.store.cycle(self.cycle_id)["started_at"]
            update.update(
                ended_at=now.iso,
                ended_mono=now.mono,
                duration=round((now.at - datetime.fromisoformat(started)).total_seconds(), 3),
            )
        snapshot = {
            "faulted_from": faulted_from.value if faulted_from else None,
            "close_requested": int(self.close_requested and dst is not Stage.CLOSED),
            "context": {} if closing else snapshot_context(ctx),  # an idle lane keeps nobody's data
        }
        cycle = self.cycle_id
        held = self.store.transition(
            TransitionRecord(
                lane=self.lane_id,
                lane_class=self.flow.lane_class.value,
                when=now,
                source=src.value,
                dest=dst.value,
                trigger=trigger,
                actor=actor,
                detail=masked(_plain(data), names_in(ctx)),
                cycle_id=self.cycle_id,
                open_cycle=done.opening,
                keeps_cycle=not closing,
                cycle_update=update,
                snapshot=snapshot,
                card_printed=done.printed,
                card_voided=done.voided,
            )
        )
        # Committed: now the lane's memory follows.
        self.cycle_id = held
        self.faulted_from = faulted_from
        self.ctx = {} if closing else ctx
        if closing:
            self.durations = {}
        if dst is Stage.CLOSED:
            self.close_requested = False
        self.since = now.mono
        self.emit(
            EventKind.TRANSITION,
            source=src.value,
            dest=dst.value,
            trigger=trigger,
            actor=actor,
            cycle=held or cycle,
            **_plain(data),
        )

    def note(self, **facts: Any) -> None:
        """Remember facts of the open cycle durably before acting on them (a loop's count before a boom opens)."""
        self.ctx.update(facts)
        self.store.lane_context(self.lane_id, snapshot_context(self.ctx))

    # -- listeners --------------------------------------------------------------------------------------------

    def emit(self, kind: EventKind, **data: Any) -> None:
        event = LaneEvent(
            self.lane_id,
            kind,
            self.state if hasattr(self, "state") else "",
            self.cycle_id,
            self.clock.monotonic(),
            data,
        )
        for listener in list(self.listeners):
            listener(event)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Trigger data that can be stored as JSON (no images or other objects)."""
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool) or v is None}
