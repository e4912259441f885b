"""The crash harness: kill -9 the controller at chosen or random moments while the lane's world goes on, then
count what the world shows, not only what the store says.

The device simulators (`devices.sim.launcher.SimProcesses`, tcp) start once, in their own processes, and stay up
across every kill, as hardware would; the printer simulator writes each card it delivers as a PNG under
`<workdir>/cards/`. The controller is `lane demo --sims FILE` in a process of its own, attached to them, with the
simulated drivers and operators inside it (lane/people.py; after a restart they take up the vehicle where the
world has it). The harness:

- kills the controller with SIGKILL when an aim is met: a lane in a given stage (watched in `lane_state`, read
  only), a vehicle at the entry with the entry boom going or gone up (`entry_open`), the printer feeding a card
  (`card_printing`), a lane letting its vehicle out with the exit boom going or gone up (`exit_open`), or a random
  delay after the controller came up; each with a seeded extra delay;
- while the controller is down, moves the world on as it would move: a vehicle under or at an open entry boom
  drives through, a vehicle half-way out or at an open exit boom (its lane was letting it out) drives out; the
  printer finishes the card it was printing by itself;
- restarts the controller on the same database with a few more vehicles queued, and at the end lets everything
  finish (`--renewals 0`), stopping it with SIGINT if it does not finish in time;
- counts: card images per lane against `cards` rows (extra cards: images beyond rows, plus every valid card of a
  cycle beyond its first; missing cards: rows beyond images), vehicles that rolled onto an entry loop (the I/O
  simulator's loop events) against cycles, lost renewals (a cycle not ended completed or rejected: aborted,
  abandoned or left open, and a vehicle that arrived and got no cycle), boom closes over a vehicle (the I/O
  simulator's `violations` and `hits`), vehicles and raised booms left in the lanes at the end, and how often a
  lane had to be let go by hand (it waited in exiting or rejected for a vehicle that had left while the
  controller was down, until an attendant walked over the exit loop: without that the lane would wait for ever
  and the rest of the run would measure nothing there). A renewal whose card was handed over (a `handed_over`
  event) counts as completed, and one rejected at the window (a `documents_rejected` event) as rejected, whatever
  its cycle row says: a lane resumed into `rejected` after a restart records the outcome `aborted`, as does an
  abort after the hand-over (reported as "served, recorded as other", a store matter, not a lost renewal).

An aborted renewal counts as lost: the simulated operator aborts only when the lane cannot go on (a fault that
keeps coming back, a resume refused), and the driver leaves without a licence.

`benchmarks/crash.py` runs it with many kills; `tests/lane/test_crash_world.py` aims a few at the issue's cases.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.sim.launcher import LaneSims, SimProcesses, write_sims
from devices.sim.world_client import ControlLink

ROOT = Path(__file__).resolve().parent.parent

#: The working stages a kill may be aimed at (a lane in that stage).
STAGES = ("arrived", "plate", "documents", "payment", "photo", "printing", "handover", "exiting", "rejected")
#: Aims beyond the stages: the issue's two cases, and a moment picked by a delay alone.
SPECIAL = ("entry_open", "card_printing", "exit_open", "random")
#: Outcomes of a renewal that was not lost.
SERVED = ("completed", "rejected")
CLASSES = {"L1": "A", "L2": "C"}
#: Real seconds a lane may wait in exiting or rejected with nobody at the window before an attendant lets it go.
STUCK_AFTER = 10.0

#: The simulated people's step times (lane seconds): shorter than the site's, so a renewal takes a few real seconds.
STEPS = {
    "drive_in": 8,
    "drive_out": 6,
    "documents": 20,
    "payment": 10,
    "photo": 10,
    "handover": 6,
    "operator_reaction": 2,
    "plate_typing": 5,
    "refill": 20,
}


@dataclass(frozen=True)
class Aim:
    """When to kill: `what` is a stage of STAGES or one of SPECIAL; `delay` real seconds after it is met."""

    what: str
    delay: float = 0.0

    def __post_init__(self) -> None:
        if self.what not in (*STAGES, *SPECIAL):
            raise ValueError(f"unknown aim {self.what!r}; one of {', '.join((*STAGES, *SPECIAL))}")


@dataclass
class Kill:
    aim: Aim
    met: bool  # the aim was met (False: its wait ran out and the kill came anyway)
    stages: dict[str, str]  # lane -> its state when the controller died


@dataclass
class LaneCount:
    lane: str
    images: int = 0  # card PNGs the printer simulator wrote
    counter: int = 0  # its delivered-cards counter
    rows: int = 0  # `cards` rows (valid and void)
    doubled: int = 0  # valid cards beyond the first of a cycle
    arrivals: int = 0  # vehicles that rolled onto the entry loop
    cycles: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    closes_over: int = 0  # close commands over an occupied safety loop
    hits: int = 0  # a boom coming low over an occupied safety loop
    vehicle_left: bool = False  # a vehicle still in the lane at the end
    booms_up: list[str] = field(default_factory=list)  # booms not down at the end
    let_go: int = 0  # times the lane waited for a vehicle already gone until an attendant walked over the exit loop
    mislabelled: int = 0  # renewals served (card handed over, or rejected at the window) whose row says otherwise

    @property
    def extra_cards(self) -> int:
        return max(0, self.images - self.rows) + self.doubled

    @property
    def missing_cards(self) -> int:
        return max(0, self.rows - self.images)

    @property
    def lost(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome not in SERVED) + max(
            0, self.arrivals - self.cycles
        )


@dataclass
class Figures:
    kills: list[Kill]
    lanes: dict[str, LaneCount]
    seconds: float
    drained: bool  # the last controller run finished every open renewal by itself

    @property
    def extra_cards(self) -> int:
        return sum(c.extra_cards for c in self.lanes.values())

    @property
    def missing_cards(self) -> int:
        return sum(c.missing_cards for c in self.lanes.values())

    @property
    def lost_renewals(self) -> int:
        return sum(c.lost for c in self.lanes.values())

    @property
    def closes_over_vehicle(self) -> int:
        return sum(c.closes_over + c.hits for c in self.lanes.values())

    @property
    def let_go(self) -> int:
        return sum(c.let_go for c in self.lanes.values())

    @property
    def cycles(self) -> int:
        return sum(c.cycles for c in self.lanes.values())

    @property
    def cards(self) -> int:
        return sum(c.images for c in self.lanes.values())

    def by_stage(self) -> dict[str, tuple[int, int]]:
        """Stage -> (kills that found some lane in it, kills aimed at it and met)."""
        found: Counter[str] = Counter()
        aimed: Counter[str] = Counter()
        for kill in self.kills:
            for stage in set(kill.stages.values()):
                found[stage] += 1
            if kill.met:
                aimed[kill.aim.what] += 1
        names = [*STAGES, "idle", "fault", "closed", *SPECIAL]
        return {s: (found[s], aimed[s]) for s in names if found[s] or aimed[s]}

    def lines(self) -> list[str]:
        out = [f"{'stage':<14} {'kills (a lane in it)':>20} {'aimed and met':>14}"]
        for stage, (found, aimed) in self.by_stage().items():
            out.append(f"{stage:<14} {found:>20} {aimed:>14}")
        outcomes: Counter[str] = Counter()
        for c in self.lanes.values():
            outcomes.update(c.outcomes)
        arrivals = sum(c.arrivals for c in self.lanes.values())
        how = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        out += [
            "",
            f"kills                        {len(self.kills)} ({sum(k.met for k in self.kills)} with the aim met)",
            f"extra cards                  {self.extra_cards}",
            f"lost renewals                {self.lost_renewals}",
            f"boom closes over a vehicle   {self.closes_over_vehicle}",
            f"lanes stuck, let go by hand  {self.let_go}",
            f"cycles                       {self.cycles} ({how})",
            f"vehicles arrived             {arrivals}",
            f"cards (images)               {self.cards}",
            f"cards recorded, no image     {self.missing_cards}",
            f"vehicles left in a lane      {sum(c.vehicle_left for c in self.lanes.values())}",
            f"booms left up                {sum(len(c.booms_up) for c in self.lanes.values())}",
            f"served, recorded as other    {sum(c.mislabelled for c in self.lanes.values())}",
            f"drained by itself            {'yes' if self.drained else 'no (stopped with SIGINT)'}",
            f"time taken                   {self.seconds:.0f} s",
        ]
        for c in self.lanes.values():
            out.append(
                f"  {c.lane}: images {c.images}, printer counter {c.counter}, cards rows {c.rows}, doubled {c.doubled}"
                f", arrivals {c.arrivals}, cycles {c.cycles}, closes over {c.closes_over}, hits {c.hits}"
                + (f", let go by hand {c.let_go}" if c.let_go else "")
                + (", vehicle left in the lane" if c.vehicle_left else "")
                + (f", up: {'/'.join(c.booms_up)}" if c.booms_up else "")
            )
        return out


def site_toml(workdir: Path, lanes: list[str], seed: int, mishaps: dict[str, float]) -> str:
    """A site for the harness: the lanes (L1 SIM A, L2 SIM C, ...), plates typed by the operator, short steps."""
    lines = [
        "[site]",
        'name = "Crash harness"',
        'office_code = "SATPAS-CRASH"',
        'timezone = "Asia/Jakarta"',
        "[store]",
        f'path = "{workdir / "lane.db"}"',
        "durable = true",
    ]
    for i, lane in enumerate(lanes):
        kind = CLASSES.get(lane, "A" if i % 2 == 0 else "C")
        lines += ["[[lanes]]", f'id = "{lane}"', f'class = "{kind}"', "[lanes.devices]", 'plate_reader = "operator"']
    lines += [
        "[documents]",
        f'registry = "{workdir / "registry.db"}"',
        "[simulation]",
        f"seed = {seed}",
        "population = 300",
        "[simulation.steps]",
        *(f'{name} = {{ kind = "lognormal", median = {median}, sigma = 0.3 }}' for name, median in STEPS.items()),
        "[simulation.mishaps]",
        *(f"{name} = {share}" for name, share in mishaps.items()),
    ]
    return "\n".join(lines) + "\n"


#: No mishaps: every renewal goes straight through unless a crash says otherwise.
NO_MISHAPS = {"documents_rejected": 0.0, "photo_retake": 0.0, "plate_unread": 0.0, "printer_out_of_cards": 0.0}
#: The site's mishaps, with more rejections so that kills can find a lane in `rejected`.
SOME_MISHAPS = {"documents_rejected": 0.25, "photo_retake": 0.12, "plate_unread": 0.0, "printer_out_of_cards": 0.02}


class CrashWorld:
    """Simulators that outlive the controller, the controller in its own process, and the kills."""

    def __init__(
        self,
        workdir: Path,
        lanes: list[str] | None = None,
        *,
        speed: float = 40.0,
        seed: int = 0,
        per_start: int = 2,
        print_seconds: float = 10.0,
        mishaps: dict[str, float] | None = None,
        aim_timeout: float = 60.0,
        drain_timeout: float = 90.0,
        down: tuple[float, float] = (0.3, 1.5),
        log: Callable[[str], None] | None = None,
    ) -> None:
        """`per_start`: vehicles queued per lane each time the controller starts; `aim_timeout`: real seconds to
        wait for an aim before killing anyway; `drain_timeout`: real seconds for the last run to finish every
        renewal; `down`: the range of real seconds the controller stays dead."""
        self.workdir = workdir
        self.lanes = list(lanes or ["L1", "L2"])
        self.speed, self.seed, self.per_start = speed, seed, per_start
        self.print_seconds = print_seconds
        self.mishaps = dict(SOME_MISHAPS if mishaps is None else mishaps)
        self.aim_timeout, self.drain_timeout, self.down = aim_timeout, drain_timeout, down
        self.log = log or (lambda text: None)
        self.rng = random.Random(seed)
        self.db = workdir / "lane.db"
        self.config = workdir / "site.toml"
        self.sims_file = workdir / "sims.json"
        self.cards_dir = workdir / "cards"
        self.sims: SimProcesses | None = None
        self.links: dict[tuple[str, str], ControlLink] = {}
        self.arrivals: Counter[str] = Counter()
        self._entry: dict[str, bool] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.let_go: Counter[str] = Counter()
        self._stuck_since: dict[str, float] = {}
        self._looked = 0.0

    # -- set up and tear down ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the simulators; the work folder must hold no earlier run (its cards and database would count)."""
        if self.db.exists() or any(self.cards_dir.glob("*.png")):
            raise ValueError(f"{self.workdir} holds an earlier run: use an empty folder")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(site_toml(self.workdir, self.lanes, self.seed, self.mishaps))
        self.sims = SimProcesses(
            self.lanes,
            speed=self.speed,
            run_dir=self.workdir / "sim",
            cards_dir=self.cards_dir,
            seed=self.seed,
            extra={"printer": {"print_seconds": self.print_seconds}},
        )
        started: dict[str, LaneSims] = await asyncio.to_thread(self.sims.start)
        write_sims(self.sims_file, started, self.speed)
        for lane, sims in started.items():
            for kind in ("io", "printer", "cameras"):
                link = ControlLink(sims.control[kind])
                await link.connect()
                self.links[(lane, kind)] = link
            self._entry[lane] = False
            self.links[(lane, "io")].events.append(lambda event, lane=lane: self._io_event(lane, event))

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for link in self.links.values():
            await link.close()
        self.links.clear()
        if self.sims is not None:
            await asyncio.to_thread(self.sims.stop)
            self.sims = None

    def _io_event(self, lane: str, event: dict[str, Any]) -> None:
        """A vehicle rolling onto the entry loop is an arrival (a rising edge: a driver who sets it again, after a
        restart, is the same vehicle)."""
        if event.get("event") == "loop" and event.get("name") == "entry_loop":
            occupied = bool(event.get("occupied"))
            if occupied and not self._entry[lane]:
                self.arrivals[lane] += 1
            self._entry[lane] = occupied

    async def state(self, lane: str, kind: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.links[(lane, kind)].request("state")
        return result

    async def _send(self, lane: str, kind: str, op: str, **args: Any) -> None:
        await self.links[(lane, kind)].request(op, **args)

    # -- the controller ---------------------------------------------------------------------------------------

    def _launch(self, renewals: int) -> None:
        self.starts += 1
        cmd = [
            sys.executable,
            "-m",
            "lane.cli",
            "--config",
            str(self.config),
            "demo",
            "--renewals",
            str(renewals * len(self.lanes)),
            "--db",
            str(self.db),
            "--plain",
            "--plate-reader",
            "operator",
            "--sims",
            str(self.sims_file),
            "--seed",
            str(self.seed * 1000 + self.starts),
        ]
        with open(self.workdir / "controller.log", "ab") as out:
            out.write(f"\n--- start {self.starts}: {' '.join(cmd[3:])}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        self._events_before = self._scalar("select coalesce(max(id), 0) from events")

    def _alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.db.exists():
            return []
        try:
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
        except sqlite3.OperationalError:
            return []
        try:
            return con.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # not created yet
            return []
        finally:
            con.close()

    def _scalar(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        rows = self._rows(sql, args)
        return int(rows[0][0] or 0) if rows else 0

    def lane_states(self) -> dict[str, tuple[str, str | None]]:
        """Lane -> (state, faulted_from) as committed."""
        return {r[0]: (str(r[1]), r[2]) for r in self._rows("select lane, state, faulted_from from lane_state")}

    async def _up(self) -> bool:
        """Wait until every lane has written its start (or restart) record: the controller is up."""
        while self._alive():
            started = self._scalar(
                "select count(distinct lane) from events where trigger in ('start', 'restart') and id > ?",
                (self._events_before,),
            )
            if started >= len(self.lanes):
                return True
            await asyncio.sleep(0.02)
        return False

    async def _meets(self, aim: Aim, lane: str, state: str) -> bool:
        if aim.what in STAGES:
            return state == aim.what
        if aim.what == "entry_open" and state == "arrived":
            io = await self.state(lane, "io")
            loops = io["loops"]
            return bool(io["gates"]["entry"]["position"] != "down" and loops["entry_loop"])
        if aim.what == "card_printing" and state == "printing":
            return bool((await self.state(lane, "printer"))["card_inside"])
        if aim.what == "exit_open" and state == "exiting":
            io = await self.state(lane, "io")
            return bool(io["gates"]["exit"]["position"] != "down" and not io["loops"]["entry_loop"])
        return False

    async def _wait_for(self, aim: Aim) -> bool | None:
        """True when the aim is met (after its delay), False when its wait ran out, None when the controller ended
        first (its vehicles all served)."""
        if not await self._up():
            return None
        if aim.what == "random":
            await asyncio.sleep(aim.delay)
            return True if self._alive() else None
        deadline = time.monotonic() + self.aim_timeout
        while time.monotonic() < deadline:
            if not self._alive():
                return None
            await self._let_go_stuck()
            for lane, (state, _) in self.lane_states().items():
                if await self._meets(aim, lane, state):
                    await asyncio.sleep(aim.delay)
                    return True
            await asyncio.sleep(0.005)
        return False

    def _kill(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    async def _let_go_stuck(self) -> None:
        """A lane that waits in exiting or rejected for a vehicle that left while the controller was down waits for
        ever (its exit loop never sees it). After STUCK_AFTER real seconds of that, an attendant walks over the
        exit loop so that the lane lets go and serves the vehicles behind; each time is counted (`let_go`)."""
        now = time.monotonic()
        if now - self._looked < 0.5:
            return
        self._looked = now
        for lane, (state, faulted_from) in self.lane_states().items():
            out = ("exiting", "rejected")
            if not (state in out or (state == "fault" and faulted_from in out)):
                self._stuck_since.pop(lane, None)
                continue
            io = await self.state(lane, "io")
            loops = io["loops"]
            scene = (await self.state(lane, "cameras"))["scene"]
            at_window = bool(scene.get("plate")) and not loops["entry_loop"] and not loops["entry_safety"]
            if at_window or loops["exit_loop"] or loops["exit_safety"]:
                self._stuck_since.pop(lane, None)
                continue
            since = self._stuck_since.setdefault(lane, now)
            if now - since >= STUCK_AFTER and state in out and io["gates"]["exit"]["position"] == "up":
                await self._loop(lane, "exit_loop", True)
                await asyncio.sleep(0.2)
                await self._loop(lane, "exit_loop", False)
                self.let_go[lane] += 1
                self._stuck_since.pop(lane, None)
                self.log(
                    f"  {lane}: stuck in {state} with nobody at the window: an attendant walked over the exit loop"
                )

    # -- the world while the controller is down ---------------------------------------------------------------

    async def _gate_up(self, lane: str, gate: str) -> bool:
        """A boom on its way up gets there by itself; True once it is up."""
        for _ in range(100):
            position = (await self.state(lane, "io"))["gates"][gate]["position"]
            if position in ("up", "down"):
                return bool(position == "up")
            await asyncio.sleep(0.01)
        return False

    async def _loop(self, lane: str, name: str, occupied: bool) -> None:
        await self._send(lane, "io", "loop", name=name, occupied=occupied)

    async def _lane_goes_on(self, lane: str, state: str, faulted_from: str | None) -> None:
        """What the vehicle in `lane` does while nobody controls the lane."""
        drive_in, drive_out = STEPS["drive_in"] / self.speed, STEPS["drive_out"] / self.speed
        io = await self.state(lane, "io")
        loops, gates = io["loops"], io["gates"]
        scene = (await self.state(lane, "cameras"))["scene"]
        if loops["entry_safety"]:  # under the entry boom: drives on through
            await asyncio.sleep(drive_in / 2)
            await self._loop(lane, "entry_safety", False)
            await self._loop(lane, "entry_loop", False)
            self.log(f"  {lane}: the vehicle under the entry boom drove through")
        elif loops["entry_loop"] and gates["entry"]["position"] != "down" and await self._gate_up(lane, "entry"):
            await self._loop(lane, "entry_safety", True)
            await asyncio.sleep(drive_in)
            await self._loop(lane, "entry_safety", False)
            await self._loop(lane, "entry_loop", False)
            self.log(f"  {lane}: the vehicle at the entry drove through the open boom")
        # the camera's vehicle is at the window, and its lane was letting it out (not one at the entry: that one is
        # the next driver, come after the lane's own vehicle left while the controller was down)
        leaving = state in ("exiting", "rejected") or faulted_from in ("exiting", "rejected")
        leaving = leaving and not loops["entry_loop"] and not loops["entry_safety"]
        if loops["exit_safety"] or loops["exit_loop"]:  # half-way out: drives off
            await self._loop(lane, "exit_safety", False)
            await asyncio.sleep(drive_out / 2)
            await self._loop(lane, "exit_loop", False)
            await self._send(lane, "cameras", "scene", plate=None, face_seed=None)
            self.log(f"  {lane}: the vehicle under the exit boom drove off")
        elif (
            scene.get("plate") and leaving and gates["exit"]["position"] != "down" and await self._gate_up(lane, "exit")
        ):
            await self._loop(lane, "exit_safety", True)
            await self._loop(lane, "exit_loop", True)
            await asyncio.sleep(drive_out)
            await self._loop(lane, "exit_safety", False)
            await asyncio.sleep(drive_out / 2)
            await self._loop(lane, "exit_loop", False)
            await self._send(lane, "cameras", "scene", plate=None, face_seed=None)
            self.log(f"  {lane}: the vehicle at the open exit boom drove out")

    async def _world_goes_on(self, states: dict[str, tuple[str, str | None]]) -> None:
        lo, hi = self.down
        down = self.rng.uniform(lo, hi)
        began = time.monotonic()
        await asyncio.gather(*(self._lane_goes_on(lane, *states.get(lane, ("idle", None))) for lane in self.lanes))
        await asyncio.sleep(max(0.0, down - (time.monotonic() - began)))

    # -- a run ------------------------------------------------------------------------------------------------

    async def run(self, aims: list[Aim], last: int = 0) -> Figures:
        """Kill once per aim, then let everything finish with `last` more vehicles per lane (none: only the
        renewals still open)."""
        began = time.monotonic()
        kills: list[Kill] = []
        for n, aim in enumerate(aims, 1):
            while True:
                if not self._alive():
                    self._launch(self.per_start)
                met = await self._wait_for(aim)
                if met is not None:
                    break
            if not self._alive():  # it ended during the aim's delay: the kill comes in the next run
                self._launch(self.per_start)
                await self._up()
            self._kill()
            states = self.lane_states()
            kill = Kill(aim, met, {lane: state for lane, (state, _) in states.items()})
            kills.append(kill)
            shown = ", ".join(f"{lane} {state}" for lane, state in kill.stages.items())
            self.log(f"kill {n}/{len(aims)} ({aim.what}{'' if met else ', not met'}): {shown}")
            await self._world_goes_on(states)
        drained = await self._drain(last)
        figures = await self._count(kills, time.monotonic() - began, drained)
        return figures

    async def _drain(self, last: int) -> bool:
        """The last run: `last` new vehicles per lane, every open renewal finished; SIGINT when it takes too long."""
        self._launch(last)
        deadline = time.monotonic() + self.drain_timeout
        while self._alive() and time.monotonic() < deadline:
            await self._let_go_stuck()
            await asyncio.sleep(0.1)
        if not self._alive():
            self.proc = None
            return True
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(self.proc.wait, 20)
        except subprocess.TimeoutExpired:
            self._kill()
        self.proc = None
        return False

    async def _count(self, kills: list[Kill], seconds: float, drained: bool) -> Figures:
        await asyncio.sleep(0.2)  # the last loop events
        lanes: dict[str, LaneCount] = {}
        for lane in self.lanes:
            c = LaneCount(lane)
            c.images = len(list(self.cards_dir.glob(f"{lane}-*.png")))
            c.counter = int((await self.state(lane, "printer"))["counter"])
            c.rows = self._scalar("select count(*) from cards where lane = ?", (lane,))
            c.doubled = self._scalar(
                "select coalesce(sum(n - 1), 0) from (select count(*) as n from cards "
                "where lane = ? and status = 'valid' group by cycle_id having n > 1)",
                (lane,),
            )
            c.arrivals = self.arrivals[lane]
            c.let_go = self.let_go[lane]
            for outcome, verdicts, handed in self._rows(
                "select c.outcome, "
                "(select count(*) from events e where e.cycle_id = c.id and e.trigger = 'documents_rejected'), "
                "(select count(*) from events e where e.cycle_id = c.id and e.trigger = 'handed_over') "
                "from cycles c where c.lane = ?",
                (lane,),
            ):
                served = "completed" if handed else "rejected" if verdicts else None
                if served and outcome != served:  # card handed over, or rejected at the window: whatever the row says
                    c.mislabelled += 1
                    outcome = served
                c.outcomes[str(outcome or "open")] += 1
            c.cycles = sum(c.outcomes.values())
            io = await self.state(lane, "io")
            c.closes_over, c.hits = len(io["violations"]), int(io["hits"])
            scene = (await self.state(lane, "cameras"))["scene"]
            c.vehicle_left = bool(scene.get("plate")) or any(io["loops"].values())
            c.booms_up = [gate for gate, g in io["gates"].items() if g["position"] != "down"]
            lanes[lane] = c
        return Figures(kills, lanes, seconds, drained)


def plan(kills: int, seed: int) -> list[Aim]:
    """`kills` aims spread over every stage and the special moments, in a seeded order, each with a seeded delay:
    a short one inside a stage (most stages last a fraction of a real second at the harness's speed), up to a
    print's length while printing, up to a few seconds after the start for a random one."""
    rng = random.Random(seed)
    kinds = [*STAGES, *SPECIAL]
    order = [kinds[i % len(kinds)] for i in range(kills)]
    rng.shuffle(order)
    aims = []
    for what in order:
        if what == "random":
            delay = rng.uniform(0.2, 6.0)
        elif what in ("printing", "card_printing"):
            delay = rng.uniform(0.0, 0.4)
        elif what in ("entry_open", "exit_open"):
            delay = 0.0
        else:
            delay = rng.uniform(0.0, 0.2)
        aims.append(Aim(what, round(delay, 3)))
    return aims


def run_crash(workdir: Path, aims: list[Aim], last: int = 0, **options: Any) -> Figures:
    """Start the world, run the kills (then `last` vehicles per lane with no kill), count, stop the world."""

    async def go() -> Figures:
        world = CrashWorld(workdir, **options)
        try:
            await world.start()
            return await world.run(aims, last)
        finally:
            await world.stop()

    return asyncio.run(go())
