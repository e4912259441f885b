"""A lane at work: the stage runners that drive the devices, the budget watchdog, restart recovery, and the
operator commands. Built on `LaneCore` (machine, guards, persistence).

Each state has a runner started when the lane enters it (cancelled when it leaves) and, for timed stages, a
watchdog: past the soft budget the driver gets a prompt and the operator an alert; past the hard limit the lane
goes to fault. Device errors never escape a runner: they become a fault or an operator request.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2

from devices.base import CardOutcome, Gate, GatePosition, PrintJob, PrintTicket, VehicleLoop
from devices.codecs.iomap import passed_since
from devices.errors import DeviceError, DeviceRefused, DeviceTimeout
from devices.registry import LaneDevices
from flows.prompts import prompt
from flows.renewal import Flow
from flows.states import RESUMABLE, Stage
from lane import receipts
from lane.clock import Clock
from lane.commands import Action, Command, Outcome
from lane.errors import Refused
from lane.events import REQUESTS, EventKind
from lane.machine import LaneCore
from lane.officers import authorise
from lane.privacy import masked, names_in, private_dir, private_file, restored_context, scrub
from lane.rules import RenewalRules, holder_dict
from lane.store import Store
from plates.grammar import PlateGrammarError, parse
from plates.reading import PlateReading, Reader, WarmsUp
from plates.vote import Voter

log = logging.getLogger(__name__)


class LaneController(LaneCore):
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
        photo_retakes: int = 2,
        retake_delay: float = 6.0,
        photo_dir: Path | None = None,
        prompts: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(lane_id, flow, store, clock)
        self.devices = devices
        self.rules = rules
        self.photo_retakes = photo_retakes
        self.retake_delay = retake_delay
        self.prompts = prompts
        self.reader = reader
        self.plate_wait = plate_wait
        self.agreement = agreement
        self.photo_dir = photo_dir
        self.photo: Any = None  # the last driver photo taken (an image)
        self.face: tuple[int, int, int, int] | None = None  # where the gate found the face in it
        self.pending: dict[str, Any] = {}  # what the operator is asked to do now
        self._reading: ThreadPoolExecutor | None = None  # the lane's plate-reading thread, started with the lane
        self._tasks: list[asyncio.Task[None]] = []
        self._on_enter = self._start_stage
        for device in devices.all():
            device.subscribe(self._device_event)

    @property
    def fee(self) -> int:
        """The PNBP tariff of the licence being renewed (of the lane's main class until the documents say)."""
        holder = self.ctx.get("holder")
        return self.rules.fee(holder["sim_class"] if holder else self.flow.classes_served[0])

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
            self.ctx = restored_context(snap["context"], self.store.cycle(self.cycle_id) if self.cycle_id else None,
                                        self.rules.registry)  # fmt: skip
            self.close_requested = bool(snap["close_requested"])
            self.faulted_from = Stage(snap["faulted_from"]) if snap["faulted_from"] else None
            if self.cycle_id is not None:
                row = self.store.cycle(self.cycle_id)
                self.durations = {k.removeprefix("dur_"): float(v or 0) for k, v in row.items() if k.startswith("dur_")}
            self.since = self.clock.monotonic()
            self.build_machine(was if was in RESUMABLE else Stage.FAULT)
            self.record(was, self.stage, "restart", "system", {})
        self._start_reading()
        self._start_stage(self.stage)

    def _start_reading(self) -> None:
        """The lane's own plate-reading thread, with the reader's models loaded on it now (its `warm_up`, when it
        has one) rather than in the first car's reads: a cold read takes several times a warm one."""
        if self.reader is None or self._reading is not None:
            return
        self._reading = ThreadPoolExecutor(1, thread_name_prefix=f"plates-{self.lane_id}")
        if isinstance(self.reader, WarmsUp):
            self._reading.submit(self.reader.warm_up).add_done_callback(self._warmed_up)

    def _warmed_up(self, done: Future[None]) -> None:
        if not done.cancelled() and (err := done.exception()) is not None:
            log.warning(
                "lane %s: the plate reader did not warm up (%s); its first reads load its models", self.lane_id, err
            )

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
        if self._reading is not None:  # a read or warm-up under way finishes first (a fraction of a second)
            reading, self._reading = self._reading, None
            await self.clock.run_blocking(functools.partial(reading.shutdown, wait=True, cancel_futures=True))

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

    # -- notices -----------------------------------------------------------------------------------------------

    def alert(self, code: str, text: str) -> None:
        text = scrub(text, names_in(self.ctx))
        self.store.notice(self.lane_id, self.cycle_id, self.stamp(), self.state, "alert", code, text)
        self.emit(EventKind.ALERT, code=code, text=text)

    async def show(self, code: str, **values: Any) -> None:
        fee = f"{self.fee:,}".replace(",", ".")
        budget = self.flow.budgets.get(self.stage)
        remaining = round(max(0.0, budget.soft - (self.clock.monotonic() - self.since))) if budget else ""
        indonesian, english = prompt(code, self.state, self.flow.lane_class.value, self.prompts, fee=fee,
                                     remaining=remaining, **values)  # fmt: skip
        stored = scrub(indonesian, names_in(self.ctx))
        self.store.notice(self.lane_id, self.cycle_id, self.stamp(), self.state, "prompt", code, stored)
        self.emit(EventKind.PROMPT, code=code, id=indonesian, en=english)
        try:
            await self.devices.display.show(indonesian, english)
        except DeviceError as err:
            self.alert("display", str(err))

    def request(self, what: str, **detail: Any) -> None:
        """Ask the operator for something; written to the store (the console shows it) and told to listeners."""
        self.pending = {"what": what, "text": REQUESTS.get(what, what), **detail}
        text = json.dumps(masked(self.pending, names_in(self.ctx)), default=str, ensure_ascii=False)
        self.store.notice(self.lane_id, self.cycle_id, self.stamp(), self.state, "request", what, text)
        self.emit(EventKind.REQUEST, what=what, **detail)

    def _device_event(self, event: Any) -> None:
        self.store.device_event(self.lane_id, self.cycle_id, self.stamp(), event.device, event.kind, event.detail)
        self.emit(EventKind.DEVICE, device=event.device, device_kind=event.kind, **event.detail)

    async def _watch(self, stage: Stage) -> None:
        budget = self.flow.budgets[stage]
        await self.clock.sleep(budget.soft)
        await self.show("overrun")
        self.alert("overrun", f"{stage.value} over its budget of {budget.soft:g} s")
        await self.clock.sleep(budget.hard - budget.soft)
        await self._fault(stage, "hard_limit", f"{stage.value} over its hard limit of {budget.hard:g} s")

    # -- stage runners ------------------------------------------------------------------------------------------

    async def _run(self, stage: Stage) -> None:
        reason = self.ctx.get("reason", "")
        await self.show(stage.value, reason=reason)
        runner: Callable[[], Awaitable[None]] | None = getattr(self, f"_run_{stage.value}", None)
        if runner is not None:
            await runner()

    async def _run_idle(self) -> None:
        d = self.devices
        if d.exit_gate.position is not GatePosition.DOWN:  # up over nothing (a restart, a hand-opened boom)
            await self._pass_and_close(d.exit_gate, d.exit_loop)
        if d.entry_gate.position is not GatePosition.DOWN and not d.entry_loop.occupied:
            await self._pass_and_close(d.entry_gate, d.entry_loop)
        if self.close_requested:
            await self.fire("close_lane")
            return
        await d.entry_loop.wait_for(True)
        await self.fire("vehicle_arrived", actor="entry_loop")

    async def _run_arrived(self) -> None:
        """Open the entry boom, let the vehicle pass, close it. The safety loop's vehicle count is noted (durably)
        before the boom opens, so a lane restarted after the vehicle drove through goes on instead of waiting."""
        d = self.devices
        if await self._mark("entry_mark", d.entry_safety) or not await self._passed(d.entry_safety, "entry_mark"):
            await d.entry_gate.open()
            await self._wait_passage(d.entry_safety, "entry_mark")
        await self._pass_and_close(d.entry_gate, d.entry_loop)
        await self.fire("admitted", actor="entry_loop")

    async def _mark(self, key: str, loop: VehicleLoop) -> bool:
        """Note the loop's vehicle count under `key` when this stage first runs (before any boom moves); True when
        noted now (nothing can have passed since), False when a run before this one (a restart) noted it."""
        if key in self.ctx:
            return False
        self.note(**{key: await loop.passes()})
        return True

    async def _passed(self, loop: VehicleLoop, key: str) -> bool:
        """Whether a vehicle has reached `loop` since its count was noted under `key`: occupied now, or counted by
        the I/O module since. A count below the mark is a module that was replaced or power-cycled (a 16-bit
        counter wraps once in 65,536 vehicles): the mark is taken again and only occupancy is believed."""
        if loop.occupied:
            return True
        mark, now = self.ctx.get(key), await loop.passes()
        if mark is None or now is None:
            return False
        if now < int(mark):
            self.note(**{key: now})
            return False
        return passed_since(int(mark), now) > 0

    async def _wait_passage(self, loop: VehicleLoop, key: str) -> None:
        """Wait for a vehicle on `loop`; after each quiet second the count is read as well, so a passage between
        two polls of the loop is never waited for again."""
        while not loop.occupied:
            try:
                await loop.wait_for(True, timeout=1.0)
            except DeviceTimeout:
                if await self._passed(loop, key):
                    return

    async def _pass_and_close(self, gate: Gate, loop_after: Any) -> None:
        """Wait until the vehicle is clear of `loop_after` and the boom's safety loop, then close the boom."""
        while True:
            await loop_after.wait_for(False)
            await gate.safety.wait_for(False)
            try:
                await gate.close()
                return
            except DeviceRefused:
                continue  # something moved under the boom: it went back up; wait for it to clear again

    async def _run_plate(self) -> None:
        """Read camera frames until `agreement` readings agree character by character (plates.vote), then record
        the plate with the best frame's crop as evidence; after `plate_wait` seconds, ask the operator."""
        if self.reader is None:
            self.request("plate", why="no plate reader on this lane")
            return
        voter = Voter(self.agreement)
        deadline = self.clock.monotonic() + self.plate_wait
        try:
            while self.clock.monotonic() < deadline:
                frame = await self.devices.plate_camera.capture()
                reading = await self.clock.run_blocking(self.reader, frame.image, executor=self._reading)
                agreed = voter.add(reading) if isinstance(reading, PlateReading) else None
                if agreed is not None:
                    await self.fire(
                        "plate_read",
                        actor="camera",
                        plate=agreed.text,
                        plate_source="camera",
                        plate_confidence=round(agreed.confidence, 3),
                        plate_evidence=self._save_evidence(agreed),
                    )
                    return
        except DeviceError as err:
            self.alert(err.cause, str(err))
        seen = ", ".join(f"{text} x{n}" for text, n in voter.seen.items())
        self.request("plate", why=f"no agreed reading in {self.plate_wait:g} s" + (f" (seen: {seen})" if seen else ""))

    def _save_evidence(self, reading: PlateReading) -> str:
        """The best frame's plate crop, kept with the cycle: `var/plates/<lane>-<cycle>.png`."""
        name = f"{self.lane_id}-{self.cycle_id or 0:06d}.png"
        if self.photo_dir is not None and reading.crop is not None:
            folder = private_dir(self.photo_dir.parent / "plates")
            if cv2.imwrite(str(folder / name), reading.crop, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
                private_file(folder / name)
        return name

    async def _run_documents(self) -> None:
        prefill = self.rules.prefill(str(self.ctx.get("plate", "")), self.clock.wall())
        if prefill:
            self.ctx["prefill"] = prefill
        self.request("documents", prefill=prefill or {})

    async def _submit_documents(self, fields: dict[str, str], who: str) -> str:
        """Check the documents as entered; pass the lane on, or leave it in documents with every failure listed
        (the operator corrects a typo and submits again, or rejects with these reasons)."""
        if self.stage is not Stage.DOCUMENTS:
            raise Refused(f"no documents are asked for while the lane is {self.stage}")
        prefill = self.ctx.get("prefill") or {}
        merged = {k: str(v) for k, v in prefill.items() if k != "prereg_id"} | {k: v for k, v in fields.items() if v}
        verdict = self.rules.check(merged, self.flow.classes_served, self.clock.wall().date())
        if not verdict.ok:
            self.ctx["failures"] = [f.code for f in verdict.failures]
            self.ctx["failure_text"] = verdict.reason()
            for f in verdict.failures:
                self.alert(f.code, f"{f.id} / {f.en}")
            self.request("documents", prefill=prefill, failures=[f"{f.id} / {f.en}" for f in verdict.failures])
            raise Refused("documents not accepted: " + "; ".join(f"{f.id} / {f.en}" for f in verdict.failures))
        holder = verdict.holder
        assert holder is not None
        await self.fire(
            "documents_ok",
            actor=who,
            checked=True,
            holder=holder_dict(holder),
            holder_name=holder.name,
            nik=holder.nik,
            sim_number=holder.sim_number,
            sim_class=holder.sim_class,
            prereg_id=prefill.get("prereg_id"),
        )
        if prefill.get("prereg_id") and self.rules.registry is not None and self.cycle_id is not None:
            self.rules.registry.use_preregistration(int(prefill["prereg_id"]), self.cycle_id)
        return f"documents accepted: {holder.name}, SIM {holder.sim_class}"

    async def _run_payment(self) -> None:
        reference = f"{self.lane_id}-{self.cycle_id or 0:06d}"
        receipt = await self.devices.payment.collect(self.fee, reference)
        await self.fire("paid", actor="payment", receipt=receipt.number, fee=receipt.amount)

    async def _run_photo(self) -> None:
        """Take photos until one passes the gate (prompting the driver with what to fix), at most
        1 + photo_retakes times; then the operator decides (accept with a reason, or retry)."""
        verdict = None
        for attempt in range(1 + self.photo_retakes):
            if attempt:
                await self.clock.sleep(self.retake_delay)
            frame = await self.devices.driver_camera.capture()
            self.photo = frame.image
            verdict = await self.clock.run_blocking(self.rules.assess, frame.image)
            self.face = verdict.face
            if verdict.ok:
                await self.fire("photo_accepted", actor="photo_gate", photo_file=self._save_photo("ok"))
                return
            code = verdict.problems[0]
            await self.show(f"photo_{code}")
            self.emit(EventKind.PHOTO_PROBLEM, problems=list(verdict.problems), attempt=attempt + 1)
        assert verdict is not None
        self.ctx["photo_problems"] = list(verdict.problems)
        self.request("photo", problems=list(verdict.problems), file=self._save_photo("rejected"))

    def _save_photo(self, tag: str) -> str:
        retries = self.ctx.get("retries", {}).get("photo", 0)
        name = f"{self.lane_id}-{self.cycle_id or 0:06d}-{retries}-{tag}.jpg"
        if self.photo_dir is not None and self.photo is not None:
            private_dir(self.photo_dir)
            if cv2.imwrite(str(self.photo_dir / name), self.photo, [cv2.IMWRITE_JPEG_QUALITY, 92]):
                private_file(self.photo_dir / name)
        self.ctx["photo"] = name
        return name

    async def _run_printing(self) -> None:
        """Print the cycle's card exactly once. A job is committed with the printer's card counter before it is
        sent; a job found already sent (a crash, a lost answer, a fault) is first settled against the printer:
        its card came out (recorded, not printed again), did not (sent again), or the printer cannot say (the
        operator is asked, `card_out`)."""
        job = str(self.ctx["card_job"])
        holder = self.ctx.get("holder")
        if holder is None:
            raise Refused("no holder data for the card: the documents step did not record one")
        sent = self.store.print_job(job)
        if sent is not None and sent["state"] == "sent":
            outcome = await self.devices.printer.settle(PrintTicket(job, sent["counter"]))
            if outcome is CardOutcome.OUT:
                await self.fire("printed", actor="printer", job=job)
                return
            if outcome is CardOutcome.UNKNOWN:
                self.request("card_out", job=job)
                return
            self.store.print_job_settled(job, "not_out", self.stamp(), "printer")
        elif sent is not None and sent["state"] == "out":  # recorded by the printed transition: cannot happen
            raise Refused(f"card job {job} already came out")
        if self.photo is None and self.ctx.get("photo") and self.photo_dir is not None:  # after a restart
            self.photo = cv2.imread(str(self.photo_dir / str(self.ctx["photo"])))
            self.face = self.rules.assess(self.photo).face if self.photo is not None else None
        face = self.rules.card_face(holder, self.photo, self.face, self.flow.lane_class, self.clock.wall().date())
        ticket = await self.devices.printer.ticket(job)
        self.store.print_job_sent(job, self.cycle_id, self.lane_id, ticket.counter, self.stamp())
        await self.devices.printer.print_card(PrintJob(job, face), ticket)
        await self.fire("printed", actor="printer", job=job)

    async def _card_out(self, answer: str, who: str) -> str:
        """The operator's answer to "did a card come out?": yes records the card; no voids the job, and the card
        is printed again under a new job id."""
        job = str(self.pending.get("job", ""))
        if self.stage is not Stage.PRINTING or self.pending.get("what") != "card_out":
            raise Refused("no one asked whether a card came out")
        if answer not in ("yes", "no"):
            raise Refused("answer out=yes or out=no")
        if answer == "yes":
            await self.fire("printed", actor=who, job=job)
            return f"card {job} recorded as printed"
        self.store.print_job_settled(job, "void", self.stamp(), who)
        await self.fire("retry", actor=who, void_job=job)
        return f"job {job} void; printing again"

    async def _run_handover(self) -> None:
        self.request("handover")

    async def _run_exiting(self) -> None:
        """Open the exit boom, wait for the vehicle to pass it, close it. As at the entry, the exit loop's count is
        noted before the boom opens: a vehicle that left while the controller was down is not waited for."""
        d = self.devices
        if await self._mark("exit_mark", d.exit_loop) or not await self._passed(d.exit_loop, "exit_mark"):
            await d.exit_gate.open()
            await self._wait_passage(d.exit_loop, "exit_mark")
        await self._pass_and_close(d.exit_gate, d.exit_loop)
        await self.fire("vehicle_left", actor="exit_loop")

    _run_rejected = _run_exiting

    async def _run_fault(self) -> None:
        self.request("fault", cause=self.ctx.get("fault_cause", ""), stage=self.faulted_from or "")

    # -- operator commands ------------------------------------------------------------------------------------

    async def execute(self, cmd: Command) -> Outcome:
        """Carry out an operator command; every command, done or refused, lands in the audit table."""
        names = names_in(self.ctx)
        try:
            message = await self._do(cmd)
            outcome = Outcome(True, message)
        except (Refused, PlateGrammarError, DeviceError) as err:
            outcome = Outcome(False, str(err))
        self.store.operator_action(
            self.lane_id,
            self.cycle_id,
            self.stamp(),
            cmd.operator,
            cmd.action.value,
            masked(cmd.args(), names + names_in(self.ctx)),
            "ok" if outcome.ok else "refused",
            scrub(outcome.message, names + names_in(self.ctx)),
        )
        self.emit(
            EventKind.OPERATOR, action=cmd.action.value, operator=cmd.operator, ok=outcome.ok, message=outcome.message
        )
        return outcome

    async def _do(self, cmd: Command) -> str:
        if not cmd.operator.strip():
            raise Refused("an operator id is required")
        authorise(self.store, cmd.operator, cmd.action, paid=bool(self.ctx.get("receipt")))  # account and role
        who = f"operator:{cmd.operator}"
        stage, a = self.stage, cmd.action
        if a is Action.DOCUMENTS or (a is Action.CONFIRM and stage is Stage.DOCUMENTS):
            return await self._submit_documents(dict(cmd.data), who)
        if a is Action.APPROVE:
            return await receipts.approve(self, cmd, who)
        if a is Action.CONFIRM:
            if stage is Stage.PAYMENT:
                return await receipts.confirm(self, cmd, who)
            elif stage is Stage.PHOTO:
                if self.photo is None or self.pending.get("what") != "photo":
                    raise Refused("no photo is waiting for a decision")
                if self.ctx.get("photo_problems") and not cmd.reason.strip():
                    raise Refused("the photo failed the check: accepting it needs a reason")
                await self.fire("photo_accepted", actor=who, photo_file=self.ctx.get("photo"), reason=cmd.reason)
            elif stage is Stage.HANDOVER:
                await self.fire("handed_over", actor=who)
            else:
                raise Refused(f"nothing to confirm while the lane is {stage}")
        elif a is Action.REJECT:
            reason = cmd.reason.strip() or str(self.ctx.get("failure_text", ""))
            await self.fire("documents_rejected", actor=who, reason=reason)
        elif a is Action.CARD_OUT:
            return await self._card_out(cmd.data.get("out", "").strip().lower(), who)
        elif a is Action.REPRINT:
            await self.fire("reprint", actor=who, reason=cmd.reason)
        elif a is Action.ENTER_PLATE:
            if stage is not Stage.PLATE:
                raise Refused(f"no plate is asked for while the lane is {stage}")
            plate = parse(cmd.plate).text
            await self.fire("plate_entered", actor=who, plate=plate, plate_source="operator")
        elif a is Action.RETRY:
            await self.fire("retry", actor=who)
        elif a is Action.ABORT:
            await self.fire("abort", actor=who, reason=cmd.reason)
        elif a is Action.RESUME:
            await self.fire("resume", actor=who)
        elif a is Action.OPEN_LANE:
            await self.fire("open_lane", actor=who)
        elif a is Action.CLOSE_LANE:
            if stage in (Stage.IDLE, Stage.FAULT):
                await self.fire("close_lane", actor=who, reason=cmd.reason or "closed by operator")
            elif stage is Stage.CLOSED:
                raise Refused("the lane is already closed")
            else:
                self.close_requested = True
                return "the lane closes once the vehicle in it has left"
        elif a is Action.CLEAR_PRINTER:
            await self.devices.printer.clear_errors()
            return "printer errors cleared"
        elif a is Action.OPEN_GATE:
            gate = {"entry": self.devices.entry_gate, "exit": self.devices.exit_gate}.get(cmd.data.get("gate", ""))
            if gate is None:
                raise Refused("which gate: gate=entry or gate=exit")
            if not cmd.reason.strip():
                raise Refused("opening a gate by hand needs a reason")
            self.alert("gate_by_hand", f"{gate.name} opened by {cmd.operator}: {cmd.reason}")
            await gate.open()
            return f"{gate.name} open"
        return "done"
